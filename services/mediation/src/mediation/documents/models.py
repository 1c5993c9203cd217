"""Generated documents (文书) of a proceeding: one row per rendered version; the bytes live in storage
(the columns and their rules: ``onewindow_kit.documents``)."""

from __future__ import annotations

from onewindow_kit.documents import DocumentColumns
from sqlalchemy import UniqueConstraint
from sqlmodel import Field


class Document(DocumentColumns, table=True):
    """A rendered document of a proceeding, never overwritten: regenerating adds version n+1."""

    __table_args__ = (UniqueConstraint("proceeding_id", "kind", "version", name="uq_document_version"),)

    proceeding_id: str = Field(foreign_key="proceeding.id", max_length=32, index=True)
    case_id: str = Field(max_length=64, index=True)
