"""Document requests and views."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class CaseDocumentKind(StrEnum):
    """What intake renders (mediation renders the proceeding's papers)."""

    receipt = "receipt"  # 受理回执, worded for the case's route
    application = "application"  # 劳动争议调解申请书
    service_receipt = "service_receipt"  # 送达回证


class CaseDocumentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: CaseDocumentKind
    recipient: str | None = Field(default=None, max_length=200, description="送达回证: the party served")


class CaseDocumentPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    case_id: str
    kind: str
    version: int
    title: str
    template_version: int
    sha256: str
    size: int
    created_by: str
    created_at: datetime
    download_path: str = ""
    deadline_on: date | None = Field(default=None, description="受理回执: the deadline it states (the route's clock)")
