"""Refresh tokens: stored only as SHA-256 hashes, rotated on every use, grouped in families."""

from __future__ import annotations

import uuid
from datetime import datetime

from onewindow_kit.db import UtcDateTime, utcnow
from sqlmodel import Field, SQLModel


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
