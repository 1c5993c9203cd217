"""The service ledger (送达): what the API takes and answers."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from onewindow_kit.types import BoundedDateTime
from pydantic import BaseModel, ConfigDict, Field, field_validator


class DocumentKind(StrEnum):
    """Documents a centre serves on parties."""

    receipt = "receipt"  # 受理回执
    mediation_notice = "mediation_notice"  # 调解通知书 / 调解会通知
    mediation_agreement = "mediation_agreement"  # 调解协议书
    termination = "termination"  # 调解终结书 / 调解不成功证明
    undisputed_facts = "undisputed_facts"  # 无争议事实确认书
    payment_order = "payment_order"  # 支付令 (the debtor's 15-day objection period runs from service)
    other = "other"


class ServiceMethod(StrEnum):
    in_person = "in_person"  # 直接送达 (签收送达回证)
    sms = "sms"  # 短信送达（电子送达）
    post = "post"  # 邮寄送达
    email = "email"  # 电子邮件送达


class ServedDocumentCreate(BaseModel):
    kind: DocumentKind
    title: str = Field(min_length=1, max_length=100, description="e.g. 调解协议书（2026）福调字第12号")
    document_ref: str | None = Field(
        default=None,
        max_length=64,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="The generated document's or attachment's id",
    )
    party_ids: list[str] | None = Field(
        default=None, max_length=600, description="Who must be served; default: every applicant and respondent"
    )


class ServiceRecordCreate(BaseModel):
    """Service by hand, post or e-mail (SMS goes through ``send_service_sms``)."""

    method: ServiceMethod
    served_at: BoundedDateTime = Field(description="When it was served (signed for, delivered by post, sent by e-mail)")
    address: str | None = Field(
        default=None, max_length=300, description="Where: the place, the postal address, the e-mail address"
    )
    tracking_no: str | None = Field(default=None, max_length=40, pattern=r"^[A-Za-z0-9-]+$")
    proof_attachment_id: str | None = Field(
        default=None, max_length=32, description="The scanned, signed 送达回证 (an attachment of the case)"
    )
    signed_by: str | None = Field(default=None, max_length=100, description="Who signed for it")
    note: str | None = Field(default=None, max_length=300)

    @field_validator("served_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("须带时区")
        return value


class ServiceRecordPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    document_id: str
    party_id: str
    party_role: str
    party_name: str
    status: str = Field(description="pending | sent (SMS awaiting delivery) | served | failed")
    method: ServiceMethod | None
    served_at: datetime | None
    served_on: date | None
    address: str | None
    tracking_no: str | None
    proof_attachment_id: str | None
    signed_by: str | None
    note: str | None
    deadline_on: date | None = Field(description="A period that starts on service, counted from served_on")
    deadline_basis: str | None
    recorded_by: str | None
    recorded_at: datetime | None


class ServedDocumentPublic(BaseModel):
    id: str
    case_id: str
    kind: DocumentKind
    title: str
    document_ref: str | None
    issued_at: datetime
    records: list[ServiceRecordPublic]
    pending: int = Field(description="Parties not served yet")


class ServiceLedger(BaseModel):
    case_id: str
    documents: list[ServedDocumentPublic]
    pending: int
