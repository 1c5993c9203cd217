"""The relay: delivers outbox rows to subscribers, in order per subscriber, at least once.

One task per subscriber, so a subscriber that is down delays only its own deliveries. A delivery
that fails transiently blocks the ones behind it for that subscriber (order is kept) and is retried
with exponential backoff, forever: after ``stuck_after_attempts`` it is reported as stuck in the
admin view, never dropped. A subscriber that *rejects* an event (4xx other than 408/425/429) marks it
``dead`` — visible and replayable by an admin — so one poison event cannot stop the stream.

HTTP is never awaited inside a database transaction (on SQLite that would hold the write lock).
With PostgreSQL and several replicas, a session-level advisory lock per subscriber makes exactly one
replica the deliverer for that subscriber at a time; on SQLite one process runs one relay. Each
subscriber's lane is a kit ``Worker``: it sleeps until a commit that published an event wakes it
(NOTIFY across replicas on PostgreSQL), or a retry falls due, or a long idle timeout passes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

import httpx
from opentelemetry.trace import SpanKind, Status, StatusCode
from sqlalchemy import bindparam, select, update
from sqlmodel import col

from onewindow_kit import metrics
from onewindow_kit.db import Database, utcnow
from onewindow_kit.errors import UpstreamUnavailable
from onewindow_kit.events.models import OutboxDelivery, OutboxEvent
from onewindow_kit.events.outbox import OUTBOX_WAKE, EventRoutes
from onewindow_kit.tracing import Tracing
from onewindow_kit.worker import Worker, WorkerMetrics, backoff_seconds
from onewindow_kit.worker import advisory_key as worker_advisory_key

log = logging.getLogger("onewindow.relay")

PERMANENT_REJECTIONS = {400, 404, 405, 410, 413, 415, 422}


IDLE = float("inf")  # deliver_batch: nothing pending


def advisory_key(service: str, subscriber: str) -> int:
    return worker_advisory_key("outbox", service, subscriber)


class _RelayLane(Worker):
    """Delivers to one subscriber; on PostgreSQL one replica at a time (advisory lock)."""

    def __init__(self, relay: Relay, subscriber: str, *, idle_seconds: float, metrics: WorkerMetrics | None) -> None:
        super().__init__(
            name=f"relay:{subscriber}",
            db=relay.db,
            signals=(OUTBOX_WAKE,),
            poll_seconds=relay.poll_seconds,
            idle_seconds=idle_seconds,
            backoff_base=relay.poll_seconds,
            backoff_max=relay.poll_seconds * 30,
            lock_key=advisory_key(relay.service, subscriber),
            metrics=metrics,
        )
        self.relay = relay
        self.subscriber = subscriber

    async def run_once(self) -> float | None:
        wait = await self.relay.deliver_batch(self.subscriber)
        if wait is None:
            return 0
        return None if wait == IDLE else wait


class Relay:
    """One :class:`~onewindow_kit.worker.Worker` lane per subscriber, woken by ``OUTBOX_WAKE``."""

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
        idle_seconds: float = 30.0,
        batch_size: int = 50,
        backoff_base: float = 1.0,
        backoff_max: float = 300.0,
        timeout: float = 10.0,
        metrics: WorkerMetrics | None = None,
        tracing: Tracing | None = None,
    ) -> None:
        self.db = db
        self.tracing = tracing or Tracing(service)
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
        # Built once: every commit that publishes wakes each lane, which runs this query; a
        # statement built per call cost more CPU (construction and cache key) than its execution.
        self._pending = (
            select(OutboxDelivery, OutboxEvent)
            .join(OutboxEvent, OutboxEvent.seq == OutboxDelivery.event_seq)
            .where(OutboxDelivery.subscriber == bindparam("subscriber"), OutboxDelivery.status == "pending")
            .order_by(OutboxDelivery.id)
            .limit(batch_size)
        )
        self.lanes = {
            name: _RelayLane(self, name, idle_seconds=idle_seconds, metrics=metrics) for name in routes.subscribers
        }

    def wake(self) -> None:
        """Deliver now rather than at the next poll (commits that publish wake the relay themselves)."""
        for lane in self.lanes.values():
            lane.wake()

    def start(self) -> None:
        for lane in self.lanes.values():
            lane.start()

    async def stop(self) -> None:
        await asyncio.gather(*(lane.stop() for lane in self.lanes.values()))

    def health(self) -> list[dict[str, object]]:
        return [lane.health() for lane in self.lanes.values()]

    async def deliver_batch(self, subscriber: str) -> float | None:
        """Deliver what is due for ``subscriber``. Returns seconds to wait, None for "go on", or
        ``IDLE`` when nothing is pending (the lane then sleeps until an outbox commit wakes it)."""
        async with self.db.transaction(read_only=True) as session:
            rows = (await session.execute(self._pending, {"subscriber": subscriber})).all()
        # Leaving the block ends the transaction: the rows stay loaded (expire_on_commit is off)
        # and no transaction is open while we talk HTTP.
        if not rows:
            metrics.WORKER_LAG.labels(self.service, f"relay:{subscriber}").set(0)
            return IDLE
        now = utcnow()
        head = rows[0][0]
        if head.next_attempt_at > now:
            return (head.next_attempt_at - now).total_seconds()
        metrics.WORKER_LAG.labels(self.service, f"relay:{subscriber}").set((now - head.next_attempt_at).total_seconds())
        delivered: list[tuple[OutboxDelivery, int | None]] = []
        try:
            for delivery, event in rows:
                outcome = await self._post(subscriber, event)
                metrics.EVENT_DELIVERY_ATTEMPTS.labels(self.service, subscriber, outcome[0]).inc()
                if outcome[0] == "delivered":
                    delivered.append((delivery, outcome[1]))  # marked together, below
                    continue
                await self._mark_delivered(delivered)
                delivered = []
                await self._record(delivery, outcome)
                if outcome[0] == "retry":
                    return None  # the head now waits for its backoff; the next batch will see it
        finally:
            # One UPDATE for the run of successes (per status code), not one transaction each: a
            # crash before it only means those events are sent again, which the inbox absorbs.
            await self._mark_delivered(delivered)
        return None

    async def _mark_delivered(self, delivered: list[tuple[OutboxDelivery, int | None]]) -> None:
        if not delivered:
            return
        now = utcnow()
        by_code: dict[int | None, list[int]] = {}
        for delivery, code in delivered:
            assert delivery.id is not None
            by_code.setdefault(code, []).append(delivery.id)
        async with self.db.transaction() as session:
            for code, ids in by_code.items():
                await session.execute(
                    update(OutboxDelivery)
                    .where(col(OutboxDelivery.id).in_(ids), OutboxDelivery.status == "pending")
                    .values(
                        status="delivered",
                        delivered_at=now,
                        attempts=OutboxDelivery.attempts + 1,
                        last_attempt_at=now,
                        last_status_code=code,
                        last_error=None,
                    )
                )
        delivered.clear()

    async def _post(self, subscriber: str, event: OutboxEvent) -> tuple[str, int | None, str | None]:
        """One delivery attempt, in a PRODUCER span that continues the publishing request's trace
        (``event.traceparent``); the POST carries this span's ``traceparent`` to the consumer."""
        attributes = {
            "messaging.system": "onewindow.outbox",
            "messaging.destination.name": subscriber,
            "messaging.message.id": str(event.id),
            "onewindow.event_type": event.type,
        }
        with self.tracing.span(
            f"deliver {event.type}", kind=SpanKind.PRODUCER, traceparent=event.traceparent, attributes=attributes
        ) as span:
            outcome = await self._post_once(subscriber, event)
            if span is not None:
                span.set_attribute("onewindow.outcome", outcome[0])
                if outcome[1] is not None:
                    span.set_attribute("http.response.status_code", outcome[1])
                if outcome[0] != "delivered":
                    span.set_status(Status(StatusCode.ERROR))
            return outcome

    async def _post_once(self, subscriber: str, event: OutboxEvent) -> tuple[str, int | None, str | None]:
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
