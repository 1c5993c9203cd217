"""Tables of the identities the gateway issues tokens to, and of their refresh tokens (a user's
sessions: disabling the user or changing the password revokes them, so they live with the user —
``tokens`` issues and rotates them, ``identity`` never imports ``tokens``)."""

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


class RefreshToken(SQLModel, table=True):
    """One refresh token. A login starts a family; each refresh replaces the token by a new one
    of the same family. Presenting a replaced token again revokes the whole family."""

    __tablename__ = "refresh_token"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    family_id: uuid.UUID = Field(index=True)
    user_id: uuid.UUID = Field(foreign_key="staff_user.id", index=True, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    expires_at: datetime = Field(sa_type=UtcDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
