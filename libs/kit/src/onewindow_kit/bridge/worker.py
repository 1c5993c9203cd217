"""The bridge's background work on the kit's one ``Worker`` base (``onewindow_kit.worker``): one
loop per process running the bridge's steps in order, woken after a commit that marked the bridge's
``WakeSignal`` (``WORK_WAKE.mark(session)``), or when the soonest retry a step reported falls due;
and the one pattern every step follows (``attempt``).

Each step reads in a short session, talks HTTP with no transaction open, and records the answer in
another short transaction that re-checks the row's state first, so two replicas doing the same work
at once cause no second effect. A restart loses nothing: what is pending is a column, not a queue
in memory.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from onewindow_kit.bridge.casefile import IntakeError
from onewindow_kit.db import Database, utcnow
from onewindow_kit.idempotency import purge_expired
from onewindow_kit.worker import WakeSignal, Worker, soonest, split_due

T = TypeVar("T")
Step = Callable[[], Awaitable[float | None]]  # the seconds until its next item is due (None: none)
PURGE_EVERY_SECONDS = 3600
PAGE = 50  # items of one kind per pass


class RetrySettings(Protocol):
    retry_base_seconds: float
    retry_max_seconds: float


def backoff(settings: RetrySettings, attempts: int) -> float:
    """Seconds before the next try: doubling from ``retry_base_seconds`` up to ``retry_max_seconds``, ±20 %."""
    base, cap = settings.retry_base_seconds, settings.retry_max_seconds
    return float(min(cap, base * 2 ** max(0, attempts - 1)) * random.uniform(0.8, 1.2))


async def due_ids(
    session: AsyncSession,
    model: Any,
    *,
    state_column: str,
    state: str,
    at_column: str,
    now: datetime,
    limit: int = PAGE,
) -> tuple[list[str], float | None]:
    """Ids of ``model`` rows in ``state`` whose next attempt is due, the longest waiting first, and
    the seconds until the next one that is not due yet (``split_due``)."""
    at = getattr(model, at_column)
    query = select(model.id, at).where(getattr(model, state_column) == state).order_by(at).limit(limit)
    ids, wait = split_due((await session.execute(query)).all(), now, limit=limit)
    return [str(row_id) for row_id in ids], wait


async def attempt(
    db: Database,
    settings: RetrySettings,
    *,
    model: Any,
    row_id: str,
    ready: Callable[[Any], bool],
    call: Callable[[Any], Awaitable[T]],
    record: Callable[[AsyncSession, T], Awaitable[object]],
    on_refused: Callable[[Any, IntakeError], None] | None = None,
    wake: WakeSignal | None = None,
    attempts: str = "attempts",
    last_error: str = "last_error",
    next_attempt_at: str = "next_attempt_at",
) -> str:
    """One try of one row's work: ``done``, ``retry``, ``refused`` or ``skipped``.

    ``ready(row)`` says whether the row still wants the work (read in a short session; ``call`` gets
    that row, detached, and talks HTTP with no transaction open). An ``IntakeError`` that may pass
    counts an attempt and schedules the next one with back-off; one that will not pass is handed to
    ``on_refused(row, error)`` (which sets the row's state), or retried like the others without one.
    Otherwise ``record(session, result)`` writes the answer in its own transaction."""
    async with db.transaction(read_only=True) as session:
        row = await session.get(model, row_id)
        if row is None or not ready(row):
            return "skipped"
    try:
        result = await call(row)
    except IntakeError as exc:
        async with db.transaction() as session:
            row = await session.get(model, row_id)
            if row is None or not ready(row):
                return "skipped"
            count = getattr(row, attempts) + 1
            setattr(row, attempts, count)
            setattr(row, last_error, exc.message[:500])
            if exc.retry or on_refused is None:
                setattr(row, next_attempt_at, utcnow() + timedelta(seconds=backoff(settings, count)))
                if wake is not None:
                    wake.mark(session)  # the worker learns when the retry is due
            else:
                on_refused(row, exc)
        return "retry" if exc.retry or on_refused is None else "refused"
    async with db.transaction() as session:
        await record(session, result)
    return "done"


class WorkerSettings(RetrySettings, Protocol):
    worker_poll_seconds: float
    worker_idle_seconds: float


class BridgeWorker(Worker):
    """Runs ``steps`` one after the other (each returns the seconds until its next item is due, or
    None); purges expired idempotency records once an hour."""

    def __init__(
        self, *, name: str, db: Database, settings: WorkerSettings, wake: WakeSignal, steps: Sequence[Step]
    ) -> None:
        super().__init__(
            name=f"{name}:worker",
            db=db,
            signals=(wake,),
            poll_seconds=settings.worker_poll_seconds,
            idle_seconds=settings.worker_idle_seconds,
            backoff_base=settings.worker_poll_seconds,
            backoff_max=settings.retry_max_seconds,
        )
        self.database = db
        self.steps = list(steps)
        self._last_purge = 0.0

    async def run_once(self) -> float | None:
        """One pass over everything that is due; the seconds until the next item falls due."""
        waits = [await step() for step in self.steps]
        loop_time = asyncio.get_running_loop().time()
        if loop_time - self._last_purge > PURGE_EVERY_SECONDS:
            self._last_purge = loop_time
            await purge_expired(self.database)
        return soonest(*waits)


async def each_due(
    db: Database,
    model: Any,
    *,
    state_column: str,
    state: str,
    at_column: str,
    work: Callable[[str], Awaitable[object]],
    poll_seconds: float,
) -> float | None:
    """A step: ``work(id)`` for every due row; the seconds until the next one falls due (soon
    again when it tried some: what was tried has its next attempt written now)."""
    async with db.transaction(read_only=True) as session:
        ids, wait = await due_ids(
            session, model, state_column=state_column, state=state, at_column=at_column, now=utcnow()
        )
    for row_id in ids:
        await work(row_id)
    return soonest(wait, poll_seconds) if ids else wait
