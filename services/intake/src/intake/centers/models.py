from __future__ import annotations

from datetime import datetime

from onewindow_kit.db import UtcDateTime, utcnow
from sqlmodel import Field, SQLModel


class Center(SQLModel, table=True):
    """A one-stop centre. Staff tokens carry its id as ``center_id``."""

    __tablename__ = "center"

    id: str = Field(primary_key=True, max_length=40)
    name: str = Field(max_length=100)
    short_name: str = Field(max_length=20)
    district: str = Field(max_length=60)
    # Python format string with {short_name}, {year} and {seq}; e.g. 福田一窗〔2026〕00123号.
    case_no_format: str = Field(default="{short_name}一窗〔{year}〕{seq:05d}号", max_length=80)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
