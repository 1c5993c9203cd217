"""Events from the other services: the timeline and the status follow them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from onewindow_kit.db import utcnow
from onewindow_kit.events import EventEnvelope, publish
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from intake.cases.models import CaseFile, TimelineEntry
from intake.cases.service.lifecycle import _bump, _case_event, _timeline, lifecycle
from intake.notifications import service as notifications

EVENT_SUMMARY = {
    "mediation.proceeding.opened": "调解程序已立案",
    "mediation.proceeding.assigned": "已分派调解员",
    "mediation.proceeding.accepted": "双方同意调解",
    "mediation.proceeding.declined": "当事人拒绝调解（调解自愿）",
    "mediation.proceeding.session_scheduled": "已安排调解",
    "mediation.proceeding.agreed": "调解成功，达成调解协议",
    "mediation.proceeding.terminated": "调解终结，未达成协议",
    "mediation.proceeding.withdrawn": "申请人撤回调解申请",
    "mediation.proceeding.expired": "调解期限届满未达成协议",
    "mediation.agreement.payment_overdue": "调解协议约定的款项逾期未付",
    "mediation.agreement.instalment_paid": "调解协议约定的款项已支付",
    "mediation.agreement.fulfilled": "调解协议已履行完毕",
    "mediation.alert.raised": "调解预警",
    "mediation.session.reminded": "已提醒调解安排",
    "court.referral.received": "收到法院委派调解",
    "court.referral.accepted": "已接受法院委派调解",
    "court.referral.declined": "不予接受法院委派调解",
    "court.referral.withdrawn": "法院撤回委派调解",
    "court.confirmation.requested": "已向法院申请司法确认",
    "court.confirmation.ruled": "法院作出司法确认裁定",
    "court.payment_order.requested": "已向法院申请支付令",
    "court.payment_order.accepted": "法院受理支付令申请",
    "court.payment_order.rejected": "法院不予受理或驳回支付令申请",
    "court.payment_order.issued": "法院发出支付令",
    "court.payment_order.objected": "用人单位对支付令提出异议，支付令失效",
    "court.payment_order.paid": "支付令所列款项已清偿",
    "arbitration.referral.received": "收到仲裁院先行调解委派",
    "arbitration.referral.accepted": "已接受仲裁院先行调解委派",
    "arbitration.referral.declined": "不予接受仲裁院先行调解委派",
    "arbitration.referral.withdrawn": "仲裁院撤回先行调解委派",
    "arbitration.transfer.overdue": "仲裁院逾期未作出是否受理的决定（5日）",
    "arbitration.transfer.requested": "已向仲裁院移送案件",
    "arbitration.transfer.accepted": "仲裁院已受理移送案件",
    "arbitration.transfer.rejected": "仲裁院不予受理移送案件",
    "arbitration.review.requested": "已申请仲裁审查确认",
    "arbitration.review.decided": "仲裁院作出审查确认决定",
}


async def apply_partner_event(session: AsyncSession, event: EventEnvelope) -> None:
    """Record another service's event on the case's timeline and let the lifecycle table move the
    status (intake.lifecycle). An event whose move does not fit the case's status lands on the
    timeline only; the inbox makes a redelivery harmless, so each shows once."""
    if not event.case_id:
        return
    case = await session.get(CaseFile, event.case_id)
    if case is None:
        return  # not a case of ours (yet): nothing to attach it to
    summary = EVENT_SUMMARY.get(event.type, event.type)
    detail = event.data.get("summary_zh")
    deadline = event.data.get("deadline_on")
    if event.type == "mediation.proceeding.opened" and deadline and case.deadline_on is None:
        # Window cases get their deadline from the proceeding's statutory clock (LDMAL 14).
        case.deadline_on = date.fromisoformat(deadline)
    if event.type.endswith(".referral.accepted") and deadline and case.deadline_on is not None:
        await _rebase_deadline(session, case, date.fromisoformat(deadline))
    if event.type == "mediation.proceeding.agreed" and event.data.get("recovered_amount") is not None:
        case.agreed_amount = Decimal(str(event.data["recovered_amount"]))
    if event.type == "mediation.agreement.instalment_paid":
        # 挽回金额 is money actually paid (DOMAIN.md §7); the inbox keeps this once per event.
        case.recovered = (case.recovered or Decimal("0")) + Decimal(str(event.data["instalment"]["amount"]))
        _bump(case)
    await lifecycle_follow(session, case, event.type, event.data, at=event.occurred_at)
    await _notify_staff(session, case, event)
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


async def _rebase_deadline(session: AsyncSession, case: CaseFile, deadline_on: date) -> None:
    """A partner's mediation period counted from the centre's confirmation of acceptance (the court's:
    人民法院在线调解规则 第24条) replaces the provisional one counted from the referral date. Mediation
    hears it after ``intake.case.routed`` (one relay, in order), so the proceeding's clock follows."""
    if deadline_on == case.deadline_on:
        return
    previous, case.deadline_on = case.deadline_on, deadline_on
    _bump(case)
    await publish(
        session,
        type="intake.case.deadline_changed",
        case_id=case.id,
        data={
            **_case_event(case),
            "deadline_on": deadline_on.isoformat(),
            "previous_deadline_on": previous.isoformat() if previous else None,
            "reason_zh": "调解期限自确认接受委派之日起计算",
        },
    )


async def _notify_staff(session: AsyncSession, case: CaseFile, event: EventEnvelope) -> None:
    """Assignment → the mediator; payment overdue → the mediator; mediation alert → supervisors."""
    data = event.data
    proceeding = data.get("proceeding_id", "")
    if event.type == "mediation.proceeding.assigned":
        audience = notifications.mediator_audience(data.get("mediator"))
        if audience:
            await notifications.notify(
                session,
                center_id=case.center_id,
                audiences=[audience],
                cause=f"assigned:{proceeding}:{audience}",
                kind="assignment",
                title=f"新分派案件：{case.case_no}",
                body=data.get("summary_zh") or "您有一件新分派的调解案件",
                case_id=case.id,
                link=f"/proceedings/{proceeding}",
            )
    elif event.type == "mediation.agreement.payment_overdue":
        subject = await _mediator_of(session, case.id)
        instalment = data.get("instalment") or {}
        await notifications.notify(
            session,
            center_id=case.center_id,
            audiences=[subject] if subject else ["role:supervisor"],
            cause=f"overdue:{proceeding}:{instalment.get('due_on')}",
            kind="payment_overdue",
            title=f"协议款项逾期未付：{case.case_no}",
            body=data.get("summary_zh") or "调解协议约定的款项逾期未付",
            case_id=case.id,
            link=f"/proceedings/{proceeding}",
        )
    elif event.type == "mediation.alert.raised":
        subject = await _mediator_of(session, case.id)
        await notifications.notify(
            session,
            center_id=case.center_id,
            audiences=["role:supervisor", *([subject] if subject else [])],
            cause=f"mediation-alert:{proceeding}:{data.get('alert')}",
            kind="clock_at_risk",
            title=f"调解预警：{case.case_no}",
            body=data.get("summary_zh") or "调解期限临近",
            case_id=case.id,
            link=f"/cases/{case.id}",
        )


async def _mediator_of(session: AsyncSession, case_id: str) -> str | None:
    """The notification audience of the case's latest assigned mediator, from the timeline."""
    entry = (
        await session.execute(
            select(TimelineEntry)
            .where(TimelineEntry.case_id == case_id, TimelineEntry.kind == "mediation.proceeding.assigned")
            .order_by(TimelineEntry.at.desc(), TimelineEntry.id.desc())
            .limit(1)
        )
    ).scalar_one_or_none()
    mediator = (entry.data or {}).get("mediator") if entry else None
    return notifications.mediator_audience(mediator) if isinstance(mediator, dict) else None


async def lifecycle_follow(
    session: AsyncSession, case: CaseFile, event_type: str, data: dict[str, Any], *, at: datetime | None = None
) -> None:
    """Move ``case`` as the lifecycle table says for ``event_type`` (no move: nothing)."""
    target = lifecycle.after_event(case.status, event_type)
    if target is None:
        return
    case.status = target
    _bump(case)
    if target == "returned":
        case.return_reason = str(data.get("reason") or data.get("summary_zh") or EVENT_SUMMARY.get(event_type, ""))[
            :500
        ]
        case.deadline_on = None  # the clock of the step that ended; the timeline keeps it
        steps = lifecycle.next_steps(
            dispute_type=case.dispute_type, has_undisputed_facts=bool(data.get("undisputed_facts"))
        )
        _timeline(
            session,
            case,
            kind="case.returned",
            summary="案件退回窗口，可选后续途径：" + "、".join(step.label_zh for step in steps),
            data={"reason": case.return_reason, "next_steps": [step.route for step in steps]},
            at=at,
        )
    elif target == "closed":
        case.closed_at = utcnow()
        case.close_reason = data.get("close_reason") or lifecycle.EVENT_CLOSE_REASON.get(event_type, "other")
        case.deadline_on = None
        await publish(
            session,
            type="intake.case.closed",
            case_id=case.id,
            data={**_case_event(case), "close_reason": case.close_reason},
        )
