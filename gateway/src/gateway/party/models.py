"""One-time SMS codes of the parties' sign-in and confirmations (docs/decisions/0021)."""

from __future__ import annotations

from datetime import datetime

from onewindow_kit.db import UtcDateTime, utcnow
from sqlalchemy import Index
from sqlmodel import Field, SQLModel


class PartyCode(SQLModel, table=True):
    """A code sent to a phone: never stored in clear, spent once, dead after its expiry or too many
    wrong tries. The phone is known only as intake's keyed hash (``phone_ref``)."""

    __tablename__ = "party_code"
    __table_args__ = (Index("ix_party_code_phone_created", "phone_ref", "created_at"),)

    id: str = Field(primary_key=True, max_length=32)  # the challenge id the client holds
    phone_ref: str = Field(max_length=64)
    purpose: str = Field(max_length=10)  # sign_in | confirm
    code_hash: str = Field(max_length=64)
    attempts: int = 0
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    expires_at: datetime = Field(sa_type=UtcDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UtcDateTime)  # spent, superseded or locked
    message_id: str | None = Field(default=None, max_length=64)  # the SMS provider's, for receipts
