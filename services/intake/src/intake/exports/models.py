"""The export log: each spreadsheet taken out of the case file (个人信息保护法: access is logged)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from onewindow_kit.db import UtcDateTime, utcnow
from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel


class ExportLog(SQLModel, table=True):
    """Each spreadsheet exported from the case file: who, what, how many rows, masked or not."""

    __tablename__ = "export_log"

    id: int | None = Field(default=None, primary_key=True)
    actor: str = Field(max_length=64)
    actor_roles: str = Field(max_length=100)
    center_id: str | None = Field(default=None, max_length=40)
    kind: str = Field(max_length=20)  # cases | stats | deadlines
    filters: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    rows: int = 0
    unmasked: bool = False
    purpose: str | None = Field(default=None, max_length=100)
    at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime, index=True)
