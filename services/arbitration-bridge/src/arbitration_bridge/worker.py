"""The arbitration bridge's background work (the kit's ``BridgeWorker`` runs these steps in order):

- register referrals at intake that could not be registered when they arrived (the kit's referral
  lifecycle);
- send failed and expired referral results with the parties' service addresses (read from intake);
- prepare transfers and reviews: read the case file and the parties' identities from intake, then
  send ``transfer.requested`` / ``review.requested``;
- accept referrals nobody decided on their due day (when configured);
- flag transfers the commission has not decided within its 5 days (once each).

Every step that talks to intake is the kit's ``attempt``: read in a short session, HTTP with no
transaction open, the answer recorded in another short transaction that re-checks the state.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from onewindow_domain.calendar import china_today
from onewindow_kit.bridge.casefile import IntakeError, Parties, gather
from onewindow_kit.bridge.documents import handed_over
from onewindow_kit.bridge.worker import Step, attempt, each_due
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from arbitration_bridge.cases.models import CaseRecord
from arbitration_bridge.context import ArbitrationContext
from arbitration_bridge.referrals.models import Referral
from arbitration_bridge.referrals.service import WORK_WAKE, open_payload, referrals, send_result
from arbitration_bridge.reviews import service as reviews
from arbitration_bridge.reviews.models import Review
from arbitration_bridge.transfers import service as transfers
from arbitration_bridge.transfers.models import Transfer

PURPOSE_RESULT = "仲裁院先行调解不成，向仲裁院反馈当事人送达地址"
PURPOSE_TRANSFER = "调解不成转仲裁，向仲裁院移送当事人身份信息"
PURPOSE_REVIEW = "仲裁审查确认申请（向仲裁院提交当事人身份信息）"

__all__ = ["WORK_WAKE", "prepare_review", "prepare_transfer", "register_referral", "send_referral_result", "steps"]


async def register_referral(ctx: ArbitrationContext, referral_id: str) -> str:
    """Register one pending referral at intake: ``registered``, ``retry``, ``rejected`` or ``skipped``."""
    return await referrals.register(ctx, referral_id)


def referral_parties(referral: Any, ctx: ArbitrationContext) -> Parties:
    """The parties as the commission sent them (the fallback when intake cannot answer for the case)."""
    data = open_payload(referral, ctx.cipher)
    applicants = [
        {"name": a.name, "id_number": a.id_number, "phone": a.phone, "address": a.address} for a in data.applicants
    ]
    respondents = [
        {
            "name": r.name,
            "credit_code": r.credit_code,
            "address": r.address,
            "legal_representative": r.legal_representative,
            "phone": r.phone,
        }
        for r in data.respondents
    ]
    return applicants, respondents


async def send_referral_result(ctx: ArbitrationContext, referral_id: str) -> str:
    """Read the parties' service addresses from intake and send the failed/expired result."""
    intake = ctx.intake
    assert intake is not None

    async def call(referral: Any) -> Parties:
        try:
            if referral.case_id is None:
                raise IntakeError("the case was never registered at intake", retry=False)
            _case, applicants, respondents = await gather(intake, case_id=referral.case_id, purpose=PURPOSE_RESULT)
        except IntakeError as exc:
            if exc.retry:
                raise
            # Intake cannot tell (e.g. the case is gone): the addresses the commission sent us serve.
            return referral_parties(referral, ctx)
        return applicants, respondents

    async def record(session: AsyncSession, parties: Parties) -> None:
        applicants, respondents = parties
        await send_result(
            session=session, referral_id=referral_id, applicants=applicants, respondents=respondents, cipher=ctx.cipher
        )

    outcome = await attempt(
        ctx.database(),
        ctx.settings,
        model=Referral,
        row_id=referral_id,
        ready=lambda referral: referral.result_parties_state == "preparing",
        call=call,
        record=record,
        wake=WORK_WAKE,
        attempts="result_attempts",
        last_error="result_last_error",
        next_attempt_at="result_next_attempt_at",
    )
    return {"done": "sent"}.get(outcome, outcome)


async def prepare_transfer(ctx: ArbitrationContext, transfer_id: str) -> str:
    """Read the case file and identities from intake and send ``transfer.requested``."""
    intake = ctx.intake
    assert intake is not None

    async def call(transfer: Any) -> Any:
        gathered = await gather(intake, case_id=transfer.case_id, purpose=PURPOSE_TRANSFER)
        # The 调解终结书 and 无争议事实确认书 with their digests (mediation refuses what the proceeding does not allow).
        documents = await handed_over(
            ctx.documents,
            proceeding_id=(transfer.mediation or {}).get("proceeding_id"),
            ensure=transfers.TRANSFER_DOCUMENTS,
        )
        return gathered, documents

    async def record(session: AsyncSession, result: Any) -> None:
        (case, applicants, respondents), documents = result
        await transfers.mark_requested(
            session=session,
            transfer_id=transfer_id,
            case=case,
            applicants=applicants,
            respondents=respondents,
            cipher=ctx.cipher,
            generated=documents,
            **ctx.settings.document_links,
        )

    outcome = await attempt(
        ctx.database(),
        ctx.settings,
        model=Transfer,
        row_id=transfer_id,
        ready=lambda transfer: transfer.state == "preparing",
        call=call,
        record=record,
        wake=WORK_WAKE,
    )
    return {"done": "requested"}.get(outcome, outcome)


async def prepare_review(ctx: ArbitrationContext, review_id: str) -> str:
    """Read the parties' identities from intake and send ``review.requested``."""
    intake = ctx.intake
    assert intake is not None

    async def call(review: Any) -> Any:
        gathered = await gather(intake, case_id=review.case_id, purpose=PURPOSE_REVIEW)
        async with ctx.database().transaction(read_only=True) as session:
            record_ = await session.get(CaseRecord, review.case_id)
            proceeding_id = record_.proceeding_id if record_ is not None else None
        # The signed 调解协议书 and the 仲裁审查确认申请书.
        documents = await handed_over(ctx.documents, proceeding_id=proceeding_id, ensure=reviews.REVIEW_DOCUMENTS)
        return gathered, documents

    async def record(session: AsyncSession, result: Any) -> None:
        (_case, applicants, respondents), documents = result
        await reviews.mark_requested(
            session=session,
            review_id=review_id,
            applicants=applicants,
            respondents=respondents,
            cipher=ctx.cipher,
            generated=documents,
            **ctx.settings.document_links,
        )

    outcome = await attempt(
        ctx.database(),
        ctx.settings,
        model=Review,
        row_id=review_id,
        ready=lambda review: review.state == "preparing",
        call=call,
        record=record,
        wake=WORK_WAKE,
    )
    return {"done": "requested"}.get(outcome, outcome)


async def flag_overdue(ctx: ArbitrationContext) -> int:
    """Transfers past their 5 days without a decision: flagged once (``arbitration.transfer.overdue``)."""
    today = china_today()
    async with ctx.database().transaction(read_only=True) as session:
        due = (
            await session.execute(
                select(col(Transfer.id))
                .where(
                    col(Transfer.state) == "requested",
                    col(Transfer.due_on) < today,
                    col(Transfer.overdue_flagged_at).is_(None),
                )
                .limit(1)
            )
        ).first()
    if due is None:
        return 0
    flagged = 0
    async with ctx.database().transaction() as session:
        flagged = await transfers.flag_overdue(session=session, today=today)
    return flagged


def steps(ctx: ArbitrationContext) -> Sequence[Step]:
    def preparing(
        model: Any, state_column: str, at_column: str, work: Callable[[ArbitrationContext, str], Awaitable[str]]
    ) -> Step:
        async def step() -> float | None:
            return await each_due(
                ctx.database(),
                model,
                state_column=state_column,
                state="preparing",
                at_column=at_column,
                work=lambda row_id: work(ctx, row_id),
                poll_seconds=ctx.settings.worker_poll_seconds,
            )

        return step

    async def register_due() -> float | None:
        return await referrals.register_due(ctx)

    async def accept_due() -> None:
        await referrals.accept_ready(ctx, when_due_actor="auto: due day")

    async def flag_due() -> None:
        await flag_overdue(ctx)

    return [
        register_due,
        preparing(Referral, "result_parties_state", "result_next_attempt_at", send_referral_result),
        preparing(Transfer, "state", "next_attempt_at", prepare_transfer),
        preparing(Review, "state", "next_attempt_at", prepare_review),
        accept_due,
        flag_due,
    ]
