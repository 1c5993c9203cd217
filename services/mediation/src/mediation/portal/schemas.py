"""Shapes of the parties' view of sessions and agreements."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class ReplyAnswer(StrEnum):
    confirm = "confirm"  # 确认参加
    reschedule = "reschedule"  # 申请改期


class SessionReplyCreate(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    answer: ReplyAnswer
    note: str | None = Field(default=None, max_length=500, description="申请改期时：方便的时间")


class SessionReplyPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    side: str
    phone_masked: str
    answer: str
    note: str | None
    replied_at: datetime


class PortalSession(BaseModel):
    """A session as a party sees it; the meeting link only from shortly before it starts."""

    id: str
    mode: str
    room: str | None
    starts_at: datetime
    ends_at: datetime
    status: str
    status_label: str
    meeting_link: str | None
    link_available_from: datetime | None
    my_reply: SessionReplyPublic | None


class PaymentPublic(BaseModel):
    due_on: date
    amount: Decimal
    payer: str
    payee: str


class ConfirmationPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    side: str
    phone_masked: str
    digest: str
    confirmed_at: datetime


class PortalAgreement(BaseModel):
    """The agreement to read, its digest (what a confirmation signs) and who confirmed it."""

    id: str
    agreement_no: str
    signed_on: date
    effective_on: date
    facts: str | None
    terms: str
    total_amount: Decimal
    payments: list[PaymentPublic]
    digest: str
    object: str = Field(description="what to confirm at the gateway: agreement:<id>")
    my_confirmation: ConfirmationPublic | None
    confirmations: list[ConfirmationPublic]


class AgreementConfirm(BaseModel):
    model_config = ConfigDict(extra="forbid")

    confirmation_token: str = Field(min_length=20, max_length=8192)


class PortalDocument(BaseModel):
    """A document of the mediation meant for its parties (调解通知书, 调解协议书, 调解终结书): the
    newest version of each (of each addressee's, for a notice), to read or download."""

    id: str
    kind: str
    title: str
    recipient: str | None
    version: int
    created_at: datetime
    sha256: str
    size: int
    download_path: str
