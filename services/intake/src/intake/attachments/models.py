"""Evidence attachments (证据材料): the row describes the file; the bytes live in the storage."""

from __future__ import annotations

from datetime import datetime

from onewindow_kit.db import UtcDateTime, utcnow
from sqlalchemy import BigInteger, Column, Index
from sqlmodel import Field, SQLModel

from intake.cases.models import new_id


class Attachment(SQLModel, table=True):
    __tablename__ = "attachment"
    __table_args__ = (Index("ix_attachment_case", "case_id", "uploaded_at"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    case_id: str = Field(foreign_key="case_file.id", max_length=32)
    evidence_type: str = Field(max_length=30)  # EvidenceType
    description: str | None = Field(default=None, max_length=200)
    file_name: str = Field(max_length=200)  # as the uploader named it (shown, never a path or key)
    detected_type: str = Field(max_length=20)  # from the content: pdf | jpeg | png | heic | webp | docx | xlsx
    content_type: str = Field(max_length=100)
    size: int = Field(sa_column=Column(BigInteger, nullable=False))
    sha256: str = Field(max_length=64)
    storage_backend: str = Field(max_length=10)
    storage_key: str = Field(max_length=200)
    uploaded_by: str = Field(max_length=64)
    uploaded_by_name: str | None = Field(default=None, max_length=100)
    uploaded_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
