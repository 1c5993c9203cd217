"""Tables of the identities the gateway issues tokens to."""

from __future__ import annotations

import uuid
from datetime import datetime

from onewindow_kit.db import UtcDateTime, utcnow
from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel


class StaffUser(SQLModel, table=True):
    """A person at a centre: clerk, mediator, supervisor or administrator."""

    __tablename__ = "staff_user"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    username: str = Field(max_length=64, unique=True, index=True)
    display_name: str = Field(max_length=100)
    roles: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    center_id: str | None = Field(default=None, max_length=64)
    active: bool = True
    password_hash: str = Field(max_length=255)
    failed_login_count: int = 0
    locked_until: datetime | None = Field(default=None, sa_type=UtcDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class Client(SQLModel, table=True):
    """A machine that calls with client credentials: a partner's system or one of our services."""

    __tablename__ = "client"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    client_id: str = Field(max_length=64, unique=True, index=True)
    name: str = Field(max_length=200)
    kind: str = Field(max_length=16)  # partner | service
    roles: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    partner_id: str | None = Field(default=None, max_length=64)
    secret_hash: str = Field(max_length=255)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
