from __future__ import annotations

from datetime import datetime

from onewindow_kit.db import UtcDateTime, utcnow
from sqlmodel import Field, SQLModel


class Center(SQLModel, table=True):
    """Mediation's copy of a centre (intake owns the record)."""

    __tablename__ = "center"

    id: str = Field(primary_key=True, max_length=40)
    name: str = Field(max_length=100)
    short_name: str = Field(max_length=20)
    district: str = Field(max_length=60)
    active: bool = True
    # How many intake events have changed this row: the event-once tests read it.
    version: int = 0
    synced_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
