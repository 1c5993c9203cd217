"""Events this bridge consumes (``POST /internal/events``):

- ``mediation.proceeding.*``: remembered per case (dates, outcome, 无争议事实, agreement: what a
  transfer or a review needs); for a referred case, the referral's status and the commission's
  webhooks; an agreement asking for 仲裁审查确认 opens the review;
- ``mediation.agreement.payment_overdue``: the agreement is breached (direct arbitration may follow);
- ``intake.case.registered`` / ``routed``: the case's centre and number (and the route: a case routed
  to arbitration is one whose worker refused mediation); a registration of one of
  our referrals whose answer was lost is completed.
"""

from __future__ import annotations

from onewindow_kit.events import EventEnvelope
from onewindow_kit.events.router import EventHandler
from sqlalchemy.ext.asyncio import AsyncSession

from arbitration_bridge.cases.service import apply_agreement_event, apply_intake_event, apply_mediation_event
from arbitration_bridge.context import ArbitrationContext
from arbitration_bridge.referrals.service import WORK_WAKE, apply_proceeding_event, referrals
from arbitration_bridge.reviews.service import open_if_requested


def event_handlers(ctx: ArbitrationContext) -> dict[str, EventHandler]:
    async def on_proceeding(session: AsyncSession, event: EventEnvelope) -> None:
        record = await apply_mediation_event(session=session, event=event)
        referral = await apply_proceeding_event(session=session, event=event, cipher=ctx.cipher)
        if referral is not None and referral.result_parties_state == "preparing":
            WORK_WAKE.mark(session)  # the worker reads the service addresses and sends the result
        if record is not None and event.type == "mediation.proceeding.agreed":
            center_id = record.center_id or (referral.center_id if referral is not None else None)
            if (
                await open_if_requested(
                    session=session,
                    record=record,
                    center_id=center_id,
                    default_partner_id=ctx.settings.default_partner_id,
                )
                is not None
            ):
                WORK_WAKE.mark(session)  # the worker reads the identities and sends the request

    async def on_case_event(session: AsyncSession, event: EventEnvelope) -> None:
        await apply_intake_event(session=session, event=event)

    async def on_agreement_event(session: AsyncSession, event: EventEnvelope) -> None:
        await apply_agreement_event(session=session, event=event)

    return dict(
        referrals.event_handlers(
            on_proceeding=on_proceeding,
            on_case_registered=on_case_event,
            more={"intake.case.routed": on_case_event, "mediation.agreement.payment_overdue": on_agreement_event},
        )
    )
