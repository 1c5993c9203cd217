"""The deliverer: signed webhooks to partners, in order per stream, at least once, never dropped.

Like the event relay (``events/relay.py``): one kit ``Worker`` lane per partner, so a partner that is
down delays only its own messages; HTTP is never awaited inside a database transaction; on
PostgreSQL a session-level advisory lock per partner makes one replica its deliverer at a time. A
supervisor worker starts a lane for each partner with pending messages; all of them sleep until a
commit that enqueued wakes them (``WEBHOOKS_WAKE``), a retry falls due, or a long idle timeout.

Within a partner, each *stream* (e.g. one referral) is a queue: only its oldest undelivered message
is tried, so a partner sees a referral's events in order; different streams go out concurrently
(up to ``max_concurrency``). A failed attempt — any answer but 2xx, a timeout, a refused or guarded
connection — is retried after the configured schedule (5 s, 5 min … 24 h by default); after the last
one the message is ``failed``: kept, shown to administrators, and replayable. A failed message holds
the messages behind it in its stream (order is the contract), never the other streams.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from opentelemetry.trace import SpanKind, Status, StatusCode
from sqlalchemy import select

from onewindow_kit import metrics
from onewindow_kit.crypto import FieldCipher
from onewindow_kit.db import Database, utcnow
from onewindow_kit.partners.models import Partner
from onewindow_kit.partners.service import valid_secrets
from onewindow_kit.tracing import Tracing, current_traceparent
from onewindow_kit.webhooks.guard import AddressGuard, UrlRefused, guarded_client
from onewindow_kit.webhooks.models import WebhookAttempt, WebhookMessage
from onewindow_kit.webhooks.outbox import WEBHOOKS_WAKE, message_body
from onewindow_kit.webhooks.settings import WebhookSettings
from onewindow_kit.webhooks.signing import signed_headers
from onewindow_kit.worker import Worker, WorkerMetrics
from onewindow_kit.worker import advisory_key as worker_advisory_key

log = logging.getLogger("onewindow.webhooks")

SNIPPET_BYTES = 1024


IDLE = float("inf")  # _deliver: nothing pending for the partner


def advisory_key(service: str, partner_id: str) -> int:
    return worker_advisory_key("webhooks", service, partner_id)


@dataclass(frozen=True)
class AttemptResult:
    started_at: datetime
    status_code: int | None
    latency_ms: int
    error: str | None

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def held_reason(partner: Partner | None, secrets: Sequence[str]) -> str | None:
    """Why a partner's messages are not being sent (they wait, they are not dropped)."""
    if partner is None:
        return "partner is not registered"
    if not partner.active:
        return "partner is disabled"
    if not partner.webhook_url:
        return "partner has no webhook URL"
    if not secrets:
        return "partner has no valid secret"
    return None


def stream_heads(messages: Sequence[WebhookMessage], blocked: set[str]) -> list[WebhookMessage]:
    """The oldest pending message of every stream that no failed message holds."""
    seen = set(blocked)
    heads = []
    for message in messages:
        if message.stream_key in seen:
            continue
        seen.add(message.stream_key)
        heads.append(message)
    return heads


class WebhookDispatcher:
    """Start it in the service's startup hook; a commit that enqueued wakes it (``WEBHOOKS_WAKE``)."""

    def __init__(
        self,
        *,
        db: Database,
        service: str,
        settings: WebhookSettings,
        cipher: FieldCipher | None = None,
        guard: AddressGuard | None = None,
        client: httpx.AsyncClient | None = None,
        user_agent: str = "OneWindow-Webhooks/1.0",
        metrics: WorkerMetrics | None = None,
        tracing: Tracing | None = None,
    ) -> None:
        self.db = db
        self.service = service
        self.tracing = tracing or Tracing(service)
        self.settings = settings
        self.cipher = cipher
        self.guard = guard or AddressGuard(
            require_https=settings.require_https,
            allowed_hosts=settings.allowed_hosts,
            allowed_networks=settings.allowed_networks,
        )
        self._owns_client = client is None
        self.client = client or guarded_client(self.guard, timeout=settings.timeout_seconds)
        self.user_agent = user_agent
        self.metrics = metrics
        self._lanes: dict[str, _PartnerLane] = {}
        self._supervisor = _Supervisor(self)

    # -- lifecycle ------------------------------------------------------------------------------

    def wake(self) -> None:
        """Deliver now (commits that enqueue wake the dispatcher themselves, via ``WEBHOOKS_WAKE``)."""
        self._supervisor.wake()
        for lane in self._lanes.values():
            lane.wake()

    def start(self) -> None:
        self._supervisor.start()

    async def stop(self) -> None:
        await self._supervisor.stop()
        await asyncio.gather(*(lane.stop() for lane in self._lanes.values()))
        self._lanes.clear()
        if self._owns_client:
            await self.client.aclose()

    def health(self) -> list[dict[str, object]]:
        return [self._supervisor.health(), *(lane.health() for lane in self._lanes.values())]

    async def _start_lanes(self) -> None:
        """One lane per partner with pending messages (started once, then it wakes on work)."""
        for partner_id in await self.partners_with_pending():
            lane = self._lanes.get(partner_id)
            if lane is None:
                lane = self._lanes[partner_id] = _PartnerLane(self, partner_id)
            if not lane.running:
                lane.start()

    async def partners_with_pending(self) -> list[str]:
        async with self.db.transaction(read_only=True) as session:
            rows = await session.execute(
                select(WebhookMessage.partner_id).where(WebhookMessage.status == "pending").distinct()
            )
            return [r[0] for r in rows]

    # -- one pass -------------------------------------------------------------------------------

    async def deliver_once(self, partner_id: str) -> float | None:
        """Try every stream head that is due. Returns seconds to wait, or None to go on at once."""
        wait = await self._deliver(partner_id)
        return self.settings.poll_seconds if wait == IDLE else wait

    async def _deliver(self, partner_id: str) -> float | None:
        """``deliver_once``, telling "nothing pending" (``IDLE``) apart."""
        poll = self.settings.poll_seconds
        async with self.db.transaction(read_only=True) as session:
            messages = (
                (
                    await session.execute(
                        select(WebhookMessage)
                        .where(WebhookMessage.partner_id == partner_id, WebhookMessage.status == "pending")
                        .order_by(WebhookMessage.id)
                        .limit(self.settings.batch_size)
                    )
                )
                .scalars()
                .all()
            )
            if not messages:
                return IDLE
            blocked = set(
                (
                    await session.execute(
                        select(WebhookMessage.stream_key)
                        .where(WebhookMessage.partner_id == partner_id, WebhookMessage.status == "failed")
                        .distinct()
                    )
                ).scalars()
            )
            partner = await session.get(Partner, partner_id)
            secrets = await valid_secrets(session=session, partner_id=partner_id, cipher=self.cipher) if partner else []
        # The transaction is over: none is open while we talk HTTP.
        if held_reason(partner, secrets):
            return poll * 5
        assert partner is not None and partner.webhook_url
        now = utcnow()
        heads = stream_heads(messages, blocked)
        due = [m for m in heads if m.next_attempt_at <= now]
        lag = max([(now - m.next_attempt_at).total_seconds() for m in due], default=0.0)
        metrics.WORKER_LAG.labels(self.service, f"webhooks:{partner_id}").set(lag)
        if not due:
            waits = [(m.next_attempt_at - now).total_seconds() for m in heads]
            return min([poll * 5, *waits]) if waits else poll * 5
        semaphore = asyncio.Semaphore(self.settings.max_concurrency)
        url = partner.webhook_url

        async def one(message: WebhookMessage) -> None:
            async with semaphore:
                result = await self.attempt(url=url, secrets=secrets, message=message)
                outcome = await self.record(message=message, url=url, result=result)
                metrics.WEBHOOK_ATTEMPTS.labels(self.service, partner_id, outcome).inc()

        await asyncio.gather(*(one(m) for m in due))
        return None

    async def attempt(self, *, url: str, secrets: Sequence[str], message: WebhookMessage) -> AttemptResult:
        """One signed POST (no database work here), in a CLIENT span continuing the trace that
        enqueued the message (``message.traceparent``); the partner receives this span's
        ``traceparent``. The URL is not an attribute (a partner's URL may carry a token)."""
        attributes = {
            "onewindow.partner_id": message.partner_id,
            "onewindow.webhook_id": message.msg_id,
            "onewindow.event_type": message.event_type,
        }
        with self.tracing.span(
            f"webhook {message.event_type}",
            kind=SpanKind.CLIENT,
            traceparent=message.traceparent,
            attributes=attributes,
        ) as span:
            result = await self._attempt(url=url, secrets=secrets, message=message)
            if span is not None:
                if result.status_code is not None:
                    span.set_attribute("http.response.status_code", result.status_code)
                if not result.delivered:
                    span.set_status(Status(StatusCode.ERROR))
            return result

    async def _attempt(self, *, url: str, secrets: Sequence[str], message: WebhookMessage) -> AttemptResult:
        started = utcnow()
        clock = time.monotonic()
        body = message_body(message, self.cipher).encode()
        headers = signed_headers(msg_id=message.msg_id, timestamp=int(time.time()), body=body, secrets=secrets)
        headers["user-agent"] = self.user_agent
        traceparent = current_traceparent()
        if traceparent:
            headers["traceparent"] = traceparent

        def done(code: int | None, error: str | None) -> AttemptResult:
            return AttemptResult(started, code, int((time.monotonic() - clock) * 1000), error[:500] if error else None)

        try:
            await self.guard.check_url(url)
            async with asyncio.timeout(self.settings.timeout_seconds):
                request = self.client.build_request("POST", url, content=body, headers=headers)
                response = await self.client.send(request, stream=True)
                try:
                    snippet = b""
                    async for chunk in response.aiter_bytes():
                        snippet += chunk
                        if len(snippet) >= SNIPPET_BYTES:
                            break
                finally:
                    await response.aclose()
        except UrlRefused as exc:
            return done(None, f"refused by the outbound guard: {exc.message}")
        except TimeoutError:
            return done(None, f"no answer within {self.settings.timeout_seconds:g} s")
        except httpx.HTTPError as exc:
            return done(None, f"{type(exc).__name__}: {exc}")
        if 200 <= response.status_code < 300:
            return done(response.status_code, None)
        text_ = snippet[:300].decode("utf-8", "replace")
        return done(response.status_code, f"HTTP {response.status_code}: {text_}")

    def retry_delay(self, failures: int) -> float | None:
        """Seconds before the next attempt after ``failures`` failures in a row, None when none is left."""
        schedule = self.settings.retry_schedule_seconds
        if failures > len(schedule):
            return None
        jitter = self.settings.retry_jitter
        return schedule[failures - 1] * (random.uniform(1 - jitter, 1 + jitter) if jitter else 1.0)

    async def record(self, *, message: WebhookMessage, url: str, result: AttemptResult) -> str:
        """Write the attempt and the message's new state in one short transaction; the outcome."""
        now = utcnow()
        async with self.db.transaction() as session:
            current = await session.get(WebhookMessage, message.id)
            if current is None:
                return "gone"
            current.attempts += 1
            current.last_attempt_at = result.started_at
            current.last_status_code = result.status_code
            current.last_error = result.error
            if result.delivered:
                outcome = "delivered"
                current.status, current.delivered_at = "delivered", now
            else:
                current.round_failures += 1
                delay = self.retry_delay(current.round_failures)
                if delay is None:
                    outcome = "failed"
                    current.status, current.failed_at = "failed", now
                    log.error(
                        "webhook failed after the last retry; kept for replay",
                        extra={"event_type": current.event_type, "status": result.status_code},
                    )
                else:
                    outcome = "retry"
                    current.next_attempt_at = now + timedelta(seconds=delay)
                    log.warning(
                        "webhook attempt failed; retrying in %.1fs: %s",
                        delay,
                        result.error,
                        extra={"event_type": current.event_type, "status": result.status_code},
                    )
            session.add(
                WebhookAttempt(
                    message_id=current.id or 0,
                    attempt_no=current.attempts,
                    started_at=result.started_at,
                    url=url,
                    status_code=result.status_code,
                    latency_ms=result.latency_ms,
                    error=result.error,
                    outcome=outcome,
                )
            )
        return outcome


class _Supervisor(Worker):
    def __init__(self, dispatcher: WebhookDispatcher) -> None:
        settings = dispatcher.settings
        super().__init__(
            name=f"webhooks:{dispatcher.service}",
            db=dispatcher.db,
            signals=(WEBHOOKS_WAKE,),
            poll_seconds=settings.poll_seconds * 5,
            idle_seconds=settings.idle_seconds,
            backoff_base=settings.poll_seconds,
            backoff_max=settings.poll_seconds * 30,
            metrics=dispatcher.metrics,
        )
        self.dispatcher = dispatcher

    async def run_once(self) -> float | None:
        await self.dispatcher._start_lanes()
        return None


class _PartnerLane(Worker):
    def __init__(self, dispatcher: WebhookDispatcher, partner_id: str) -> None:
        settings = dispatcher.settings
        super().__init__(
            name=f"webhooks:{dispatcher.service}:{partner_id}",
            db=dispatcher.db,
            signals=(WEBHOOKS_WAKE,),
            poll_seconds=settings.poll_seconds,
            idle_seconds=settings.idle_seconds,
            backoff_base=settings.poll_seconds,
            backoff_max=settings.poll_seconds * 30,
            lock_key=advisory_key(dispatcher.service, partner_id),
            metrics=dispatcher.metrics,
        )
        self.dispatcher = dispatcher
        self.partner_id = partner_id

    async def run_once(self) -> float | None:
        wait = await self.dispatcher._deliver(self.partner_id)
        if wait is None:
            return 0
        return None if wait == IDLE else wait
