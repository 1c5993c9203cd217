"""Generated documents (文书) of a case file: one row per rendered version; the bytes live in storage
(the columns and their rules: ``onewindow_kit.documents``)."""

from __future__ import annotations

from onewindow_kit.documents import DocumentColumns
from sqlalchemy import UniqueConstraint
from sqlmodel import Field


class CaseDocument(DocumentColumns, table=True):
    """A rendered document of a case, never overwritten: regenerating adds version n+1."""

    __tablename__ = "case_document"
    __table_args__ = (UniqueConstraint("case_id", "kind", "version", name="uq_case_document_version"),)

    case_id: str = Field(foreign_key="case_file.id", max_length=32, index=True)
