"""司法确认: applications (within 30 days of the agreement taking effect) and the court's rulings."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from onewindow_domain.calendar import china_today, default_calendar
from onewindow_domain.clocks import compute_due
from onewindow_kit.crypto import FieldCipher
from onewindow_kit.db import utcnow
from onewindow_kit.errors import AlreadyExists, Conflict, NotFound, StateConflict, ValidationFailed
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from court_bridge.confirmations.exceptions import ConfirmationTooLate
from court_bridge.confirmations.models import ConfirmationApplication
from court_bridge.confirmations.schemas import RulingIn
from court_bridge.referrals.models import Referral
from court_bridge.referrals.service import announce, notify_court

log = logging.getLogger("court_bridge.confirmations")

APPLICATION_RULE = "judicial_confirmation_application_30d"


def apply_by(*, effective_on: date) -> date:
    """The last day to apply: 30 days after the agreement took effect (民事诉讼法 第205条; 人民调解法 第33条)."""
    return compute_due(APPLICATION_RULE, effective_on, calendar=default_calendar().lenient()).due_on


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
        raise ConfirmationTooLate(
            f"申请司法确认应当自调解协议生效之日起30日内提出（民事诉讼法第二百零五条）：协议于"
            f"{referral.agreement_effective_on.isoformat()}生效，申请期限已于{last_day.isoformat()}届满",
            extra={"effective_on": referral.agreement_effective_on.isoformat(), "apply_by": last_day.isoformat()},
        )
    application = ConfirmationApplication(
        referral_id=referral.id,
        partner_id=referral.partner_id,
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
) -> bool:
    """The identities are in hand: send ``confirmation.requested`` (once, whichever worker gets here first)."""
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
        },
        cipher=cipher,
    )
    await announce(
        session,
        referral,
        "court.confirmation.requested",
        f"已向{referral.court_name}申请司法确认（调解协议{application.agreement.get('agreement_no', '')}）",
        application_id=application.id,
        agreement_no=application.agreement.get("agreement_no"),
    )
    await session.flush()
    return True


async def record_ruling(
    *, session: AsyncSession, partner_id: str, application_id: str, data: RulingIn
) -> tuple[ConfirmationApplication, Referral]:
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
    referral = await session.get(Referral, application.referral_id)
    assert referral is not None
    text = (
        f"{referral.court_name}裁定调解协议有效（{data.ruling_no}）"
        if data.ruling == "valid"
        else f"{referral.court_name}裁定驳回司法确认申请（{data.ruling_no}）"
        + (f"：{data.reason}" if data.reason else "")
    )
    await announce(
        session,
        referral,
        "court.confirmation.ruled",
        text,
        application_id=application.id,
        ruling=data.ruling,
        ruling_no=data.ruling_no,
        ruled_on=data.ruled_on.isoformat(),
        reason=data.reason,
    )
    await session.flush()
    return application, referral
