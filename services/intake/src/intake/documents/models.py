"""Generated documents (文书) of a case file: one row per rendered version; the bytes live in storage."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from onewindow_kit.db import UtcDateTime, utcnow
from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel


def new_id() -> str:
    return uuid.uuid4().hex


class CaseDocument(SQLModel, table=True):
    """A rendered document, never overwritten: regenerating (after a correction) adds version n+1.
    ``data`` is exactly what the template received, so the PDF can be re-rendered and its digest checked."""

    __tablename__ = "case_document"
    __table_args__ = (UniqueConstraint("case_id", "kind", "version", name="uq_case_document_version"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    case_id: str = Field(foreign_key="case_file.id", max_length=32, index=True)
    kind: str = Field(max_length=40)
    version: int
    title: str = Field(max_length=60)
    template_version: int
    sha256: str = Field(max_length=64)
    size: int
    storage_key: str = Field(max_length=200)
    data: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
