"""The skeleton of a bridge's background work: one loop per process running the bridge's steps in
order, woken after a commit that flagged work (``session.info[wake_flag] = True``) or every
``worker_poll_seconds``; and the one pattern every step follows (``attempt``).

Each step reads in a short session, talks HTTP with no transaction open, and records the answer in
another short transaction that re-checks the row's state first, so two replicas doing the same work
at once cause no second effect. A restart loses nothing: what is pending is a column, not a queue
in memory.

The loop itself (wake, poll, stop) is kept in this one class so that moving it onto the kit's one
``Worker`` base (issue 17) is one edit here.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from onewindow_kit.bridge.casefile import IntakeError
from onewindow_kit.db import Database, utcnow
from onewindow_kit.idempotency import purge_expired
from onewindow_kit.waiting import wait_event

log = logging.getLogger("onewindow_kit.bridge.worker")

T = TypeVar("T")
Step = Callable[[], Awaitable[object]]
PURGE_EVERY_SECONDS = 3600


class RetrySettings(Protocol):
    retry_base_seconds: float
    retry_max_seconds: float


def backoff(settings: RetrySettings, attempts: int) -> float:
    """Seconds before the next try: doubling from ``retry_base_seconds`` up to ``retry_max_seconds``, ±20 %."""
    base, cap = settings.retry_base_seconds, settings.retry_max_seconds
    return float(min(cap, base * 2 ** max(0, attempts - 1)) * random.uniform(0.8, 1.2))


async def due_ids(
    session: AsyncSession, model: Any, *, state_column: str, state: str, at_column: str, now: datetime, limit: int = 50
) -> list[str]:
    """Ids of ``model`` rows in ``state`` whose next attempt is due, the longest waiting first."""
    at = getattr(model, at_column)
    query = select(model.id).where(getattr(model, state_column) == state, at <= now).order_by(at).limit(limit)
    return [str(row_id) for row_id in (await session.execute(query)).scalars().all()]


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
            else:
                on_refused(row, exc)
        return "retry" if exc.retry or on_refused is None else "refused"
    async with db.transaction() as session:
        await record(session, result)
    return "done"


class WorkerSettings(RetrySettings, Protocol):
    worker_poll_seconds: float


class BridgeWorker:
    """Runs ``steps`` one after the other, then sleeps until woken or ``worker_poll_seconds`` pass;
    purges expired idempotency records once an hour."""

    def __init__(
        self, *, name: str, db: Callable[[], Database], settings: WorkerSettings, wake_flag: str, steps: Sequence[Step]
    ) -> None:
        self.name = name
        self._db = db  # the process's database, known once the app has started
        self.settings = settings
        self.wake_flag = wake_flag
        self.steps = list(steps)
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._last_purge = 0.0

    def after_commit(self, session: object) -> None:
        if getattr(session, "info", {}).pop(self.wake_flag, False):
            self.wake()

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name=f"{self.name}:worker")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _loop(self) -> None:
        while True:
            try:
                await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("bridge worker pass failed", extra={"worker": self.name})
            await wait_event(self._wake, self.settings.worker_poll_seconds)
            self._wake.clear()

    async def run_once(self) -> None:
        """One pass over everything that is due."""
        for step in self.steps:
            await step()
        loop_time = asyncio.get_running_loop().time()
        if loop_time - self._last_purge > PURGE_EVERY_SECONDS:
            self._last_purge = loop_time
            await purge_expired(self._db())
