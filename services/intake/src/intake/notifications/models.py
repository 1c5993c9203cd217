"""A notification is addressed to an audience (a role in a centre, or one user); who read it is
kept per person, so one row serves every supervisor and each sees it once."""

from __future__ import annotations

from datetime import datetime

from onewindow_kit.db import UtcDateTime, utcnow
from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel


class Notification(SQLModel, table=True):
    __tablename__ = "notification"
    __table_args__ = (
        # Once per audience per cause: a redelivered event or a second sweep adds nothing.
        UniqueConstraint("center_id", "audience", "cause"),
        Index("ix_notification_inbox", "center_id", "audience", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    center_id: str = Field(max_length=40)
    audience: str = Field(max_length=80)  # "role:supervisor" | "user:<subject>"
    cause: str = Field(max_length=160)  # e.g. "red:<case_id>", "handoff:<id>", "clock:<id>:<code>"
    kind: str = Field(max_length=30)  # red_alert | assignment | handoff | clock_at_risk | payment_overdue
    title: str = Field(max_length=200)
    body: str = Field(max_length=500)
    case_id: str | None = Field(default=None, max_length=32)
    link: str | None = Field(default=None, max_length=200)  # the SPA route to open
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class NotificationRead(SQLModel, table=True):
    __tablename__ = "notification_read"

    notification_id: int = Field(foreign_key="notification.id", primary_key=True)
    subject: str = Field(max_length=64, primary_key=True)
    read_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
