"""Events this bridge consumes (``POST /internal/events``): mediation's proceedings of referred
cases become the referral's status and the court's webhooks; intake's registration completes a
referral whose registration answer was lost."""

from __future__ import annotations

from onewindow_kit.events import EventEnvelope
from onewindow_kit.events.router import EventHandler
from sqlalchemy.ext.asyncio import AsyncSession

from court_bridge.confirmations.service import open_if_requested
from court_bridge.context import CourtContext
from court_bridge.referrals.service import apply_case_registered, apply_proceeding_event
from court_bridge.worker import WORK_WAKE

PROCEEDING_VERBS = (
    "opened",
    "assigned",
    "accepted",
    "declined",
    "session_scheduled",
    "agreed",
    "terminated",
    "withdrawn",
    "expired",
)


def event_handlers(ctx: CourtContext) -> dict[str, EventHandler]:
    async def on_proceeding(session: AsyncSession, event: EventEnvelope) -> None:
        referral = await apply_proceeding_event(session=session, event=event, cipher=ctx.cipher)
        agreed = referral is not None and event.type == "mediation.proceeding.agreed"
        if agreed and await open_if_requested(session=session, referral=referral) is not None:
            WORK_WAKE.mark(session)  # the worker reads the identities and sends the request

    async def on_case_registered(session: AsyncSession, event: EventEnvelope) -> None:
        if await apply_case_registered(session=session, event=event):
            WORK_WAKE.mark(session)  # the worker accepts it

    handlers: dict[str, EventHandler] = {f"mediation.proceeding.{verb}": on_proceeding for verb in PROCEEDING_VERBS}
    handlers["intake.case.registered"] = on_case_registered
    return handlers
