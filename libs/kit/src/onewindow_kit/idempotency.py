"""``Idempotency-Key``: a retried POST returns the first result instead of doing the work twice.

The first request *claims* the key in its own short transaction (so a concurrent duplicate sees it
and gets 409), does its work, and stores its status and body in the **same transaction as the work**
(so either both commit or neither). A failure releases the claim so the client can retry. A claim
left behind by a crashed process is taken over after ``stale_after`` seconds. Records are kept for
``retention`` (the court contract asks for at least 7 days) and purged by ``purge_expired``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import JSON, Column, CursorResult, Executable, delete, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel, col

from onewindow_kit.db import Database, UtcDateTime, utcnow
from onewindow_kit.errors import BadRequest, RequestInProgress, ValidationFailed

MAX_KEY_LENGTH = 255
DEFAULT_RETENTION = timedelta(days=8)


class IdempotencyRecord(SQLModel, table=True):
    __tablename__ = "idempotency_record"

    scope: str = Field(primary_key=True, max_length=120)  # who: the principal, so keys never collide across callers
    key: str = Field(primary_key=True, max_length=MAX_KEY_LENGTH)
    fingerprint: str = Field(max_length=64)  # method, path and body hash
    state: str = Field(default="in_flight", max_length=12)  # in_flight | done
    status_code: int | None = None
    body: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    expires_at: datetime = Field(sa_type=UtcDateTime, index=True)


@dataclass(frozen=True)
class Replay:
    status_code: int
    body: Any


def fingerprint(method: str, path: str, body: bytes) -> str:
    """What makes two requests "the same": method, path and the JSON body (key order ignored)."""
    try:
        canonical = json.dumps(
            json.loads(body or b"null"), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ).encode()
    except ValueError:
        canonical = body
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + canonical).hexdigest()


def check_key(key: str | None, *, required: bool) -> str | None:
    if key is None or key == "":
        if required:
            raise BadRequest(
                "the Idempotency-Key header is required on this POST",
                errors=[{"field": "Idempotency-Key", "message": "缺少幂等键"}],
            )
        return None
    if len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise ValidationFailed.field("Idempotency-Key", f"幂等键须为不超过{MAX_KEY_LENGTH}个可打印字符")
    return key


async def claim(
    db: Database,
    *,
    scope: str,
    key: str,
    fingerprint: str,
    retention: timedelta = DEFAULT_RETENTION,
    stale_after: timedelta = timedelta(seconds=60),
) -> Replay | None:
    """Claim ``key`` for this request, or return the stored result of the request that had it."""
    while True:
        now = utcnow()
        try:
            async with db.transaction() as session:
                session.add(
                    IdempotencyRecord(scope=scope, key=key, fingerprint=fingerprint, expires_at=now + retention)
                )
            return None
        except IntegrityError:
            pass  # the key is taken: look at the request that has it
        async with db.transaction() as session:
            record = await session.get(IdempotencyRecord, (scope, key))
            if record is None:  # purged between our insert and read: claim again
                continue
            if record.fingerprint != fingerprint:
                raise ValidationFailed(
                    "this Idempotency-Key was used with a different request",
                    errors=[{"field": "Idempotency-Key", "message": "该幂等键已用于内容不同的请求"}],
                )
            if record.state == "done":
                return Replay(status_code=record.status_code or 200, body=record.body)
            if now - record.created_at < stale_after:
                raise RequestInProgress(
                    "a request with this Idempotency-Key is still being processed; retry later",
                    headers={"Retry-After": "1"},
                )
            # The first request's process died mid-flight: take the claim over.
            taken = await _execute(
                session,
                update(IdempotencyRecord)
                .where(
                    col(IdempotencyRecord.scope) == scope,
                    col(IdempotencyRecord.key) == key,
                    col(IdempotencyRecord.state) == "in_flight",
                    col(IdempotencyRecord.created_at) == record.created_at,
                )
                .values(created_at=now, expires_at=now + retention),
            )
        if taken.rowcount != 1:
            raise RequestInProgress(
                "a request with this Idempotency-Key is still being processed; retry later",
                headers={"Retry-After": "1"},
            )
        return None


async def _execute(session: AsyncSession, statement: Executable) -> CursorResult[Any]:
    """``session.execute`` for an UPDATE or DELETE, typed so that ``rowcount`` is known."""
    return cast(CursorResult[Any], await session.execute(statement))


async def complete(session: AsyncSession, *, scope: str, key: str, status_code: int, body: Any) -> None:
    """Store the result in the work's own transaction."""
    await session.execute(
        update(IdempotencyRecord)
        .where(col(IdempotencyRecord.scope) == scope, col(IdempotencyRecord.key) == key)
        .values(state="done", status_code=status_code, body=body)
    )


async def release(db: Database, *, scope: str, key: str) -> None:
    """The work failed: forget the claim so that a retry does the work."""
    async with db.transaction() as session:
        await session.execute(
            delete(IdempotencyRecord).where(
                col(IdempotencyRecord.scope) == scope,
                col(IdempotencyRecord.key) == key,
                col(IdempotencyRecord.state) == "in_flight",
            )
        )


async def run_idempotent(
    db: Database,
    *,
    scope: str,
    key: str | None,
    fingerprint: str,
    work: Callable[[AsyncSession], Awaitable[tuple[int, Any]]],
) -> tuple[int, Any, bool]:
    """Run ``work(session)`` once per key: ``(status, json body, replayed)``.

    The work and the stored result commit together (one ``db.transaction()``); if either fails,
    the claim is released so the client's retry does the work. Without a key the work simply runs
    in its own transaction. The work is a closure rather than the body of a ``with`` block because
    a replay must skip it, and a context manager cannot skip its body
    (docs/decisions/0010-one-transaction-idiom.md).
    """
    if key is None:
        async with db.transaction() as session:
            status, body = await work(session)
        return status, body, False
    replay = await claim(db, scope=scope, key=key, fingerprint=fingerprint)
    if replay is not None:
        return replay.status_code, replay.body, True
    try:
        async with db.transaction() as session:
            status, body = await work(session)
            await complete(session, scope=scope, key=key, status_code=status, body=body)
    except BaseException:
        await release(db, scope=scope, key=key)
        raise
    return status, body, False


async def purge_expired(db: Database) -> int:
    async with db.transaction() as session:
        result = await _execute(session, delete(IdempotencyRecord).where(col(IdempotencyRecord.expires_at) < utcnow()))
    return result.rowcount or 0


__all__ = [
    "IdempotencyRecord",
    "Replay",
    "check_key",
    "claim",
    "complete",
    "fingerprint",
    "purge_expired",
    "release",
    "run_idempotent",
]
