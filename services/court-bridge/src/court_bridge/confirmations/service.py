"""司法确认: applications (within 30 days of the agreement taking effect) and the court's rulings."""

from __future__ import annotations

import logging
import time
from datetime import date
from typing import Any

from onewindow_domain.calendar import china_today, default_calendar
from onewindow_domain.clocks import compute_due
from onewindow_kit.bridge.messages import announce as announce_case
from onewindow_kit.bridge.messages import notify
from onewindow_kit.crypto import FieldCipher
from onewindow_kit.db import utcnow
from onewindow_kit.errors import AlreadyExists, Conflict, NotFound, StateConflict, ValidationFailed
from onewindow_kit.mapping import to_schema
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from court_bridge.agreements.models import CentreAgreement
from court_bridge.agreements.service import CourtChoice, agreement_documents, linked_documents
from court_bridge.confirmations.exceptions import ConfirmationTooLate
from court_bridge.confirmations.models import ConfirmationApplication
from court_bridge.confirmations.schemas import ApplicationPublic, RulingIn
from court_bridge.referrals.models import Referral
from court_bridge.referrals.service import announce, notify_court

log = logging.getLogger("court_bridge.confirmations")

APPLICATION_RULE = "judicial_confirmation_application_30d"
DECISION_RULE = "judicial_confirmation_decision_30d"


def apply_by(*, effective_on: date) -> date:
    """The last day to apply: 30 days after the agreement took effect (民事诉讼法 第205条; 人民调解法 第33条)."""
    return compute_due(APPLICATION_RULE, effective_on, calendar=default_calendar().lenient()).due_on


def decide_by(*, filed_on: date) -> date:
    """The court rules within 30 days of filing (民事诉讼法 第187条, special procedure)."""
    return compute_due(DECISION_RULE, filed_on, calendar=default_calendar().lenient()).due_on


def too_late(*, effective_on: date, last_day: date, today: date) -> ConfirmationTooLate:
    """The refusal past CPL 205's 30 days, with the dates and the rule, naming the field."""
    message = (
        f"申请司法确认应当自调解协议生效之日起30日内提出（民事诉讼法第二百零五条）：协议于"
        f"{effective_on.isoformat()}生效，申请期限已于{last_day.isoformat()}届满（今天是{today.isoformat()}）"
    )
    return ConfirmationTooLate(
        message,
        errors=[{"field": "effective_on", "message": message}],
        extra={
            "effective_on": effective_on.isoformat(),
            "apply_by": last_day.isoformat(),
            "rule": "民事诉讼法 第205条",
        },
    )


async def application_for_proceeding(*, session: AsyncSession, proceeding_id: str) -> ConfirmationApplication | None:
    return (
        await session.execute(
            select(ConfirmationApplication).where(ConfirmationApplication.proceeding_id == proceeding_id)
        )
    ).scalar_one_or_none()


async def open_agreement_application(
    *,
    session: AsyncSession,
    record: CentreAgreement,
    court: CourtChoice,
    requested_by: str,
    today: date | None = None,
) -> ConfirmationApplication:
    """The parties' joint application for 司法确认 of any centre agreement, to the chosen court
    (refused with the dates past the 30 days of 民事诉讼法 第205条)."""
    existing = await application_for_proceeding(session=session, proceeding_id=record.proceeding_id)
    if existing is None and record.referral_id:
        existing = await application_of(session=session, referral_id=record.referral_id)
    if existing is not None:
        raise AlreadyExists(f"司法确认 was already applied for: {existing.id}", extra={"application_id": existing.id})
    today = today or china_today()
    last_day = apply_by(effective_on=record.effective_on)
    if today > last_day:
        raise too_late(effective_on=record.effective_on, last_day=last_day, today=today)
    application = ConfirmationApplication(
        proceeding_id=record.proceeding_id,
        origin="agreement",
        partner_id=court.partner_id,
        court_name=court.name,
        case_id=record.case_id,
        case_no=record.case_no,
        agreement=record.agreement,
        documents=agreement_documents(record.agreement),
        jurisdiction={"court_id": court.partner_id, "reasons": court.reasons},
        effective_on=record.effective_on,
        apply_by=last_day,
        requested_by=requested_by[:120],
    )
    session.add(application)
    await session.flush()
    return application


async def application_of(*, session: AsyncSession, referral_id: str) -> ConfirmationApplication | None:
    return (
        await session.execute(select(ConfirmationApplication).where(ConfirmationApplication.referral_id == referral_id))
    ).scalar_one_or_none()


async def open_application(
    *, session: AsyncSession, referral: Referral, requested_by: str, today: date | None = None
) -> ConfirmationApplication:
    """Apply for 司法确认 of the referral's agreement; refused with the reason past the 30 days."""
    agreement = (referral.result or {}).get("agreement")
    if referral.status != "agreed" or not agreement or referral.agreement_effective_on is None:
        raise StateConflict(
            "only an agreement can be confirmed: this referral has none", extra={"current_status": referral.status}
        )
    if not referral.case_id:
        raise StateConflict("the case is not registered at intake")
    existing = await application_of(session=session, referral_id=referral.id)
    if existing is not None:
        raise AlreadyExists(f"司法确认 was already applied for: {existing.id}", extra={"application_id": existing.id})
    today = today or china_today()
    last_day = apply_by(effective_on=referral.agreement_effective_on)
    if today > last_day:
        raise too_late(effective_on=referral.agreement_effective_on, last_day=last_day, today=today)
    application = ConfirmationApplication(
        referral_id=referral.id,
        partner_id=referral.partner_id,
        court_name=referral.court_name,
        case_no=referral.case_no,
        documents=agreement_documents(agreement),
        case_id=referral.case_id,
        agreement=agreement,
        effective_on=referral.agreement_effective_on,
        apply_by=last_day,
        requested_by=requested_by[:120],
    )
    session.add(application)
    await session.flush()
    return application


async def open_if_requested(*, session: AsyncSession, referral: Referral) -> ConfirmationApplication | None:
    """After ``mediation.proceeding.agreed``: apply when the parties asked for it in the agreement."""
    agreement = (referral.result or {}).get("agreement") or {}
    if referral.status != "agreed" or not agreement.get("parties_request_judicial_confirmation"):
        return None
    try:
        return await open_application(session=session, referral=referral, requested_by="mediation")
    except Conflict as exc:
        log.warning(
            "judicial confirmation not applied for: %s", exc.detail, extra={"event_type": "mediation.proceeding.agreed"}
        )
        return None


async def mark_requested(
    *,
    session: AsyncSession,
    application_id: str,
    applicants: list[dict[str, Any]],
    respondents: list[dict[str, Any]],
    cipher: FieldCipher,
    generated: list[dict[str, Any]] | None = None,
    link_secret: str = "",
    public_url: str = "",
    link_seconds: int = 0,
) -> bool:
    """The identities are in hand: send ``confirmation.requested`` (once, whichever worker gets here
    first). ``generated`` (mediation's newest documents) are added to ``documents`` after the
    agreement's canonical-JSON entry, each with its PDF's digest and a signed, expiring link."""
    now = utcnow()
    taken = await session.execute(
        update(ConfirmationApplication)
        .where(ConfirmationApplication.id == application_id, ConfirmationApplication.state == "preparing")
        .values(state="requested", requested_at=now, updated_at=now, last_error=None)
    )
    if taken.rowcount != 1:
        return False
    application = await session.get(ConfirmationApplication, application_id, populate_existing=True)
    assert application is not None
    application.decide_by = decide_by(filed_on=china_today())
    if generated:
        application.documents = list(application.documents or []) + linked_documents(
            generated,
            application_id=application.id,
            secret=link_secret,
            public_url=public_url,
            link_seconds=link_seconds,
            now=time.time(),
        )
    number = application.agreement.get("agreement_no", "")
    if application.referral_id is None:
        # Not referred by this court: the contract's extension ``confirmation.applied`` (decision 0017).
        await notify(
            session,
            partner_id=application.partner_id,
            stream_key=f"case:{application.case_id}",
            event_type="confirmation.applied",
            data={
                "application_id": application.id,
                "case_no": application.case_no,
                "agreement": application.agreement,
                "documents": application.documents,
                "applicants": applicants,
                "respondents": respondents,
                "jurisdiction": application.jurisdiction,
                "apply_by": application.apply_by.isoformat(),
            },
            cipher=cipher,
        )
        await announce_case(
            session,
            case_id=application.case_id,
            event_type="court.confirmation.requested",
            summary_zh=f"已向{application.court_name}申请司法确认（调解协议{number}），"
            f"法院应于{application.decide_by.isoformat()}前作出裁定（民事诉讼法第一百八十七条）",
            application_id=application.id,
            proceeding_id=application.proceeding_id,
            partner_id=application.partner_id,
            agreement_no=number,
            decide_by=application.decide_by.isoformat(),
        )
        await session.flush()
        return True
    referral = await session.get(Referral, application.referral_id)
    assert referral is not None
    await notify_court(
        session,
        referral,
        "confirmation.requested",
        {
            "application_id": application.id,
            "agreement": application.agreement,
            "applicants": applicants,
            "respondents": respondents,
            "documents": application.documents,
        },
        cipher=cipher,
    )
    await announce(
        session,
        referral,
        "court.confirmation.requested",
        f"已向{referral.court_name}申请司法确认（调解协议{number}）",
        application_id=application.id,
        agreement_no=application.agreement.get("agreement_no"),
        decide_by=application.decide_by.isoformat(),
    )
    await session.flush()
    return True


async def record_ruling(
    *, session: AsyncSession, partner_id: str, application_id: str, data: RulingIn
) -> tuple[ConfirmationApplication, Referral | None]:
    """The court's ruling on an application it was sent (404 for another court's), once."""
    application = await session.get(
        ConfirmationApplication, application_id, with_for_update=True, populate_existing=True
    )
    if application is None or application.partner_id != partner_id or application.state == "preparing":
        raise NotFound(f"confirmation application {application_id} does not exist")
    if application.state == "ruled":
        raise StateConflict(
            f"application {application_id} was already ruled on ({application.ruling}, {application.ruling_no})",
            extra={"ruling": application.ruling, "ruling_no": application.ruling_no},
        )
    if data.ruled_on > china_today():
        raise ValidationFailed.field("ruled_on", "裁定日期不能晚于今天")
    now = utcnow()
    application.state = "ruled"
    application.ruling, application.ruling_no, application.ruled_on = data.ruling, data.ruling_no, data.ruled_on
    application.ruling_reason, application.ruled_at, application.updated_at = data.reason, now, now
    referral = await session.get(Referral, application.referral_id) if application.referral_id else None
    court = application.court_name or (referral.court_name if referral else "法院")
    text = (
        f"{court}裁定调解协议有效（{data.ruling_no}），协议具有强制执行力，一方拒绝履行的，对方可以向人民法院申请强制执行"
        if data.ruling == "valid"
        else f"{court}裁定驳回司法确认申请（{data.ruling_no}）"
        + (f"：{data.reason}" if data.reason else "")
        + "；当事人可以通过调解方式变更原调解协议或者达成新的调解协议，也可以依法申请劳动争议仲裁或者向人民法院提起诉讼"
    )
    details = {
        "application_id": application.id,
        "proceeding_id": application.proceeding_id,
        "ruling": data.ruling,
        "ruling_no": data.ruling_no,
        "ruled_on": data.ruled_on.isoformat(),
        "reason": data.reason,
    }
    if referral is not None:
        await announce(session, referral, "court.confirmation.ruled", text, **details)
    else:
        await announce_case(
            session,
            case_id=application.case_id,
            event_type="court.confirmation.ruled",
            summary_zh=text,
            partner_id=application.partner_id,
            **details,
        )
    await session.flush()
    return application, referral


def listed_document(application: ConfirmationApplication, document_id: str) -> dict[str, Any] | None:
    return next((d for d in application.documents or () if d.get("document_id") == document_id), None)


def to_public(application: ConfirmationApplication) -> ApplicationPublic:
    """An application as the clerks' desk reads it."""
    return to_schema(
        ApplicationPublic, application, application_id=application.id, documents=application.documents or []
    )
