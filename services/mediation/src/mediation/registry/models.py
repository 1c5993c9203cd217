"""Organisations, mediators, their leave and declared conflicts, and the audit of every change."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from onewindow_kit.db import UtcDateTime, utcnow
from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel


def new_id() -> str:
    return uuid.uuid4().hex


class Organisation(SQLModel, table=True):
    """A mediation organisation (调解组织) of a centre."""

    __tablename__ = "organisation"
    __table_args__ = (UniqueConstraint("center_id", "name"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=40)
    center_id: str = Field(max_length=40, index=True)
    name: str = Field(max_length=120)
    short_name: str | None = Field(default=None, max_length=30)
    # district | street | community | enterprise | industry | social | platform
    level: str = Field(max_length=20)
    streets: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    court_roster: bool = False  # 特邀调解组织
    roster_courts: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    active: bool = True
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class Mediator(SQLModel, table=True):
    """A mediator (调解员). ``open_count`` is kept by the proceedings: capacity is checked against it
    with a conditional UPDATE, so concurrent openings cannot overfill a mediator."""

    __tablename__ = "mediator"
    __table_args__ = (
        UniqueConstraint("username"),
        UniqueConstraint("user_subject"),
        Index("ix_mediator_org_active", "organisation_id", "active"),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=40)
    organisation_id: str = Field(foreign_key="organisation.id", max_length=40)
    name: str = Field(max_length=60)
    # The staff account: the token's ``sub`` (gateway user id) or its login name.
    username: str | None = Field(default=None, max_length=64)
    user_subject: str | None = Field(default=None, max_length=64)
    registration_no: str | None = Field(default=None, max_length=60)  # 备案编号
    registration_status: str = Field(default="registered", max_length=20)  # registered | pending | suspended | revoked
    grade: str = Field(default="intermediate", max_length=20)  # junior | intermediate | senior | chief
    specialities: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # claim categories
    industries: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    collective_qualified: bool = False
    languages: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # 普通话, 粤语, 客家话…
    streets: list[str] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )  # empty: the organisation's
    capacity: int = 10
    open_count: int = 0
    is_lawyer: bool = False
    active: bool = True
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class MediatorLeave(SQLModel, table=True):
    """A leave period, both days included."""

    __tablename__ = "mediator_leave"
    __table_args__ = (Index("ix_mediator_leave_span", "mediator_id", "end_on"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=40)
    mediator_id: str = Field(foreign_key="mediator.id", max_length=40)
    start_on: date
    end_on: date
    reason: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class MediatorConflict(SQLModel, table=True):
    """A declared conflict of interest: an employer the mediator worked for or represented."""

    __tablename__ = "mediator_conflict"
    __table_args__ = (UniqueConstraint("mediator_id", "credit_code"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=40)
    mediator_id: str = Field(foreign_key="mediator.id", max_length=40, index=True)
    credit_code: str = Field(max_length=18, index=True)
    employer_name: str = Field(max_length=200)
    relation: str = Field(max_length=20)  # worked_for | represented | other
    note: str | None = Field(default=None, max_length=300)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class RegistryAudit(SQLModel, table=True):
    """Who changed what in the registry, and when (old and new value per field)."""

    __tablename__ = "registry_audit"
    __table_args__ = (Index("ix_registry_audit_entity", "entity", "entity_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    entity: str = Field(max_length=20)  # organisation | mediator | leave | conflict
    entity_id: str = Field(max_length=40)
    mediator_id: str | None = Field(default=None, max_length=40, index=True)
    action: str = Field(max_length=20)  # created | updated | deleted | deactivated | activated
    actor_subject: str = Field(max_length=64)
    actor_name: str | None = Field(default=None, max_length=100)
    at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    changes: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
