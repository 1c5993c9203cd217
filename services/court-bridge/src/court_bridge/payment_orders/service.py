"""支付令 (payment order): the worker's application when the employer misses an instalment of an
agreement on 劳动报酬, 工伤医疗费, 经济补偿 or 赔偿金 (劳动争议调解仲裁法 第16条), and what the court does
with it (民事诉讼法 第225–227条). The rules and periods are ``onewindow_domain.payment_order``'s.

States: ``preparing`` (identities being read from intake) → ``requested`` (``payment_order.requested``
queued; acceptance within 5 days) → ``accepted`` (order within 15 days) | ``rejected`` → ``issued``
(the employer pays or objects within 15 days of service) → ``paid`` | ``objected`` (the order lapses:
the worker may apply for arbitration or sue). The instalments paid at the centre also close it.
"""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal
from typing import Any, cast

from onewindow_domain.calendar import china_today, default_calendar
from onewindow_domain.payment_order import payment_order_check, payment_order_periods
from onewindow_kit.bridge.messages import announce, notify
from onewindow_kit.crypto import FieldCipher
from onewindow_kit.db import utcnow
from onewindow_kit.errors import AlreadyExists, NotFound, StateConflict, ValidationFailed
from sqlalchemy import CursorResult, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from court_bridge.agreements.models import CentreAgreement
from court_bridge.agreements.service import CourtChoice, agreement_documents, overdue_unpaid
from court_bridge.payment_orders.exceptions import PaymentOrderNotAvailable
from court_bridge.payment_orders.models import PaymentOrderApplication
from court_bridge.payment_orders.schemas import PaymentOrderDecisionIn

log = logging.getLogger("court_bridge.payment_orders")

OPEN_STATES = ("preparing", "requested", "accepted", "issued")
# decision → the states it may follow
TRANSITIONS = {
    "accepted": ("requested",),
    "rejected": ("requested", "accepted"),
    "issued": ("requested", "accepted"),
    "objected": ("issued",),
    "paid": ("requested", "accepted", "issued"),
}
# After the order lapses the labour dispute itself goes to arbitration first (LDMAL 5; the SPC's labour
# interpretation (一) 第13条 sends a worker who sues directly to arbitration), then to court.
ONWARD_ZH = "劳动者可以就劳动争议事项依法申请劳动争议仲裁，对仲裁裁决不服的可以向人民法院提起诉讼"


def offer(
    *, record: CentreAgreement, categories: list[str] | None, today: date, objected: bool = False
) -> dict[str, Any]:
    """Whether the case offers the worker a 支付令 today, with the reasons (LDMAL 16; CPL 225); once
    the employer objected to an order on this agreement, the way on is arbitration or suit (CPL 228)."""
    unpaid = overdue_unpaid(record)
    payments = record.agreement.get("payments") or []
    due = min((date.fromisoformat(str(i["due_on"])) for i in unpaid), default=None)
    if due is None:
        open_dues = [date.fromisoformat(str(p["due_on"])) for n, p in enumerate(payments, 1) if n not in record.paid]
        due = min(open_dues, default=record.effective_on)
    if categories is None:
        return {
            "eligible": False,
            "categories": [],
            "reasons_zh": ["暂时无法读取案件的请求事项，请稍后再试"],
            "basis_zh": "",
            "overdue": unpaid,
        }
    check = payment_order_check(
        categories=categories, performance_due_on=due, today=today, fully_performed=record.fulfilled
    )
    reasons = list(check.reasons_zh)
    if check.eligible and not unpaid:
        reasons.append("调解协议没有逾期未付的款项")
    if objected:
        reasons.append(f"用人单位已对本协议的支付令提出书面异议，支付令失效（民事诉讼法第二百二十八条）；{ONWARD_ZH}")
    return {
        "eligible": check.eligible and bool(unpaid) and not objected,
        "categories": [c.value for c in check.categories],
        "reasons_zh": reasons,
        "basis_zh": check.basis_zh,
        "overdue": unpaid,
    }


async def open_for(*, session: AsyncSession, proceeding_id: str) -> PaymentOrderApplication | None:
    return (
        await session.execute(
            select(PaymentOrderApplication).where(
                col(PaymentOrderApplication.proceeding_id) == proceeding_id,
                col(PaymentOrderApplication.state).in_(OPEN_STATES),
            )
        )
    ).scalar_one_or_none()


async def was_objected(*, session: AsyncSession, proceeding_id: str) -> bool:
    found = await session.execute(
        select(col(PaymentOrderApplication.id)).where(
            col(PaymentOrderApplication.proceeding_id) == proceeding_id,
            col(PaymentOrderApplication.state) == "objected",
        )
    )
    return found.first() is not None


async def list_for(*, session: AsyncSession, proceeding_id: str) -> list[PaymentOrderApplication]:
    rows = await session.execute(
        select(PaymentOrderApplication)
        .where(col(PaymentOrderApplication.proceeding_id) == proceeding_id)
        .order_by(col(PaymentOrderApplication.created_at).desc())
    )
    return list(rows.scalars().all())


async def open_application(
    *,
    session: AsyncSession,
    record: CentreAgreement,
    court: CourtChoice,
    categories: list[str] | None,
    requested_by: str,
    today: date | None = None,
) -> PaymentOrderApplication:
    """The worker's 支付令 application on the overdue agreement (refused with the reasons otherwise)."""
    today = today or china_today()
    existing = await open_for(session=session, proceeding_id=record.proceeding_id)
    if existing is not None:
        raise AlreadyExists(f"a 支付令 application is under way: {existing.id}", extra={"application_id": existing.id})
    objected = await was_objected(session=session, proceeding_id=record.proceeding_id)
    verdict = offer(record=record, categories=categories, today=today, objected=objected)
    if not verdict["eligible"]:
        message = "；".join(verdict["reasons_zh"]) or "不符合申请支付令的条件"
        raise PaymentOrderNotAvailable(
            f"不能申请支付令：{message}",
            errors=[{"field": "agreement", "message": message}],
            extra={"reasons_zh": verdict["reasons_zh"], "rule": "劳动争议调解仲裁法 第16条；民事诉讼法 第225条"},
        )
    periods = payment_order_periods(applied_on=today, calendar=default_calendar().lenient())
    application = PaymentOrderApplication(
        proceeding_id=record.proceeding_id,
        case_id=record.case_id,
        case_no=record.case_no,
        partner_id=court.partner_id,
        court_name=court.name,
        agreement=record.agreement,
        categories=verdict["categories"],
        overdue=verdict["overdue"],
        amount=sum((Decimal(i["amount"]) for i in verdict["overdue"]), Decimal("0.00")),
        documents=agreement_documents(record.agreement),
        jurisdiction={"court_id": court.partner_id, "reasons": court.reasons},
        requested_by=requested_by[:120],
        applied_on=today,
        accept_by=periods.acceptance.due_on,
    )
    session.add(application)
    await session.flush()
    return application


async def mark_requested(
    *,
    session: AsyncSession,
    application_id: str,
    applicants: list[dict[str, Any]],
    respondents: list[dict[str, Any]],
    cipher: FieldCipher,
) -> bool:
    """The identities are in hand: send ``payment_order.requested`` (once, whichever worker gets here first)."""
    now = utcnow()
    taken = cast(
        CursorResult[Any],
        await session.execute(
            update(PaymentOrderApplication)
            .where(col(PaymentOrderApplication.id) == application_id, col(PaymentOrderApplication.state) == "preparing")
            .values(state="requested", requested_at=now, updated_at=now, last_error=None)
        ),
    )
    if taken.rowcount != 1:
        return False
    application = await session.get(PaymentOrderApplication, application_id, populate_existing=True)
    assert application is not None
    number = application.agreement.get("agreement_no", "")
    await notify(
        session,
        partner_id=application.partner_id,
        stream_key=f"case:{application.case_id}",
        event_type="payment_order.requested",
        data={
            "application_id": application.id,
            "case_no": application.case_no,
            "agreement": application.agreement,
            "documents": application.documents,
            "claim": {
                "amount": str(application.amount),
                "categories": application.categories,
                "overdue": application.overdue,
            },
            "applicants": applicants,
            "respondents": respondents,
            "jurisdiction": application.jurisdiction,
            "accept_by": application.accept_by.isoformat(),
        },
        cipher=cipher,
    )
    await announce(
        session,
        case_id=application.case_id,
        event_type="court.payment_order.requested",
        summary_zh=f"劳动者依调解协议（{number}）向{application.court_name}申请支付令，请求支付{application.amount}元；"
        f"法院应于{application.accept_by.isoformat()}前通知是否受理（民事诉讼法第二百二十六条）",
        application_id=application.id,
        proceeding_id=application.proceeding_id,
        partner_id=application.partner_id,
        state="requested",
        accept_by=application.accept_by.isoformat(),
    )
    await session.flush()
    return True


def _summary(application: PaymentOrderApplication, data: PaymentOrderDecisionIn) -> str:
    court = application.court_name
    if data.decision == "accepted":
        return f"{court}受理支付令申请，应于{application.issue_by}前发出支付令（民事诉讼法第二百二十七条）"
    if data.decision == "rejected":
        return f"{court}不予受理或驳回支付令申请" + (f"：{data.reason}" if data.reason else "") + f"；{ONWARD_ZH}"
    if data.decision == "issued":
        text = f"{court}发出支付令（{data.order_no}）"
        if application.object_by:
            text += f"，用人单位应于{application.object_by.isoformat()}前清偿或者提出书面异议"
        return text
    if data.decision == "objected":
        return f"用人单位对支付令（{application.order_no}）提出书面异议，支付令失效；{ONWARD_ZH}"
    return f"用人单位已清偿支付令（{application.order_no or '申请'}）所列款项"


async def record_decision(
    *, session: AsyncSession, partner_id: str, application_id: str, data: PaymentOrderDecisionIn
) -> PaymentOrderApplication:
    """The court's decision on an application it was sent (404 for another court's), in the order of CPL 226–227."""
    application = await session.get(
        PaymentOrderApplication, application_id, with_for_update=True, populate_existing=True
    )
    if application is None or application.partner_id != partner_id or application.state == "preparing":
        raise NotFound(f"payment order application {application_id} does not exist")
    if application.state not in TRANSITIONS[data.decision]:
        raise StateConflict(
            f"application {application_id} is {application.state}: it cannot be {data.decision} now",
            extra={"current_state": application.state},
        )
    if data.decided_on > china_today():
        raise ValidationFailed.field("decided_on", "决定日期不能晚于今天")
    if application.applied_on and data.decided_on < application.applied_on:
        raise ValidationFailed.field("decided_on", "决定日期不能早于申请日期")
    cal = default_calendar().lenient()
    if data.decision == "accepted" or (data.decision == "issued" and application.accepted_on is None):
        application.accepted_on = data.decided_on
        application.issue_by = payment_order_periods(
            applied_on=application.applied_on, accepted_on=data.decided_on, calendar=cal
        ).issue.due_on  # type: ignore[union-attr]
    if data.decision == "issued":
        application.order_no, application.issued_on = data.order_no, data.decided_on
        application.served_on = data.served_on
        if data.served_on:
            periods = payment_order_periods(applied_on=application.applied_on, served_on=data.served_on, calendar=cal)
            application.object_by = periods.objection.due_on  # type: ignore[union-attr]
    if data.decision in ("rejected", "objected", "paid"):
        application.closed_on = data.decided_on
    application.state, application.reason, application.updated_at = data.decision, data.reason, utcnow()
    await announce(
        session,
        case_id=application.case_id,
        event_type=f"court.payment_order.{data.decision}",
        summary_zh=_summary(application, data),
        application_id=application.id,
        proceeding_id=application.proceeding_id,
        partner_id=application.partner_id,
        state=data.decision,
        order_no=application.order_no,
        decided_on=data.decided_on.isoformat(),
        object_by=application.object_by.isoformat() if application.object_by else None,
        reason=data.reason,
    )
    await session.flush()
    return application


async def close_if_paid(*, session: AsyncSession, record: CentreAgreement, cipher: FieldCipher) -> bool:
    """The instalments the order claims were paid at the centre: the order is performed (the court hears
    ``payment_order.satisfied`` so it can end the procedure)."""
    application = await open_for(session=session, proceeding_id=record.proceeding_id)
    if application is None or application.state == "preparing":
        return False
    claimed = {int(i["position"]) for i in application.overdue}
    if not (claimed <= set(record.paid) or record.fulfilled):
        return False
    today = china_today()
    application.state, application.closed_on, application.updated_at = "paid", today, utcnow()
    await notify(
        session,
        partner_id=application.partner_id,
        stream_key=f"case:{application.case_id}",
        event_type="payment_order.satisfied",
        data={"application_id": application.id, "case_no": application.case_no, "paid_on": today.isoformat()},
        cipher=cipher,
    )
    await announce(
        session,
        case_id=application.case_id,
        event_type="court.payment_order.paid",
        summary_zh=f"用人单位已支付调解协议逾期款项，支付令（{application.order_no or '申请'}）所列债务已清偿",
        application_id=application.id,
        proceeding_id=application.proceeding_id,
        partner_id=application.partner_id,
        state="paid",
        order_no=application.order_no,
        decided_on=today.isoformat(),
    )
    await session.flush()
    return True
