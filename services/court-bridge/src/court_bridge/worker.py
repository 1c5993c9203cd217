"""The court bridge's background work (the kit's ``BridgeWorker`` runs these steps in order):

- register referrals at intake that could not be registered when they arrived (intake down, slow,
  busy): the kit's referral lifecycle;
- prepare 司法确认 and 支付令 applications: read the parties' identities from intake, then send
  ``confirmation.requested`` / ``confirmation.applied`` / ``payment_order.requested``;
- accept referrals nobody decided on their due day (when configured).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from onewindow_kit.bridge.casefile import hand_off_parties
from onewindow_kit.bridge.documents import handed_over
from onewindow_kit.bridge.worker import Step, attempt, each_due
from sqlalchemy.ext.asyncio import AsyncSession

from court_bridge.agreements.service import CONFIRMATION_DOCUMENTS
from court_bridge.confirmations.models import ConfirmationApplication
from court_bridge.confirmations.service import mark_requested
from court_bridge.context import CourtContext
from court_bridge.payment_orders import service as payment_orders
from court_bridge.payment_orders.models import PaymentOrderApplication
from court_bridge.referrals.models import Referral
from court_bridge.referrals.service import WORK_WAKE, referrals

PII_PURPOSE = "司法确认申请（向法院提交当事人身份信息）"
PAYMENT_ORDER_PURPOSE = "支付令申请（向法院提交当事人身份信息）"

__all__ = ["WORK_WAKE", "prepare_application", "prepare_payment_order", "register_referral", "steps"]


async def register_referral(ctx: CourtContext, referral_id: str) -> str:
    """Register one pending referral at intake: ``registered``, ``retry``, ``rejected`` or ``skipped``."""
    return await referrals.register(ctx, referral_id)


async def prepare_application(ctx: CourtContext, application_id: str) -> str:
    """Read the parties' identities from intake and send the 司法确认 application."""
    return await _prepare(
        ctx, ConfirmationApplication, application_id, PII_PURPOSE, mark_requested, documents=CONFIRMATION_DOCUMENTS
    )


async def prepare_payment_order(ctx: CourtContext, application_id: str) -> str:
    """Read the parties' identities from intake and send ``payment_order.requested``."""
    return await _prepare(
        ctx, PaymentOrderApplication, application_id, PAYMENT_ORDER_PURPOSE, payment_orders.mark_requested
    )


async def _prepare(
    ctx: CourtContext, model: Any, application_id: str, purpose: str, mark: Any, documents: tuple[str, ...] = ()
) -> str:
    intake = ctx.intake
    assert intake is not None

    async def call(application: Any) -> Any:
        parties = await intake.case_parties(case_id=application.case_id)
        identities = await intake.identities(case_id=application.case_id, purpose=purpose)
        return hand_off_parties(parties, identities), await _generated(ctx, application, documents)

    async def record(session: AsyncSession, result: Any) -> None:
        (applicants, respondents), generated = result
        extra: dict[str, Any] = {}
        if documents:
            extra = {"generated": generated, **ctx.settings.document_links}
        await mark(
            session=session,
            application_id=application_id,
            applicants=applicants,
            respondents=respondents,
            cipher=ctx.cipher,
            **extra,
        )

    outcome = await attempt(
        ctx.database(),
        ctx.settings,
        model=model,
        row_id=application_id,
        ready=lambda application: application.state == "preparing",
        call=call,
        record=record,
        wake=WORK_WAKE,
    )
    return {"done": "requested"}.get(outcome, outcome)


async def _generated(ctx: CourtContext, application: Any, kinds: tuple[str, ...]) -> list[dict[str, Any]]:
    """Mediation's newest ``kinds`` of the agreement's proceeding (``handed_over``)."""
    if not kinds or ctx.documents is None or not ctx.documents.configured:
        return []
    proceeding_id = application.proceeding_id
    if not proceeding_id and application.referral_id:
        async with ctx.database().transaction(read_only=True) as session:
            referral = await session.get(Referral, application.referral_id)
            proceeding_id = referral.proceeding_id if referral is not None else None
    return await handed_over(ctx.documents, proceeding_id=proceeding_id, ensure=kinds)


def steps(ctx: CourtContext) -> Sequence[Step]:
    poll = ctx.settings.worker_poll_seconds

    async def prepare_due() -> float | None:
        return await each_due(
            ctx.database(),
            ConfirmationApplication,
            state_column="state",
            state="preparing",
            at_column="next_attempt_at",
            work=lambda application_id: prepare_application(ctx, application_id),
            poll_seconds=poll,
        )

    async def prepare_orders_due() -> float | None:
        return await each_due(
            ctx.database(),
            PaymentOrderApplication,
            state_column="state",
            state="preparing",
            at_column="next_attempt_at",
            work=lambda application_id: prepare_payment_order(ctx, application_id),
            poll_seconds=poll,
        )

    async def register_due() -> float | None:
        return await referrals.register_due(ctx)

    async def accept_due() -> None:
        await referrals.accept_ready(ctx, when_due_actor="auto: 3 working days")

    return [register_due, prepare_due, prepare_orders_due, accept_due]
