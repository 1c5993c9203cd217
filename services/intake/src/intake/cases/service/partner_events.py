"""Events from the other services: the timeline and the status follow them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from onewindow_kit.events import EventEnvelope
from sqlalchemy.ext.asyncio import AsyncSession

from intake.cases.models import CaseFile
from intake.cases.service.lifecycle import TRANSITIONS, _bump, _timeline

EVENT_SUMMARY = {
    "mediation.proceeding.opened": ("调解程序已立案", "in_mediation"),
    "mediation.proceeding.assigned": ("已分派调解员", None),
    "mediation.proceeding.accepted": ("双方同意调解", None),
    "mediation.proceeding.declined": ("当事人拒绝调解（调解自愿）", "routed"),
    "mediation.proceeding.session_scheduled": ("已安排调解", None),
    "mediation.proceeding.agreed": ("调解成功，达成调解协议", "resolved"),
    "mediation.proceeding.terminated": ("调解终结，未达成协议", None),
    "mediation.proceeding.withdrawn": ("申请人撤回调解申请", None),
    "mediation.proceeding.expired": ("调解期限届满未达成协议", None),
    "mediation.agreement.payment_overdue": ("调解协议约定的款项逾期未付", None),
    "mediation.agreement.fulfilled": ("调解协议已履行完毕", None),
    "mediation.alert.raised": ("调解预警", None),
    "mediation.session.reminded": ("已提醒调解安排", None),
    "court.referral.received": ("收到法院委派调解", None),
    "court.referral.accepted": ("已接受法院委派调解", None),
    "court.referral.declined": ("不予接受法院委派调解", None),
    "court.referral.withdrawn": ("法院撤回委派调解", None),
    "court.confirmation.requested": ("已向法院申请司法确认", None),
    "court.confirmation.ruled": ("法院作出司法确认裁定", None),
    "arbitration.referral.received": ("收到仲裁院先行调解委派", None),
    "arbitration.referral.accepted": ("已接受仲裁院先行调解委派", None),
    "arbitration.referral.declined": ("不予接受仲裁院先行调解委派", None),
    "arbitration.referral.withdrawn": ("仲裁院撤回先行调解委派", None),
    "arbitration.transfer.overdue": ("仲裁院逾期未作出是否受理的决定（5日）", None),
    "arbitration.transfer.requested": ("已向仲裁院移送案件", None),
    "arbitration.transfer.accepted": ("仲裁院已受理移送案件", "transferred_to_arbitration"),
    "arbitration.transfer.rejected": ("仲裁院不予受理移送案件", None),
    "arbitration.review.requested": ("已申请仲裁审查确认", None),
    "arbitration.review.decided": ("仲裁院作出审查确认决定", None),
}


async def apply_partner_event(session: AsyncSession, event: EventEnvelope) -> None:
    """Record another service's event on the case's timeline and follow it with the status."""
    if not event.case_id:
        return
    case = await session.get(CaseFile, event.case_id)
    if case is None:
        return  # not a case of ours (yet): nothing to attach it to
    summary, status = EVENT_SUMMARY.get(event.type, (event.type, None))
    detail = event.data.get("summary_zh")
    deadline = event.data.get("deadline_on")
    if event.type == "mediation.proceeding.opened" and deadline and case.deadline_on is None:
        # Window cases get their deadline from the proceeding's statutory clock (LDMAL 14).
        case.deadline_on = date.fromisoformat(deadline)
    if status and status != case.status and status in TRANSITIONS.get(case.status, ()):
        case.status = status
        _bump(case)
        if status == "resolved" and event.data.get("recovered_amount") is not None:
            case.recovered = Decimal(str(event.data["recovered_amount"]))
    _timeline(
        session,
        case,
        kind=event.type,
        source=event.source,
        summary=summary + (f"：{detail}" if detail else ""),
        data=event.data,
        event_id=str(event.id),
        at=event.occurred_at,
        actor=None,
    )
    await session.flush()
