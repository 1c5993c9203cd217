"""The bridge's background work, in one loop per process:

- register referrals at intake that could not be registered when they arrived (intake down, slow,
  busy): a restart loses nothing, because the pending state is a column, not a queue in memory;
- send failed and expired referral results with the parties' service addresses (read from intake);
- prepare transfers and reviews: read the case file and the parties' identities from intake, then
  send ``transfer.requested`` / ``review.requested``;
- flag transfers the commission has not decided within its 5 working days (once each; 办案规则 第30条、第80条);
- accept referrals nobody decided on their due day (when configured).

Each step reads in a short session, talks HTTP with no transaction open, and records the answer in
another short transaction with a conditional update, so two replicas doing the same work at once
cause no second effect (intake's Idempotency-Key covers the registration itself).
"""

from __future__ import annotations

import asyncio
import logging
import random
from datetime import timedelta
from typing import Any

from onewindow_domain.calendar import china_today
from onewindow_kit.db import utcnow
from onewindow_kit.errors import Conflict
from onewindow_kit.idempotency import purge_expired
from onewindow_kit.worker import WakeSignal, Worker, soonest, split_due
from sqlalchemy import select

from arbitration_bridge.casefile.client import IntakeError
from arbitration_bridge.casefile.service import gather
from arbitration_bridge.context import ArbitrationContext
from arbitration_bridge.referrals.models import Referral
from arbitration_bridge.referrals.service import (
    accept_referral,
    complete_registration,
    intake_case_body,
    open_payload,
    send_result,
)
from arbitration_bridge.reviews import service as reviews
from arbitration_bridge.reviews.models import Review
from arbitration_bridge.transfers import service as transfers
from arbitration_bridge.transfers.models import Transfer

log = logging.getLogger("arbitration_bridge.worker")

WORK_WAKE = WakeSignal("arbitration_work")  # marked where work is written; wakes the worker after the commit
PAGE = 50  # items of one kind per pass
PURPOSE_RESULT = "仲裁院先行调解不成，向仲裁院反馈当事人送达地址"
PURPOSE_TRANSFER = "调解不成转仲裁，向仲裁院移送当事人身份信息"
PURPOSE_REVIEW = "仲裁审查确认申请（向仲裁院提交当事人身份信息）"


def backoff(ctx: ArbitrationContext, attempts: int) -> float:
    base, cap = ctx.settings.retry_base_seconds, ctx.settings.retry_max_seconds
    return min(cap, base * 2 ** max(0, attempts - 1)) * random.uniform(0.8, 1.2)


async def register_referral(ctx: ArbitrationContext, referral_id: str) -> str:
    """Register one pending referral at intake: ``registered``, ``retry``, ``rejected`` or ``skipped``."""
    db = ctx.db
    async with db.transaction(read_only=True) as session:
        referral = await session.get(Referral, referral_id)
        if referral is None or referral.case_state != "pending" or referral.case_id is not None:
            return "skipped"
        body = intake_case_body(referral, open_payload(referral, ctx.cipher))
        center_id = referral.center_id
    assert ctx.intake is not None
    try:
        case = await ctx.intake.register_case(
            center_id=center_id, body=body, idempotency_key=f"arbitration-referral:{referral_id}"
        )
    except IntakeError as exc:
        async with db.transaction() as session:
            referral = await session.get(Referral, referral_id)
            if referral is None or referral.case_state != "pending":
                return "skipped"
            referral.case_attempts += 1
            referral.case_last_error = exc.message[:500]
            if exc.retry:
                referral.case_next_attempt_at = utcnow() + timedelta(seconds=backoff(ctx, referral.case_attempts))
                WORK_WAKE.mark(session)  # the worker learns when the retry is due
            else:
                referral.case_state = "rejected"
                log.error(
                    "intake refused to register a referred case; an administrator must look",
                    extra={"status": exc.status},
                )
        return "retry" if exc.retry else "rejected"
    async with db.transaction() as session:
        await complete_registration(session=session, referral_id=referral_id, case_id=case.id, case_no=case.case_no)
        WORK_WAKE.mark(session)  # the worker accepts it (after the commission has its 201)
    return "registered"


async def send_referral_result(ctx: ArbitrationContext, referral_id: str) -> str:
    """Read the parties' service addresses from intake and send the failed/expired result."""
    db = ctx.db
    async with db.transaction(read_only=True) as session:
        referral = await session.get(Referral, referral_id)
        if referral is None or referral.result_parties_state != "preparing":
            return "skipped"
        case_id = referral.case_id
    assert ctx.intake is not None
    try:
        if case_id is None:
            raise IntakeError("the case was never registered at intake", retry=False)
        _case, applicants, respondents = await gather(ctx.intake, case_id=case_id, purpose=PURPOSE_RESULT)
    except IntakeError as exc:
        if not exc.retry:
            # Intake cannot tell (e.g. the case is gone): the addresses the commission sent us serve.
            applicants, respondents = await referral_parties(ctx, referral_id)
        else:
            async with db.transaction() as session:
                referral = await session.get(Referral, referral_id)
                if referral is None or referral.result_parties_state != "preparing":
                    return "skipped"
                referral.result_attempts += 1
                referral.result_last_error = exc.message[:500]
                referral.result_next_attempt_at = utcnow() + timedelta(seconds=backoff(ctx, referral.result_attempts))
                WORK_WAKE.mark(session)  # the worker learns when the retry is due
            return "retry"
    async with db.transaction() as session:
        await send_result(
            session=session, referral_id=referral_id, applicants=applicants, respondents=respondents, cipher=ctx.cipher
        )
    return "sent"


async def referral_parties(
    ctx: ArbitrationContext, referral_id: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The parties as the commission sent them (the fallback when intake cannot answer for the case)."""
    async with ctx.db.transaction(read_only=True) as session:
        referral = await session.get(Referral, referral_id)
        assert referral is not None
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


async def prepare_transfer(ctx: ArbitrationContext, transfer_id: str) -> str:
    """Read the case file and identities from intake and send ``transfer.requested``."""
    db = ctx.db
    async with db.transaction(read_only=True) as session:
        transfer = await session.get(Transfer, transfer_id)
        if transfer is None or transfer.state != "preparing":
            return "skipped"
        case_id = transfer.case_id
    assert ctx.intake is not None
    try:
        case, applicants, respondents = await gather(ctx.intake, case_id=case_id, purpose=PURPOSE_TRANSFER)
    except IntakeError as exc:
        async with db.transaction() as session:
            transfer = await session.get(Transfer, transfer_id)
            if transfer is None or transfer.state != "preparing":
                return "skipped"
            transfer.attempts += 1
            transfer.last_error = exc.message[:500]
            transfer.next_attempt_at = utcnow() + timedelta(seconds=backoff(ctx, transfer.attempts))
            WORK_WAKE.mark(session)  # the worker learns when the retry is due
        return "retry"
    async with db.transaction() as session:
        await transfers.mark_requested(
            session=session,
            transfer_id=transfer_id,
            case=case,
            applicants=applicants,
            respondents=respondents,
            cipher=ctx.cipher,
        )
    return "requested"


async def prepare_review(ctx: ArbitrationContext, review_id: str) -> str:
    """Read the parties' identities from intake and send ``review.requested``."""
    db = ctx.db
    async with db.transaction(read_only=True) as session:
        review = await session.get(Review, review_id)
        if review is None or review.state != "preparing":
            return "skipped"
        case_id = review.case_id
    assert ctx.intake is not None
    try:
        _case, applicants, respondents = await gather(ctx.intake, case_id=case_id, purpose=PURPOSE_REVIEW)
    except IntakeError as exc:
        async with db.transaction() as session:
            review = await session.get(Review, review_id)
            if review is None or review.state != "preparing":
                return "skipped"
            review.attempts += 1
            review.last_error = exc.message[:500]
            review.next_attempt_at = utcnow() + timedelta(seconds=backoff(ctx, review.attempts))
            WORK_WAKE.mark(session)  # the worker learns when the retry is due
        return "retry"
    async with db.transaction() as session:
        await reviews.mark_requested(
            session=session, review_id=review_id, applicants=applicants, respondents=respondents, cipher=ctx.cipher
        )
    return "requested"


async def accept_ready(ctx: ArbitrationContext) -> int:
    """Accept registered referrals nobody has decided: all of them with ``auto_accept``, otherwise
    those whose agreed working days end today (with ``auto_accept_when_due``)."""
    settings = ctx.settings
    if not settings.auto_accept and not settings.auto_accept_when_due:
        return 0
    ready = [Referral.status == "received", Referral.case_state == "registered"]
    if not settings.auto_accept:
        ready.append(Referral.accept_due_on <= china_today())
    async with ctx.db.transaction(read_only=True) as session:
        if not (await session.execute(select(Referral.id).where(*ready).limit(1))).first():
            return 0
    accepted = 0
    async with ctx.db.transaction() as session:
        rows = await session.execute(
            select(Referral).where(*ready).order_by(Referral.created_at).limit(100).with_for_update(skip_locked=True)
        )  # a clerk or an event may hold one now
        for referral in rows.scalars().all():
            try:
                await accept_referral(
                    session=session,
                    referral=referral,
                    principal=None,
                    cipher=ctx.cipher,
                    actor="auto" if settings.auto_accept else "auto: due day",
                )
                accepted += 1
            except Conflict:
                continue
    return accepted


async def flag_overdue(ctx: ArbitrationContext) -> int:
    """Transfers past their 5 working days without a decision: flagged once (``arbitration.transfer.overdue``)."""
    today = china_today()
    async with ctx.db.transaction(read_only=True) as session:
        due = (
            await session.execute(
                select(Transfer.id)
                .where(Transfer.state == "requested", Transfer.due_on < today, Transfer.overdue_flagged_at.is_(None))
                .limit(1)
            )
        ).first()
    if due is None:
        return 0
    flagged = 0
    async with ctx.db.transaction() as session:
        flagged = await transfers.flag_overdue(session=session, today=today)
    return flagged


class BridgeWorker(Worker):
    """The bridge's background pass, on the kit's ``Worker``: woken by ``WORK_WAKE`` commits."""

    def __init__(self, ctx: ArbitrationContext) -> None:
        settings = ctx.settings
        super().__init__(
            name="arbitration-bridge:worker",
            db=ctx.db,
            signals=(WORK_WAKE,),
            poll_seconds=settings.worker_poll_seconds,
            idle_seconds=settings.worker_idle_seconds,
            backoff_base=settings.worker_poll_seconds,
            backoff_max=settings.retry_max_seconds,
        )
        self.ctx = ctx
        self._last_purge = 0.0

    async def run_once(self) -> float | None:
        """One pass over everything that is due; the seconds until the next item falls due."""
        now = utcnow()
        async with self.ctx.db.transaction(read_only=True) as session:
            referral_ids, referral_ids_wait = split_due(
                (
                    await session.execute(
                        select(Referral.id, Referral.case_next_attempt_at)
                        .where(Referral.case_state == "pending")
                        .order_by(Referral.case_next_attempt_at)
                        .limit(PAGE)
                    )
                ).all(),
                now,
                limit=PAGE,
            )
            result_ids, result_ids_wait = split_due(
                (
                    await session.execute(
                        select(Referral.id, Referral.result_next_attempt_at)
                        .where(Referral.result_parties_state == "preparing")
                        .order_by(Referral.result_next_attempt_at)
                        .limit(PAGE)
                    )
                ).all(),
                now,
                limit=PAGE,
            )
            transfer_ids, transfer_ids_wait = split_due(
                (
                    await session.execute(
                        select(Transfer.id, Transfer.next_attempt_at)
                        .where(Transfer.state == "preparing")
                        .order_by(Transfer.next_attempt_at)
                        .limit(PAGE)
                    )
                ).all(),
                now,
                limit=PAGE,
            )
            review_ids, review_ids_wait = split_due(
                (
                    await session.execute(
                        select(Review.id, Review.next_attempt_at)
                        .where(Review.state == "preparing")
                        .order_by(Review.next_attempt_at)
                        .limit(PAGE)
                    )
                ).all(),
                now,
                limit=PAGE,
            )
        for referral_id in referral_ids:
            await register_referral(self.ctx, referral_id)
        for referral_id in result_ids:
            await send_referral_result(self.ctx, referral_id)
        for transfer_id in transfer_ids:
            await prepare_transfer(self.ctx, transfer_id)
        for review_id in review_ids:
            await prepare_review(self.ctx, review_id)
        await accept_ready(self.ctx)
        await flag_overdue(self.ctx)
        loop_time = asyncio.get_running_loop().time()
        if loop_time - self._last_purge > 3600:
            self._last_purge = loop_time
            await purge_expired(self.ctx.db)
        wait = soonest(referral_ids_wait, result_ids_wait, transfer_ids_wait, review_ids_wait)
        if referral_ids or result_ids or transfer_ids or review_ids:
            # what was tried has its next attempt written now: look again soon
            wait = soonest(wait, self.poll_seconds)
        return wait
