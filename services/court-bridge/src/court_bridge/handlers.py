"""Events this bridge consumes (``POST /internal/events``): mediation's proceedings of referred
cases become the referral's status and the court's webhooks; every centre agreement (window cases
too) and its performance are kept for 司法确认 and 支付令; intake's registration completes a
referral whose registration answer was lost."""

from __future__ import annotations

from onewindow_kit.events import EventEnvelope
from onewindow_kit.events.router import EventHandler
from sqlalchemy.ext.asyncio import AsyncSession

from court_bridge.agreements.service import record_agreed, record_performance
from court_bridge.confirmations.service import open_if_requested
from court_bridge.context import CourtContext
from court_bridge.payment_orders.service import close_if_paid
from court_bridge.referrals.service import WORK_WAKE, apply_proceeding_event, referrals


def event_handlers(ctx: CourtContext) -> dict[str, EventHandler]:
    async def on_proceeding(session: AsyncSession, event: EventEnvelope) -> None:
        if event.type == "mediation.proceeding.agreed":
            await record_agreed(session=session, event=event)
        referral = await apply_proceeding_event(session=session, event=event, cipher=ctx.cipher)
        agreed = referral is not None and event.type == "mediation.proceeding.agreed"
        if agreed and await open_if_requested(session=session, referral=referral) is not None:
            WORK_WAKE.mark(session)  # the worker reads the identities and sends the request

    async def on_performance(session: AsyncSession, event: EventEnvelope) -> None:
        record = await record_performance(session=session, event=event)
        if record is not None and event.type != "mediation.agreement.payment_overdue":
            await close_if_paid(session=session, record=record, cipher=ctx.cipher)

    performance = {
        f"mediation.agreement.{verb}": on_performance for verb in ("payment_overdue", "instalment_paid", "fulfilled")
    }
    return dict(referrals.event_handlers(on_proceeding=on_proceeding, more=performance))
