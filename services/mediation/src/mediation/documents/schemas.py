"""Document requests and views."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class MediationDocumentKind(StrEnum):
    """What mediation renders (intake renders the receipt and the application)."""

    session_notice = "session_notice"  # 调解通知书
    agreement = "agreement"  # 调解协议书
    termination = "termination"  # 调解终结书 / 调解不成功证明
    undisputed_facts = "undisputed_facts"  # 无争议事实确认书
    judicial_confirmation_application = "judicial_confirmation_application"  # 司法确认申请书
    arbitration_review_application = "arbitration_review_application"  # 仲裁审查确认申请书
    service_receipt = "service_receipt"  # 送达回证
    transfer_cover = "transfer_cover"  # 移送材料清单: the transfer bundle's cover list, with each paper's digest


class DocumentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: MediationDocumentKind
    recipient: str | None = Field(default=None, max_length=200, description="送达回证/调解通知书: the party it is for")
    of_kind: MediationDocumentKind | None = Field(default=None, description="送达回证: which document is served")


class DocumentPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    proceeding_id: str
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
