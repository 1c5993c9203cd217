"""Admin endpoints of the webhook deliveries: what waits, what failed and why, and replay."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from onewindow_kit.auth import Principal, require_roles
from onewindow_kit.db import SessionDep, utcnow
from onewindow_kit.errors import NotFound
from onewindow_kit.partners.models import Partner
from onewindow_kit.partners.service import secret_rows
from onewindow_kit.webhooks.dispatcher import held_reason
from onewindow_kit.webhooks.models import WebhookAttempt, WebhookMessage
from onewindow_kit.webhooks.outbox import WEBHOOKS_WAKE

AdminOnly = Annotated[Principal, Depends(require_roles("admin"))]


class PartnerDeliverySummary(BaseModel):
    partner_id: str
    pending: int
    failed: int
    delivered: int
    oldest_pending_at: datetime | None
    held: str | None  # why nothing is being sent (disabled, no URL, no secret), if so
    last_error: str | None  # of the most recent failed attempt among pending/failed messages


class AttemptPublic(BaseModel):
    attempt_no: int
    started_at: datetime
    url: str
    status_code: int | None
    latency_ms: int
    error: str | None
    outcome: str


class MessagePublic(BaseModel):
    """A message without its body (bodies may carry parties' identities)."""

    msg_id: str
    partner_id: str
    stream_key: str
    event_type: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    delivered_at: datetime | None
    failed_at: datetime | None
    replays: int
    created_at: datetime


class MessageDetail(MessagePublic):
    blocked_by: str | None  # the failed message holding this one back in its stream
    attempt_log: list[AttemptPublic]


class MessagePage(BaseModel):
    items: list[MessagePublic]
    next_cursor: int | None


class ReplayResult(BaseModel):
    replayed: int


def _public(m: WebhookMessage) -> MessagePublic:
    return MessagePublic(
        msg_id=m.msg_id,
        partner_id=m.partner_id,
        stream_key=m.stream_key,
        event_type=m.event_type,
        status=m.status,
        attempts=m.attempts,
        next_attempt_at=m.next_attempt_at if m.status == "pending" else None,
        last_attempt_at=m.last_attempt_at,
        last_status_code=m.last_status_code,
        last_error=m.last_error,
        delivered_at=m.delivered_at,
        failed_at=m.failed_at,
        replays=m.replays,
        created_at=m.created_at,
    )


async def _message(session: AsyncSession, msg_id: str) -> WebhookMessage:
    message = (
        await session.execute(select(WebhookMessage).where(WebhookMessage.msg_id == msg_id))
    ).scalar_one_or_none()
    if message is None:
        raise NotFound(f"webhook message {msg_id} does not exist")
    return message


async def _replay(session: AsyncSession, where: list) -> int:
    result = await session.execute(
        update(WebhookMessage)
        .where(*where)
        .values(
            status="pending",
            round_failures=0,
            next_attempt_at=utcnow(),
            failed_at=None,
            replays=WebhookMessage.replays + 1,
        )
    )
    WEBHOOKS_WAKE.mark(session)
    return result.rowcount or 0


def webhook_admin_router(prefix: str = "/admin/webhooks") -> APIRouter:
    router = APIRouter(prefix=prefix, tags=["admin: webhooks"])

    @router.get("", response_model=list[PartnerDeliverySummary], operation_id="list_webhook_partners")
    async def list_webhook_partners(session: SessionDep, _admin: AdminOnly) -> list[PartnerDeliverySummary]:
        """Per partner: messages waiting, failed (replayable) and delivered, and why delivery is held."""
        counts = (
            await session.execute(
                select(
                    WebhookMessage.partner_id, WebhookMessage.status, func.count(), func.min(WebhookMessage.created_at)
                ).group_by(WebhookMessage.partner_id, WebhookMessage.status)
            )
        ).all()
        partner_ids = sorted({r[0] for r in counts} | set((await session.execute(select(Partner.id))).scalars()))
        out = []
        for pid in partner_ids:
            by = {r[1]: (r[2], r[3]) for r in counts if r[0] == pid}
            partner = await session.get(Partner, pid)
            secrets = await secret_rows(session=session, partner_id=pid) if partner else []
            last_error = (
                await session.execute(
                    select(WebhookMessage.last_error)
                    .where(
                        WebhookMessage.partner_id == pid,
                        WebhookMessage.status.in_(("pending", "failed")),
                        WebhookMessage.last_error.is_not(None),
                    )
                    .order_by(WebhookMessage.last_attempt_at.desc())
                    .limit(1)
                )
            ).scalar_one_or_none()
            out.append(
                PartnerDeliverySummary(
                    partner_id=pid,
                    pending=by.get("pending", (0, None))[0],
                    failed=by.get("failed", (0, None))[0],
                    delivered=by.get("delivered", (0, None))[0],
                    oldest_pending_at=by.get("pending", (0, None))[1],
                    held=held_reason(partner, [s.secret_enc for s in secrets]) if by.get("pending") else None,
                    last_error=last_error,
                )
            )
        return out

    @router.get("/messages", response_model=MessagePage, operation_id="list_webhook_messages")
    async def list_webhook_messages(
        session: SessionDep,
        _admin: AdminOnly,
        status: Literal["pending", "failed", "delivered"] | None = None,
        partner_id: str | None = None,
        stream_key: str | None = None,
        cursor: Annotated[int | None, Query(ge=0)] = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
    ) -> MessagePage:
        """Messages, oldest first (keyset pagination)."""
        query = select(WebhookMessage).order_by(WebhookMessage.id).limit(limit + 1)
        if status:
            query = query.where(WebhookMessage.status == status)
        if partner_id:
            query = query.where(WebhookMessage.partner_id == partner_id)
        if stream_key:
            query = query.where(WebhookMessage.stream_key == stream_key)
        if cursor is not None:
            query = query.where(WebhookMessage.id > cursor)
        rows = (await session.execute(query)).scalars().all()
        page = rows[:limit]
        return MessagePage(items=[_public(m) for m in page], next_cursor=page[-1].id if len(rows) > limit else None)

    @router.get("/messages/{msg_id}", response_model=MessageDetail, operation_id="get_webhook_message")
    async def get_webhook_message(msg_id: str, session: SessionDep, _admin: AdminOnly) -> MessageDetail:
        """One message with its attempt log (status code, latency, error of every try)."""
        message = await _message(session, msg_id)
        attempts = (
            (
                await session.execute(
                    select(WebhookAttempt)
                    .where(WebhookAttempt.message_id == message.id)
                    .order_by(WebhookAttempt.attempt_no)
                )
            )
            .scalars()
            .all()
        )
        blocker = None
        if message.status == "pending":
            blocker = (
                await session.execute(
                    select(WebhookMessage.msg_id)
                    .where(
                        WebhookMessage.partner_id == message.partner_id,
                        WebhookMessage.stream_key == message.stream_key,
                        WebhookMessage.status == "failed",
                        WebhookMessage.id < message.id,
                    )
                    .order_by(WebhookMessage.id)
                    .limit(1)
                )
            ).scalar_one_or_none()
        return MessageDetail(
            **_public(message).model_dump(),
            blocked_by=blocker,
            attempt_log=[
                AttemptPublic(
                    attempt_no=a.attempt_no,
                    started_at=a.started_at,
                    url=a.url,
                    status_code=a.status_code,
                    latency_ms=a.latency_ms,
                    error=a.error,
                    outcome=a.outcome,
                )
                for a in attempts
            ],
        )

    @router.post("/messages/{msg_id}/replay", response_model=MessagePublic, operation_id="replay_webhook_message")
    async def replay_webhook_message(
        msg_id: str, request: Request, session: SessionDep, _admin: AdminOnly
    ) -> MessagePublic:
        """Send a failed (or an already delivered) message again, with the same ``webhook-id`` and a
        fresh retry schedule; in its stream it goes before the messages that came after it."""
        message = await _message(session, msg_id)
        await _replay(session, [WebhookMessage.id == message.id])
        await session.refresh(message)
        return _public(message)

    @router.post(
        "/partners/{partner_id}/replay-failed", response_model=ReplayResult, operation_id="replay_failed_webhooks"
    )
    async def replay_failed_webhooks(partner_id: str, session: SessionDep, _admin: AdminOnly) -> ReplayResult:
        """After a partner's long outage: every failed message of the partner, back in line."""
        return ReplayResult(
            replayed=await _replay(
                session, [WebhookMessage.partner_id == partner_id, WebhookMessage.status == "failed"]
            )
        )

    return router
