"""The bridge's background work, in one loop per process:

- register referrals at intake that could not be registered when they arrived (intake down, slow,
  busy): a restart loses nothing, because the pending state is a column, not a queue in memory;
- prepare 司法确认 applications: read the parties' identities from intake, then send
  ``confirmation.requested``;
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

from onewindow_domain.calendar import china_today
from onewindow_kit.db import utcnow
from onewindow_kit.errors import Conflict
from onewindow_kit.idempotency import purge_expired
from onewindow_kit.worker import WakeSignal, Worker, soonest, split_due
from sqlalchemy import select

from court_bridge.casefile.client import IntakeError
from court_bridge.confirmations.models import ConfirmationApplication
from court_bridge.confirmations.service import confirmation_parties, mark_requested
from court_bridge.context import CourtContext
from court_bridge.referrals.models import Referral
from court_bridge.referrals.service import accept_referral, complete_registration, intake_case_body, open_payload

log = logging.getLogger("court_bridge.worker")

WORK_WAKE = WakeSignal("court_work")  # marked where work is written; wakes the worker after the commit
PAGE = 50  # items of one kind per pass
PII_PURPOSE = "司法确认申请（向法院提交当事人身份信息）"


def backoff(ctx: CourtContext, attempts: int) -> float:
    base, cap = ctx.settings.retry_base_seconds, ctx.settings.retry_max_seconds
    return min(cap, base * 2 ** max(0, attempts - 1)) * random.uniform(0.8, 1.2)


async def register_referral(ctx: CourtContext, referral_id: str) -> str:
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
            center_id=center_id, body=body, idempotency_key=f"court-referral:{referral_id}"
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
        WORK_WAKE.mark(session)  # the worker accepts it (after the court has its 201)
    return "registered"


async def prepare_application(ctx: CourtContext, application_id: str) -> str:
    """Read the parties' identities from intake and send ``confirmation.requested``."""
    db = ctx.db
    async with db.transaction(read_only=True) as session:
        application = await session.get(ConfirmationApplication, application_id)
        if application is None or application.state != "preparing":
            return "skipped"
        case_id = application.case_id
    assert ctx.intake is not None
    try:
        parties = await ctx.intake.case_parties(case_id=case_id)
        identities = await ctx.intake.identities(case_id=case_id, purpose=PII_PURPOSE)
    except IntakeError as exc:
        async with db.transaction() as session:
            application = await session.get(ConfirmationApplication, application_id)
            if application is None or application.state != "preparing":
                return "skipped"
            application.attempts += 1
            application.last_error = exc.message[:500]
            application.next_attempt_at = utcnow() + timedelta(seconds=backoff(ctx, application.attempts))
            WORK_WAKE.mark(session)  # the worker learns when the retry is due
        return "retry"
    applicants, respondents = confirmation_parties(parties, identities)
    async with db.transaction() as session:
        await mark_requested(
            session=session,
            application_id=application_id,
            applicants=applicants,
            respondents=respondents,
            cipher=ctx.cipher,
        )
    return "requested"


async def accept_ready(ctx: CourtContext) -> int:
    """Accept registered referrals nobody has decided: all of them with ``auto_accept``, otherwise
    those whose 3 working days end today (with ``auto_accept_when_due``: the court is owed an answer)."""
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
                    actor="auto" if settings.auto_accept else "auto: 3 working days",
                )
                accepted += 1
            except Conflict:
                continue
    return accepted


class BridgeWorker(Worker):
    """The bridge's background pass, on the kit's ``Worker``: woken by ``WORK_WAKE`` commits."""

    def __init__(self, ctx: CourtContext) -> None:
        settings = ctx.settings
        super().__init__(
            name="court-bridge:worker",
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
            application_ids, application_ids_wait = split_due(
                (
                    await session.execute(
                        select(ConfirmationApplication.id, ConfirmationApplication.next_attempt_at)
                        .where(ConfirmationApplication.state == "preparing")
                        .order_by(ConfirmationApplication.next_attempt_at)
                        .limit(PAGE)
                    )
                ).all(),
                now,
                limit=PAGE,
            )
        for referral_id in referral_ids:
            await register_referral(self.ctx, referral_id)
        for application_id in application_ids:
            await prepare_application(self.ctx, application_id)
        await accept_ready(self.ctx)
        loop_time = asyncio.get_running_loop().time()
        if loop_time - self._last_purge > 3600:
            self._last_purge = loop_time
            await purge_expired(self.ctx.db)
        wait = soonest(referral_ids_wait, application_ids_wait)
        if referral_ids or application_ids:
            # what was tried has its next attempt written now: look again soon
            wait = soonest(wait, self.poll_seconds)
        return wait
