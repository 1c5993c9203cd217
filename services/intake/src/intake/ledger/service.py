"""The service ledger (送达): documents to serve, their service on each party, and the periods
that start on service.

A document is entered once with the parties who must receive it (default: every applicant and
respondent); each party's record stays *pending* until service is recorded: in person with the
signer's name or the scanned, signed 送达回证 (an attachment), by post with the tracking number, by
e-mail with the address, or by SMS — which is *sent* when queued and *served* when the provider's
delivery receipt arrives (电子送达 takes effect when the message reaches the recipient's system,
民事诉讼法 第90条), at the receipt's time. A period that starts on service (the debtor's 15-day
objection period of a 支付令, 民事诉讼法 第227条) is counted from the recorded service date by the
domain library's clock.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Sequence
from datetime import datetime, timedelta

from onewindow_domain.calendar import default_calendar
from onewindow_domain.clock import china_date
from onewindow_domain.clocks import compute_due, get_rule
from onewindow_kit.auth import Principal
from onewindow_kit.db import utcnow
from onewindow_kit.errors import NotFound, StateConflict, ValidationFailed
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from intake.attachments.models import Attachment
from intake.cases.models import CaseFile, CaseParty, TimelineEntry
from intake.cases.service import get_case
from intake.ledger.models import ServedDocument, ServiceRecord
from intake.ledger.schemas import (
    DocumentKind,
    ServedDocumentCreate,
    ServedDocumentPublic,
    ServiceLedger,
    ServiceMethod,
    ServiceRecordCreate,
    ServiceRecordPublic,
)
from intake.notices import service as notices
from intake.notices.models import SmsNotice

# Periods that start on service, per document kind (rule codes of onewindow_domain.clocks).
SERVICE_CLOCKS: dict[str, str] = {DocumentKind.payment_order: "payment_order_objection_15d"}
METHOD_ZH = {"in_person": "直接送达", "sms": "短信送达", "post": "邮寄送达", "email": "电子邮件送达"}
_TOKEN_ALPHABET = string.ascii_letters  # no digits: a link can never look like a phone or ID number


def _deadline(kind: str, record: ServiceRecord) -> tuple[str | None, str | None]:
    rule = SERVICE_CLOCKS.get(kind)
    if rule is None or record.served_on is None:
        return None, None
    due = compute_due(rule, record.served_on, calendar=default_calendar().lenient())
    return due.due_on.isoformat(), due.basis_zh


def _public(record: ServiceRecord, party: CaseParty, kind: str) -> ServiceRecordPublic:
    _, basis = _deadline(kind, record)
    return ServiceRecordPublic.model_validate(
        {
            **record.model_dump(),
            "party_role": party.role,
            "party_name": party.name,
            "deadline_basis": basis,
        }
    )


def _mark_served(record: ServiceRecord, kind: str, at: datetime) -> None:
    record.status = "served"
    record.served_at = at
    record.served_on = china_date(at)
    rule = SERVICE_CLOCKS.get(kind)
    if rule is not None:
        record.deadline_on = compute_due(rule, record.served_on, calendar=default_calendar().lenient()).due_on


async def add_document(
    *, session: AsyncSession, principal: Principal, case_id: str, data: ServedDocumentCreate
) -> ServedDocumentPublic:
    """Enter a document to serve, with a pending record for each party who must receive it."""
    case = await get_case(session=session, principal=principal, case_id=case_id)
    parties = list(
        (
            await session.execute(
                select(CaseParty)
                .where(col(CaseParty.case_id) == case.id)
                .order_by(col(CaseParty.role), col(CaseParty.position))
            )
        ).scalars()
    )
    if data.party_ids is None:
        chosen = [p for p in parties if p.role in ("applicant", "respondent")]
    else:
        by_id = {p.id: p for p in parties}
        for i, party_id in enumerate(data.party_ids):
            if party_id not in by_id:
                raise ValidationFailed.field(f"party_ids[{i}]", "不是本案当事人")
        chosen = [by_id[i] for i in dict.fromkeys(data.party_ids)]
    if not chosen:
        raise ValidationFailed.field("party_ids", "至少需要一名受送达人")
    document = ServedDocument(
        case_id=case.id,
        kind=data.kind.value,
        title=data.title,
        document_ref=data.document_ref,
        issued_by=principal.subject,
    )
    session.add(document)
    await session.flush()
    records = [ServiceRecord(document_id=document.id, case_id=case.id, party_id=p.id) for p in chosen]
    session.add_all(records)
    session.add(
        TimelineEntry(
            case_id=case.id,
            source="intake",
            kind="case.document_to_serve",
            actor=(principal.name or principal.subject)[:100],
            summary=f"待送达文书：{data.title}（{len(records)}名受送达人）",
            data={"document_id": document.id, "kind": document.kind},
        )
    )
    await session.flush()
    return ServedDocumentPublic(
        **document.model_dump(),
        records=[_public(r, p, document.kind) for r, p in zip(records, chosen, strict=True)],
        pending=len(records),
    )


async def ledger(*, session: AsyncSession, principal: Principal, case_id: str) -> ServiceLedger:
    """What was served to whom and what is still pending, document by document."""
    case = await get_case(session=session, principal=principal, case_id=case_id)
    documents = list(
        (
            await session.execute(
                select(ServedDocument)
                .where(col(ServedDocument.case_id) == case.id)
                .order_by(col(ServedDocument.issued_at), col(ServedDocument.id))
            )
        ).scalars()
    )
    rows = (
        await session.execute(
            select(ServiceRecord, CaseParty)
            .join(CaseParty, col(CaseParty.id) == col(ServiceRecord.party_id))
            .where(col(ServiceRecord.case_id) == case.id)
            .order_by(col(CaseParty.role), col(CaseParty.position))
        )
    ).all()
    by_document: dict[str, list[tuple[ServiceRecord, CaseParty]]] = {}
    for record, party in rows:
        by_document.setdefault(record.document_id, []).append((record, party))
    out = []
    for document in documents:
        records = [_public(r, p, document.kind) for r, p in by_document.get(document.id, [])]
        out.append(
            ServedDocumentPublic(
                **document.model_dump(),
                records=records,
                pending=sum(1 for r in records if r.status != "served"),
            )
        )
    return ServiceLedger(case_id=case.id, documents=out, pending=sum(d.pending for d in out))


async def _record(
    session: AsyncSession, principal: Principal, case_id: str, record_id: str
) -> tuple[CaseFile, ServiceRecord, ServedDocument, CaseParty]:
    case = await get_case(session=session, principal=principal, case_id=case_id)
    record = await session.get(ServiceRecord, record_id)
    if record is None or record.case_id != case.id:
        raise NotFound(f"service record {record_id} does not exist")
    document = await session.get(ServedDocument, record.document_id)
    party = await session.get(CaseParty, record.party_id)
    assert document is not None and party is not None
    if record.status == "served":
        raise StateConflict("该当事人已送达", extra={"current_status": record.status})
    return case, record, document, party


def _timeline(
    session: AsyncSession, case: CaseFile, principal: Principal | None, text: str, data: dict[str, str]
) -> None:
    session.add(
        TimelineEntry(
            case_id=case.id,
            source="intake",
            kind="case.document_served",
            actor=(principal.name or principal.subject)[:100] if principal else None,
            summary=text,
            data=data,
        )
    )


async def record_service(
    *, session: AsyncSession, principal: Principal, case_id: str, record_id: str, data: ServiceRecordCreate
) -> ServiceRecordPublic:
    """Record service in person, by post or by e-mail, with its time, address and proof."""
    case, record, document, party = await _record(session, principal, case_id, record_id)
    if data.method == ServiceMethod.sms:
        raise ValidationFailed.field("method", "短信送达请使用“短信送达”操作（以送达回执为准）")
    if data.served_at > utcnow():
        raise ValidationFailed.field("served_at", "送达时间不能晚于现在")
    if data.served_at < case.registered_at - timedelta(days=1):
        # A document may be entered after it was handed over, but not before the case existed.
        raise ValidationFailed.field("served_at", "送达时间不能早于案件登记时间")
    if data.method == ServiceMethod.in_person and not (data.signed_by or data.proof_attachment_id):
        raise ValidationFailed.field("signed_by", "直接送达须记录签收人或上传签收的送达回证")
    if data.method == ServiceMethod.post and not (data.tracking_no and data.address):
        raise ValidationFailed.field("tracking_no", "邮寄送达须填写邮寄地址和邮件号")
    if data.method == ServiceMethod.email and not (data.address and "@" in data.address):
        raise ValidationFailed.field("address", "电子邮件送达须填写电子邮箱地址")
    if data.proof_attachment_id:
        proof = await session.get(Attachment, data.proof_attachment_id)
        if proof is None or proof.case_id != case.id:
            raise ValidationFailed.field("proof_attachment_id", "不是本案的附件")
    record.method = data.method.value
    record.address = data.address
    record.tracking_no = data.tracking_no
    record.proof_attachment_id = data.proof_attachment_id
    record.signed_by = data.signed_by
    record.note = data.note
    record.recorded_by = principal.subject
    record.recorded_at = utcnow()
    _mark_served(record, document.kind, data.served_at)
    _timeline(
        session,
        case,
        principal,
        f"{document.title}已{METHOD_ZH[record.method]}（{party.name}）",
        {"document_id": document.id, "record_id": record.id, "method": record.method},
    )
    await session.flush()
    return _public(record, party, document.kind)


async def send_by_sms(
    *, session: AsyncSession, principal: Principal, case_id: str, record_id: str, link_base: str
) -> ServiceRecordPublic:
    """Serve by SMS link: queue the message; the record is served when it is delivered."""
    case, record, document, party = await _record(session, principal, case_id, record_id)
    if record.status == "sent":
        raise StateConflict("短信已发出，等待送达回执", extra={"current_status": record.status})
    if not party.phone_enc:
        raise ValidationFailed.field("party_id", "该当事人没有登记手机号码，请选择其他送达方式")
    record.link_token = record.link_token or "".join(secrets.choice(_TOKEN_ALPHABET) for _ in range(24))
    notice = await notices.enqueue(
        session,
        case=case,
        party=party,
        purpose="document_served",
        variables={
            "case_number": case.case_no,
            "document": document.title[:40],
            "link": f"{link_base.rstrip('/')}/{record.link_token}"[:100],
        },
        key=record.id,
    )
    assert notice is not None
    if notice.status in ("failed", "skipped"):
        # A second try after a failure (e.g. the number was off): a new message, once.
        notice = await notices.enqueue(
            session,
            case=case,
            party=party,
            purpose="document_served",
            variables=dict(notice.variables),
            key=f"{record.id}:{notice.id}",
        )
        assert notice is not None
    record.status = "sent"
    record.method = ServiceMethod.sms.value
    record.address = party.phone_masked
    record.sms_notice_id = notice.id
    record.recorded_by = principal.subject
    record.recorded_at = utcnow()
    await session.flush()
    return _public(record, party, document.kind)


async def sms_delivered(session: AsyncSession, notice: SmsNotice) -> None:
    """The worker's hook for a ``document_served`` notice: served at the delivery time, or failed."""
    record = (
        await session.execute(select(ServiceRecord).where(col(ServiceRecord.sms_notice_id) == notice.id))
    ).scalar()
    if record is None or record.status != "sent":
        return
    document = await session.get(ServedDocument, record.document_id)
    case = await session.get(CaseFile, record.case_id)
    party = await session.get(CaseParty, record.party_id)
    assert document is not None and case is not None and party is not None
    if notice.status == "delivered" and notice.delivered_at is not None:
        _mark_served(record, document.kind, notice.delivered_at)
        _timeline(
            session,
            case,
            None,
            f"{document.title}已短信送达（{party.name}，{notice.to_masked}）",
            {"document_id": document.id, "record_id": record.id, "method": "sms"},
        )
    else:
        record.status = "failed"
        record.note = "短信未能送达，请改用其他方式"


def known_rules() -> Sequence[str]:
    """The clock rules the ledger uses (checked at import: a renamed rule fails loudly)."""
    return [get_rule(code).code for code in SERVICE_CLOCKS.values()]


known_rules()
