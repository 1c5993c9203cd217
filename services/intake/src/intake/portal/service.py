"""Online applications and the parties' view of their cases."""

from __future__ import annotations

import json
import secrets
from decimal import Decimal
from typing import Any

from onewindow_documents import claim_zh
from onewindow_domain import clock
from onewindow_domain.calendar import china_date, china_today
from onewindow_kit import documents
from onewindow_kit.auth import Principal
from onewindow_kit.crypto import FieldCipher
from onewindow_kit.db import utcnow
from onewindow_kit.errors import NotFound, StateConflict, ValidationFailed
from onewindow_kit.sms import mask, normalise_mobile
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from intake.cases.models import CaseClaim, CaseFile, CaseParty, TimelineEntry
from intake.cases.schemas import CaseCreate
from intake.cases.service.registration import Registered, phone_ref, register_case
from intake.centers.models import Center
from intake.documents.models import CaseDocument
from intake.notices import service as notices
from intake.portal import attachments
from intake.portal.models import OnlineApplication
from intake.portal.schemas import (
    ApplicationRegister,
    MilestonePublic,
    OnlineApplicationCreate,
    PhoneScope,
    PortalCase,
    PortalCaseSummary,
    PortalDocument,
    ScopedCase,
)
from intake.triage.schemas import TriageConfig

_PAYLOAD = "online_application"

# status -> (what it means, what happens next), in the words a worker understands.
PLAIN_STATUS: dict[str, tuple[str, str]] = {
    "registered": ("已登记受理", "工作人员正在确定处理方式，一般在1个工作日内安排。"),
    "routed": ("已安排处理方式，等待承办", "调解组织将与您联系，安排调解时间。"),
    "in_mediation": ("调解中", "请留意调解会议安排，按时参加；调解期限内未达成协议的，可以申请劳动仲裁。"),
    "returned": ("调解未成，待选择后续途径", "可到窗口或在工作人员指导下申请劳动仲裁、法律援助等。"),
    "resolved": ("已达成调解协议，待履行", "请按协议约定履行；对方未按期付款的，可申请支付令或仲裁。"),
    "referred_to_inspection": ("已转劳动保障监察处理", "劳动保障监察机构将依法调查处理。"),
    "legal_aid": ("法律援助审查中", "法律援助机构将审查并告知结果。"),
    "referred_to_petition": ("已转信访部门处理", "信访部门将依法受理并答复。"),
    "in_negotiation": ("三方协调中", "协调机构将组织协商。"),
    "transferred_to_arbitration": ("已转劳动人事争议仲裁院", "仲裁院将决定是否受理并通知您。"),
    "referred_to_court": ("已转人民法院", "人民法院将依法处理并通知您。"),
    "closed": ("已办结", "本案已办结。"),
}
# Timeline entries a party sees, in plain words (staff notes and alerts stay internal).
PARTY_MILESTONES: dict[str, str] = {
    "case.registered": "案件已登记受理",
    "case.routed": "已确定处理方式",
    "mediation.proceeding.opened": "调解程序已开始",
    "mediation.proceeding.assigned": "已确定调解员",
    "mediation.proceeding.accepted": "双方同意调解",
    "mediation.proceeding.session_scheduled": "已安排调解会议",
    "mediation.proceeding.agreed": "达成调解协议",
    "mediation.proceeding.terminated": "调解终结，未达成协议",
    "mediation.proceeding.expired": "调解期限届满未达成协议",
    "mediation.agreement.instalment_paid": "协议约定的一笔款项已支付",
    "mediation.agreement.fulfilled": "调解协议已履行完毕",
    "court.confirmation.requested": "已申请司法确认",
    "court.confirmation.ruled": "法院已作出司法确认裁定",
    "arbitration.transfer.requested": "已移送劳动人事争议仲裁院",
    "arbitration.review.requested": "已申请仲裁审查确认",
    "case.closed": "案件已办结",
}


async def phone_scope(*, session: AsyncSession, cipher: FieldCipher, phone: str) -> PhoneScope:
    """The phone's keyed hash and the cases where it is a party (an agent counts for the workers)."""
    ref = phone_ref(cipher, normalise_mobile(phone))
    assert ref is not None
    rows = (
        await session.execute(
            select(col(CaseFile.id), col(CaseFile.case_no), col(CaseParty.role))
            .join(CaseParty, col(CaseParty.case_id) == col(CaseFile.id))
            .where(col(CaseParty.phone_hash) == ref)
            .order_by(col(CaseFile.registered_at), col(CaseFile.id))
        )
    ).all()
    cases: dict[str, ScopedCase] = {}
    for case_id, case_no, role in rows:
        side = "respondent" if role == "respondent" else "applicant"
        # One phone on both sides of one case would be a data error; the worker's side wins.
        if case_id not in cases or side == "applicant":
            cases[case_id] = ScopedCase(case_id=case_id, case_no=case_no, side=side)
    return PhoneScope(phone_ref=ref, cases=list(cases.values()))


def _reference() -> str:
    return "WS" + china_today().strftime("%Y%m%d") + secrets.token_hex(3).upper()


async def submit_application(
    *, session: AsyncSession, principal: Principal, cipher: FieldCipher, data: OnlineApplicationCreate
) -> OnlineApplication:
    """File a worker's online application in its centre's queue; the applicant is the signed-in phone."""
    center = await session.get(Center, data.center_id)
    if center is None or not center.active:
        raise ValidationFailed.field("center_id", "受理中心不存在或已停用")
    first = data.applicants[0]
    if not first.phone:
        raise ValidationFailed.field("applicants[0].phone", "请填写申请人手机号码（用于接收进度通知）")
    if phone_ref(cipher, first.phone) != principal.phone_ref:
        raise ValidationFailed.field("applicants[0].phone", "申请人手机号码须与登录手机号码一致")
    payload = data.model_dump(mode="json", exclude={"signals", "route", "deadline_on", "external_ref"})
    application = OnlineApplication(
        reference=_reference(),
        center_id=center.id,
        payload_enc=cipher.encrypt(json.dumps(payload, ensure_ascii=False), context=_PAYLOAD),
        phone_ref=principal.phone_ref or "",
        phone_masked=mask(first.phone),
        applicant_count=len(data.applicants),
        employer_name=data.respondents[0].name,
        credit_code=data.respondents[0].credit_code,
        total_claimed=sum((c.amount for c in data.claims), Decimal("0")),
    )
    session.add(application)
    await session.flush()
    await notices.enqueue_for_application(
        session,
        application_id=application.id,
        to_masked=application.phone_masked,
        purpose="application_received",
        variables={"reference": application.reference},
        phone_enc=_applicant_phone_enc(cipher, first.phone),
    )
    return application


def _applicant_phone_enc(cipher: FieldCipher, phone: str) -> str:
    return cipher.encrypt(normalise_mobile(phone), context="phone")


def submission(cipher: FieldCipher, application: OnlineApplication) -> OnlineApplicationCreate:
    """The decrypted submission (for the clerk who checks it)."""
    raw = json.loads(cipher.decrypt(application.payload_enc, context=_PAYLOAD))
    # Dates were checked "not after today" when submitted; they stay in the past.
    return OnlineApplicationCreate.model_validate(raw)


async def my_applications(*, session: AsyncSession, principal: Principal) -> list[OnlineApplication]:
    """The signed-in phone's applications, newest first."""
    rows = await session.execute(
        select(OnlineApplication)
        .where(col(OnlineApplication.phone_ref) == (principal.phone_ref or "-"))
        .order_by(col(OnlineApplication.submitted_at).desc())
    )
    return list(rows.scalars().all())


async def application_queue(*, session: AsyncSession, center_id: str, status: str | None) -> list[OnlineApplication]:
    """A centre's online applications (oldest first: first come, first served)."""
    stmt = select(OnlineApplication).where(col(OnlineApplication.center_id) == center_id)
    if status:
        stmt = stmt.where(col(OnlineApplication.status) == status)
    rows = await session.execute(
        stmt.order_by(col(OnlineApplication.submitted_at), col(OnlineApplication.id)).limit(500)
    )
    return list(rows.scalars().all())


async def get_application(*, session: AsyncSession, principal: Principal, application_id: str) -> OnlineApplication:
    """One application of the clerk's centre (404 for another centre's)."""
    application = await session.get(OnlineApplication, application_id)
    if application is None or application.center_id != principal.center_id:
        raise NotFound("网上申请不存在")
    return application


async def _decide(session: AsyncSession, application: OnlineApplication, values: dict[str, Any]) -> None:
    # Compare-and-set: two clerks acting at once cannot both decide one application.
    result = await session.execute(
        update(OnlineApplication)
        .where(col(OnlineApplication.id) == application.id, col(OnlineApplication.status) == "submitted")
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise StateConflict(
            "该申请已处理", extra={"current_status": application.status, "allowed": ["registered", "returned"]}
        )
    await session.refresh(application)


async def register_application(
    *,
    session: AsyncSession,
    principal: Principal,
    cipher: FieldCipher,
    config: TriageConfig,
    application: OnlineApplication,
    data: ApplicationRegister,
) -> Registered:
    """The clerk registers the application as a case (channel ``online``), through the window's own path."""
    if application.status != "submitted":
        raise StateConflict(
            "该申请已处理", extra={"current_status": application.status, "allowed": ["registered", "returned"]}
        )
    raw = json.loads(cipher.decrypt(application.payload_enc, context=_PAYLOAD))
    raw.pop("center_id", None)
    case_data = CaseCreate.model_validate(
        {**raw, "channel": "online", "signals": data.signals.model_dump(), "route": data.route}
    )
    written = await register_case(
        session=session,
        principal=principal,
        center_id=application.center_id,
        data=case_data,
        config=config,
        cipher=cipher,
    )
    await attachments.attach_to_case(session=session, application=application, case_id=written.case.id)
    await _decide(
        session,
        application,
        {
            "status": "registered",
            "decided_at": utcnow(),
            "decided_by": principal.subject,
            "case_id": written.case.id,
            "case_no": written.case.case_no,
        },
    )
    return written


async def return_application(
    *, session: AsyncSession, principal: Principal, cipher: FieldCipher, application: OnlineApplication, reason: str
) -> OnlineApplication:
    """Send the application back with a reason its applicant reads. The text message says it was
    returned and where to read why; the reason itself stays in the portal (a clerk's free text may
    name people, and an SMS is no place for that)."""
    await _decide(
        session,
        application,
        {"status": "returned", "decided_at": utcnow(), "decided_by": principal.subject, "return_reason": reason},
    )
    await notices.enqueue_for_application(
        session,
        application_id=application.id,
        to_masked=application.phone_masked,
        purpose="application_returned",
        variables={"reference": application.reference},
        phone_enc=_applicant_phone_enc(cipher, submission(cipher, application).applicants[0].phone or ""),
    )
    return application


async def party_cases(*, session: AsyncSession, principal: Principal) -> list[PortalCaseSummary]:
    """The cases of the signed-in party's token scope."""
    scope = principal.party_cases
    if not scope:
        return []
    rows = await session.execute(
        select(CaseFile).where(col(CaseFile.id).in_(list(scope))).order_by(col(CaseFile.registered_at).desc())
    )
    return [
        PortalCaseSummary(
            case_id=c.id,
            case_no=c.case_no,
            side=scope[c.id],
            status_label=PLAIN_STATUS[c.status][0],
            registered_at=c.registered_at,
        )
        for c in rows.scalars().all()
    ]


async def party_case(*, session: AsyncSession, principal: Principal, case_id: str) -> PortalCase:
    """One case's progress for a party of it (404 for any other case, existing or not)."""
    side = principal.party_cases.get(case_id)
    case = await session.get(CaseFile, case_id) if side else None
    if case is None or side is None:
        raise NotFound("案件不存在")
    claims = (
        (
            await session.execute(
                select(CaseClaim).where(col(CaseClaim.case_id) == case.id).order_by(col(CaseClaim.position))
            )
        )
        .scalars()
        .all()
    )
    entries = (
        (
            await session.execute(
                select(TimelineEntry)
                .where(col(TimelineEntry.case_id) == case.id, col(TimelineEntry.kind).in_(list(PARTY_MILESTONES)))
                .order_by(col(TimelineEntry.at), col(TimelineEntry.id))
            )
        )
        .scalars()
        .all()
    )
    label, next_step = PLAIN_STATUS[case.status]
    today = china_date(clock.now())
    return PortalCase(
        case_id=case.id,
        case_no=case.case_no,
        side=side,
        status_label=label,
        registered_at=case.registered_at,
        employer_names=case.employer_names,
        total_claimed=case.total_claimed,
        claims=[f"{claim_zh(c.category)} {c.amount}元" for c in claims],
        next_step=next_step,
        deadline_on=case.deadline_on if case.status != "closed" else None,
        days_left=(case.deadline_on - today).days if case.deadline_on and case.status != "closed" else None,
        milestones=[MilestonePublic(at=e.at, text=PARTY_MILESTONES[e.kind]) for e in entries],
    )


# What intake renders that a party reads: the 受理回执 (the 调解申请书 holds every party's ID number
# and the 送达回证 is the window's own record, so neither is shown).
PARTY_DOCUMENT_KINDS = frozenset({"receipt"})


def _party_case_id(principal: Principal, case_id: str) -> str:
    if case_id not in principal.party_cases:
        raise NotFound("案件不存在")
    return case_id


async def party_documents(*, session: AsyncSession, principal: Principal, case_id: str) -> list[PortalDocument]:
    """The newest version of each party document of one of the party's cases (404 for any other)."""
    _party_case_id(principal, case_id)
    rows = await documents.list_versions(session=session, model=CaseDocument, owner={"case_id": case_id})
    newest: dict[str, CaseDocument] = {}
    for doc in rows:  # newest first
        if doc.kind in PARTY_DOCUMENT_KINDS:
            newest.setdefault(doc.kind, doc)
    return [
        PortalDocument.model_validate(
            {**d.model_dump(), "download_path": f"/api/intake/portal/documents/{d.id}/content"}
        )
        for d in newest.values()
    ]


async def party_document(*, session: AsyncSession, principal: Principal, document_id: str) -> CaseDocument:
    """A party document (受理回执) of one of the party's cases; 404 for anything else."""
    return await documents.party_document_or_404(
        session=session, model=CaseDocument, document_id=document_id, kinds=PARTY_DOCUMENT_KINDS, principal=principal
    )
