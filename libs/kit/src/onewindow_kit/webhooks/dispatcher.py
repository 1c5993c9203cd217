"""The deliverer: signed webhooks to partners, in order per stream, at least once, never dropped.

Like the event relay (``events/relay.py``): one asyncio task per partner, so a partner that is down
delays only its own messages; HTTP is never awaited inside a database transaction; on PostgreSQL a
session-level advisory lock per partner makes one replica its deliverer at a time.

Within a partner, each *stream* (e.g. one referral) is a queue: only its oldest undelivered message
is tried, so a partner sees a referral's events in order; different streams go out concurrently
(up to ``max_concurrency``). A failed attempt — any answer but 2xx, a timeout, a refused or guarded
connection — is retried after the configured schedule (5 s, 5 min … 24 h by default); after the last
one the message is ``failed``: kept, shown to administrators, and replayable. A failed message holds
the messages behind it in its stream (order is the contract), never the other streams.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from onewindow_kit.crypto import FieldCipher
from onewindow_kit.db import Database, utcnow
from onewindow_kit.partners.models import Partner
from onewindow_kit.partners.service import valid_secrets
from onewindow_kit.waiting import wait_event
from onewindow_kit.webhooks.guard import AddressGuard, UrlRefused, guarded_client
from onewindow_kit.webhooks.models import WebhookAttempt, WebhookMessage
from onewindow_kit.webhooks.outbox import WAKE_FLAG, message_body
from onewindow_kit.webhooks.settings import WebhookSettings
from onewindow_kit.webhooks.signing import signed_headers

log = logging.getLogger("onewindow.webhooks")

SNIPPET_BYTES = 1024


def advisory_key(service: str, partner_id: str) -> int:
    digest = hashlib.sha256(f"webhooks:{service}:{partner_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


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
    """Start it in the service's startup hook; ``after_commit`` wakes it when a commit enqueued."""

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
    ) -> None:
        self.db = db
        self.service = service
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
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._wake: dict[str, asyncio.Event] = {}
        self._supervisor_wake = asyncio.Event()
        self._supervisor: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    # -- lifecycle ------------------------------------------------------------------------------

    def after_commit(self, session: object) -> None:
        """``Database.on_after_commit`` hook: deliver now rather than at the next poll."""
        info = getattr(session, "info", {})
        if info.pop(WAKE_FLAG, False):
            self.wake()

    def wake(self) -> None:
        self._supervisor_wake.set()
        for event in self._wake.values():
            event.set()

    def start(self) -> None:
        self._stopping.clear()
        self._supervisor = asyncio.create_task(self._supervise(), name="webhooks:supervisor")

    async def stop(self) -> None:
        self._stopping.set()
        tasks = [t for t in (self._supervisor, *self._tasks.values()) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks.clear()
        self._supervisor = None
        if self._owns_client:
            await self.client.aclose()

    async def _supervise(self) -> None:
        while not self._stopping.is_set():
            try:
                for partner_id in await self.partners_with_pending():
                    task = self._tasks.get(partner_id)
                    if task is None or task.done():
                        self._wake.setdefault(partner_id, asyncio.Event())
                        self._tasks[partner_id] = asyncio.create_task(
                            self._run(partner_id), name=f"webhooks:{partner_id}"
                        )
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("webhook supervisor pass failed")
            await self._sleep(self._supervisor_wake, self.settings.poll_seconds * 5)

    async def partners_with_pending(self) -> list[str]:
        async with self.db.transaction(read_only=True) as session:
            rows = await session.execute(
                select(WebhookMessage.partner_id).where(WebhookMessage.status == "pending").distinct()
            )
            return [r[0] for r in rows]

    async def _run(self, partner_id: str) -> None:
        while not self._stopping.is_set():
            try:
                if self.db.is_sqlite:
                    await self._deliver_loop(partner_id)
                else:
                    await self._deliver_loop_with_lock(partner_id)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("webhook loop for %s failed; restarting", partner_id)
                await self._sleep(self._wake[partner_id], self.settings.poll_seconds * 5)

    async def _deliver_loop_with_lock(self, partner_id: str) -> None:
        key = advisory_key(self.service, partner_id)
        async with self.db.engine.connect() as lock_conn:
            while not self._stopping.is_set():
                if await self._try_lock(lock_conn, key):
                    break
                await self._sleep(self._wake[partner_id], self.settings.poll_seconds * 5)
            try:
                await self._deliver_loop(partner_id)
            finally:
                await lock_conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                await lock_conn.commit()

    @staticmethod
    async def _try_lock(conn: AsyncConnection, key: int) -> bool:
        got = bool((await conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key})).scalar())
        await conn.commit()
        return got

    async def _deliver_loop(self, partner_id: str) -> None:
        while not self._stopping.is_set():
            wait = await self.deliver_once(partner_id)
            if wait is not None:
                await self._sleep(self._wake[partner_id], wait)

    @staticmethod
    async def _sleep(event: asyncio.Event, seconds: float) -> None:
        await wait_event(event, max(0.01, seconds))
        event.clear()

    # -- one pass -------------------------------------------------------------------------------

    async def deliver_once(self, partner_id: str) -> float | None:
        """Try every stream head that is due. Returns seconds to wait, or None to go on at once."""
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
                return poll
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
        if not due:
            waits = [(m.next_attempt_at - now).total_seconds() for m in heads]
            return min([poll * 5, *waits]) if waits else poll * 5
        semaphore = asyncio.Semaphore(self.settings.max_concurrency)
        url = partner.webhook_url

        async def one(message: WebhookMessage) -> None:
            async with semaphore:
                result = await self.attempt(url=url, secrets=secrets, message=message)
                await self.record(message=message, url=url, result=result)

        await asyncio.gather(*(one(m) for m in due))
        return None

    async def attempt(self, *, url: str, secrets: Sequence[str], message: WebhookMessage) -> AttemptResult:
        """One signed POST (no database work here)."""
        started = utcnow()
        clock = time.monotonic()
        body = message_body(message, self.cipher).encode()
        headers = signed_headers(msg_id=message.msg_id, timestamp=int(time.time()), body=body, secrets=secrets)
        headers["user-agent"] = self.user_agent

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
