"""Tables of the partner registry; a bridge's migrations create them."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from onewindow_kit.db import UtcDateTime, utcnow


class Partner(SQLModel, table=True):
    """A partner system (a court, an arbitration commission) known to this bridge."""

    __tablename__ = "partner"

    # The ``partner_id`` claim of the partner's gateway client: how a request is matched to it.
    id: str = Field(primary_key=True, max_length=64)
    kind: str = Field(max_length=20)  # court | arbitration
    name: str = Field(max_length=200)
    center_id: str | None = Field(default=None, max_length=40)  # the centre its referrals are registered at
    webhook_url: str | None = Field(default=None, max_length=2000)
    client_id: str | None = Field(default=None, max_length=64)  # its gateway client, when created through us
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class PartnerSecret(SQLModel, table=True):
    """A webhook signing secret. Valid until ``expires_at`` (None: until the next rotation)."""

    __tablename__ = "partner_secret"

    id: int | None = Field(default=None, primary_key=True)
    partner_id: str = Field(foreign_key="partner.id", max_length=64, index=True)
    secret_enc: str = Field(max_length=400)  # encrypted with the service's data key when it has one
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    expires_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
