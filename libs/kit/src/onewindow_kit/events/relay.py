"""The relay: delivers outbox rows to subscribers, in order per subscriber, at least once.

One task per subscriber, so a subscriber that is down delays only its own deliveries. A delivery
that fails transiently blocks the ones behind it for that subscriber (order is kept) and is retried
with exponential backoff, forever: after ``stuck_after_attempts`` it is reported as stuck in the
admin view, never dropped. A subscriber that *rejects* an event (4xx other than 408/425/429) marks it
``dead`` — visible and replayable by an admin — so one poison event cannot stop the stream.

HTTP is never awaited inside a database transaction (on SQLite that would hold the write lock).
With PostgreSQL and several replicas, a session-level advisory lock per subscriber makes exactly one
replica the deliverer for that subscriber at a time; on SQLite one process runs one relay.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import random
from collections.abc import Awaitable, Callable
from datetime import timedelta

import httpx
from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from onewindow_kit.db import Database, utcnow
from onewindow_kit.errors import UpstreamUnavailable
from onewindow_kit.events.models import OutboxDelivery, OutboxEvent
from onewindow_kit.events.outbox import EventRoutes
from onewindow_kit.waiting import wait_event

log = logging.getLogger("onewindow.relay")

PERMANENT_REJECTIONS = {400, 404, 405, 410, 413, 415, 422}


def backoff_seconds(attempts: int, *, base: float, cap: float) -> float:
    """Exponential backoff with ±20% jitter: base, 2·base, 4·base… capped at ``cap``."""
    delay = min(cap, base * (2 ** max(0, attempts - 1)))
    return delay * random.uniform(0.8, 1.2)


def advisory_key(service: str, subscriber: str) -> int:
    digest = hashlib.sha256(f"outbox:{service}:{subscriber}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class Relay:
    def __init__(
        self,
        *,
        db: Database,
        service: str,
        routes: EventRoutes,
        peers: dict[str, str],
        http: httpx.AsyncClient,
        token: Callable[[], Awaitable[str]],
        invalidate_token: Callable[[], None] = lambda: None,
        poll_seconds: float = 1.0,
        batch_size: int = 50,
        backoff_base: float = 1.0,
        backoff_max: float = 300.0,
        timeout: float = 10.0,
    ) -> None:
        self.db = db
        self.service = service
        self.routes = routes
        self.peers = peers
        self.http = http
        self.token = token
        self.invalidate_token = invalidate_token
        self.poll_seconds = poll_seconds
        self.batch_size = batch_size
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.timeout = timeout
        self._wake: dict[str, asyncio.Event] = {name: asyncio.Event() for name in routes.subscribers}
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = asyncio.Event()

    def wake(self) -> None:
        """Called after a commit that published events: deliver now rather than at the next poll."""
        for event in self._wake.values():
            event.set()

    def start(self) -> None:
        for subscriber in self.routes.subscribers:
            self._tasks.append(asyncio.create_task(self._run(subscriber), name=f"relay:{subscriber}"))

    async def stop(self) -> None:
        self._stopping.set()
        self.wake()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()

    async def _run(self, subscriber: str) -> None:
        while not self._stopping.is_set():
            try:
                if self.db.is_sqlite:
                    await self._deliver_loop(subscriber)
                else:
                    await self._deliver_loop_with_lock(subscriber)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("relay loop for %s failed; restarting", subscriber, extra={"subscriber": subscriber})
                await self._sleep(subscriber, self.poll_seconds * 5)

    async def _deliver_loop_with_lock(self, subscriber: str) -> None:
        key = advisory_key(self.service, subscriber)
        async with self.db.engine.connect() as lock_conn:
            while not self._stopping.is_set():
                got = await self._try_lock(lock_conn, key)
                if got:
                    break
                await self._sleep(subscriber, self.poll_seconds * 5)
            try:
                await self._deliver_loop(subscriber)
            finally:
                await lock_conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                await lock_conn.commit()

    @staticmethod
    async def _try_lock(conn: AsyncConnection, key: int) -> bool:
        result = await conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key})
        got = bool(result.scalar())
        await conn.commit()
        return got

    async def _deliver_loop(self, subscriber: str) -> None:
        while not self._stopping.is_set():
            wait = await self.deliver_batch(subscriber)
            if wait is None:
                continue  # more work right away
            await self._sleep(subscriber, wait)

    async def _sleep(self, subscriber: str, seconds: float) -> None:
        event = self._wake[subscriber]
        await wait_event(event, max(0.01, seconds))
        event.clear()

    async def deliver_batch(self, subscriber: str) -> float | None:
        """Deliver what is due for ``subscriber``. Returns seconds to wait, or None for "go on"."""
        async with self.db.transaction(read_only=True) as session:
            rows = (
                await session.execute(
                    select(OutboxDelivery, OutboxEvent)
                    .join(OutboxEvent, OutboxEvent.seq == OutboxDelivery.event_seq)
                    .where(OutboxDelivery.subscriber == subscriber, OutboxDelivery.status == "pending")
                    .order_by(OutboxDelivery.id)
                    .limit(self.batch_size)
                )
            ).all()
        # Leaving the block ends the transaction: the rows stay loaded (expire_on_commit is off)
        # and no transaction is open while we talk HTTP.
        if not rows:
            return self.poll_seconds
        now = utcnow()
        head = rows[0][0]
        if head.next_attempt_at > now:
            return min(self.poll_seconds * 5, (head.next_attempt_at - now).total_seconds())
        for delivery, event in rows:
            outcome = await self._post(subscriber, event)
            await self._record(delivery, outcome)
            if outcome[0] == "retry":
                return None  # the head now waits for its backoff; the next batch will see it
        return None if len(rows) == self.batch_size else self.poll_seconds

    async def _post(self, subscriber: str, event: OutboxEvent) -> tuple[str, int | None, str | None]:
        url = self.peers.get(subscriber)
        if not url:
            return "retry", None, f"no URL configured for subscriber {subscriber!r}"
        envelope = {
            "id": str(event.id),
            "type": event.type,
            "occurred_at": event.occurred_at.isoformat(),
            "source": event.source,
            "case_id": event.case_id,
            "data": event.data,
            "schema_version": event.schema_version,
        }
        headers = {"x-request-id": event.request_id} if event.request_id else {}
        try:
            headers["authorization"] = f"Bearer {await self.token()}"
            response = await self.http.post(
                f"{url.rstrip('/')}/internal/events", json=envelope, headers=headers, timeout=self.timeout
            )
        except UpstreamUnavailable as exc:
            return "retry", None, f"no service token: {exc.detail}"
        except httpx.HTTPError as exc:
            return "retry", None, f"{type(exc).__name__}: {exc}"[:500]
        if 200 <= response.status_code < 300:
            return "delivered", response.status_code, None
        if response.status_code == 401:
            self.invalidate_token()
        error = response.text[:300]
        if response.status_code in PERMANENT_REJECTIONS:
            return "dead", response.status_code, error
        return "retry", response.status_code, error

    async def _record(self, delivery: OutboxDelivery, outcome: tuple[str, int | None, str | None]) -> None:
        status, code, error = outcome
        now = utcnow()
        values: dict[str, object] = {"last_attempt_at": now, "last_status_code": code, "last_error": error}
        if status == "delivered":
            values |= {"status": "delivered", "delivered_at": now, "attempts": delivery.attempts + 1}
        elif status == "dead":
            values |= {"status": "dead", "attempts": delivery.attempts + 1}
            log.error(
                "subscriber rejected event; marked dead",
                extra={"event_id": str(delivery.event_seq), "subscriber": delivery.subscriber, "status": code},
            )
        else:
            attempts = delivery.attempts + 1
            delay = backoff_seconds(attempts, base=self.backoff_base, cap=self.backoff_max)
            values |= {"attempts": attempts, "next_attempt_at": now + timedelta(seconds=delay)}
            log.warning(
                "delivery failed; retrying in %.1fs", delay, extra={"subscriber": delivery.subscriber, "status": code}
            )
        async with self.db.transaction() as session:
            await session.execute(update(OutboxDelivery).where(OutboxDelivery.id == delivery.id).values(**values))
