"""``POST /internal/events`` (the inbox) and the admin view of this service's outbox."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from prometheus_client import CollectorRegistry, Gauge
from pydantic import BaseModel
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from onewindow_kit.auth import Principal, require_roles
from onewindow_kit.db import SessionDep, database_of, utcnow
from onewindow_kit.dependencies import SettingsDep, settings_of
from onewindow_kit.errors import NotFound
from onewindow_kit.events.models import EventEnvelope, InboxEvent, OutboxDelivery, OutboxEvent
from onewindow_kit.events.outbox import OUTBOX_WAKE
from onewindow_kit.settings import ServiceSettings
from onewindow_kit.tracing import set_span_attributes

log = logging.getLogger("onewindow.inbox")

EventHandler = Callable[[AsyncSession, EventEnvelope], Awaitable[None]]
EventHandlers = Mapping[str, EventHandler]

internal_router = APIRouter(tags=["events"])
admin_router = APIRouter(prefix="/admin/events", tags=["admin"])


class EventAck(BaseModel):
    event_id: str
    status: Literal["handled", "ignored", "duplicate"]


@internal_router.post(
    "/internal/events", response_model=EventAck, operation_id="receive_event", include_in_schema=False
)
async def receive_event(
    envelope: EventEnvelope,
    request: Request,
    session: SessionDep,
    _caller: Annotated[Principal, Depends(require_roles("service"))],
) -> EventAck:
    """Consume an event from another service, at most once in effect (the inbox)."""
    handlers: EventHandlers = request.app.state.event_handlers
    handler = handlers.get(envelope.type)
    set_span_attributes(event_type=envelope.type, event_id=str(envelope.id), event_source=envelope.source)
    if await session.get(InboxEvent, envelope.id) is not None:
        return EventAck(event_id=str(envelope.id), status="duplicate")
    session.add(
        InboxEvent(event_id=envelope.id, type=envelope.type, source=envelope.source, handled=handler is not None)
    )
    try:
        await session.flush()
    except IntegrityError:
        # A concurrent redelivery got there first: its transaction carries the effect.
        await session.rollback()
        return EventAck(event_id=str(envelope.id), status="duplicate")
    if handler is not None:
        await handler(session, envelope)
    log.info("event consumed", extra={"event_id": str(envelope.id), "event_type": envelope.type})
    return EventAck(event_id=str(envelope.id), status="handled" if handler else "ignored")


class SubscriberSummary(BaseModel):
    subscriber: str
    pending: int
    dead: int
    delivered: int
    oldest_pending_at: datetime | None
    head_attempts: int
    head_next_attempt_at: datetime | None
    head_last_error: str | None
    stuck: bool


class DeliveryPublic(BaseModel):
    id: int
    subscriber: str
    status: str
    attempts: int
    event_id: str
    event_type: str
    case_id: str | None
    occurred_at: datetime
    next_attempt_at: datetime
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    delivered_at: datetime | None


def _delivery_public(d: OutboxDelivery, e: OutboxEvent) -> DeliveryPublic:
    return DeliveryPublic(
        id=d.id or 0,
        subscriber=d.subscriber,
        status=d.status,
        attempts=d.attempts,
        event_id=str(e.id),
        event_type=e.type,
        case_id=e.case_id,
        occurred_at=e.occurred_at,
        next_attempt_at=d.next_attempt_at,
        last_attempt_at=d.last_attempt_at,
        last_status_code=d.last_status_code,
        last_error=d.last_error,
        delivered_at=d.delivered_at,
    )


class DeliveryPage(BaseModel):
    items: list[DeliveryPublic]
    next_cursor: int | None


AdminOnly = Annotated[Principal, Depends(require_roles("admin"))]


@admin_router.get("", response_model=list[SubscriberSummary], operation_id="list_event_subscribers")
async def list_event_subscribers(
    request: Request, session: SessionDep, settings: SettingsDep, _admin: AdminOnly
) -> list[SubscriberSummary]:
    """Per subscriber: how many deliveries wait, how many are dead, and why the head is stuck."""
    stuck_after = settings.relay_stuck_after_attempts
    counts = (
        await session.execute(
            select(
                OutboxDelivery.subscriber, OutboxDelivery.status, func.count(), func.min(OutboxDelivery.created_at)
            ).group_by(OutboxDelivery.subscriber, OutboxDelivery.status)
        )
    ).all()
    names = set(request.app.state.event_routes.subscribers) | {row[0] for row in counts}
    out = []
    for name in sorted(names):
        by_status = {row[1]: (row[2], row[3]) for row in counts if row[0] == name}
        head = (
            await session.execute(
                select(OutboxDelivery)
                .where(OutboxDelivery.subscriber == name, OutboxDelivery.status == "pending")
                .order_by(OutboxDelivery.id)
                .limit(1)
            )
        ).scalar_one_or_none()
        out.append(
            SubscriberSummary(
                subscriber=name,
                pending=by_status.get("pending", (0, None))[0],
                dead=by_status.get("dead", (0, None))[0],
                delivered=by_status.get("delivered", (0, None))[0],
                oldest_pending_at=by_status.get("pending", (0, None))[1],
                head_attempts=head.attempts if head else 0,
                head_next_attempt_at=head.next_attempt_at if head else None,
                head_last_error=head.last_error if head else None,
                stuck=bool(head and head.attempts >= stuck_after),
            )
        )
    return out


@admin_router.get("/deliveries", response_model=DeliveryPage, operation_id="list_event_deliveries")
async def list_event_deliveries(
    session: SessionDep,
    _admin: AdminOnly,
    status: Literal["pending", "dead", "delivered"] = "pending",
    subscriber: str | None = None,
    cursor: Annotated[int | None, Query(ge=0)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> DeliveryPage:
    """Deliveries in one status, oldest first, keyset-paginated by delivery id."""
    query = (
        select(OutboxDelivery, OutboxEvent)
        .join(OutboxEvent, OutboxEvent.seq == OutboxDelivery.event_seq)
        .where(OutboxDelivery.status == status)
        .order_by(OutboxDelivery.id)
        .limit(limit + 1)
    )
    if subscriber:
        query = query.where(OutboxDelivery.subscriber == subscriber)
    if cursor is not None:
        query = query.where(OutboxDelivery.id > cursor)
    rows = (await session.execute(query)).all()
    items = [_delivery_public(d, e) for d, e in rows[:limit]]
    return DeliveryPage(items=items, next_cursor=items[-1].id if len(rows) > limit else None)


@admin_router.post(
    "/deliveries/{delivery_id}/retry", response_model=DeliveryPublic, operation_id="retry_event_delivery"
)
async def retry_event_delivery(
    delivery_id: int, request: Request, session: SessionDep, _admin: AdminOnly
) -> DeliveryPublic:
    """Put a dead (or waiting) delivery back in line to be tried now."""
    delivery = await session.get(OutboxDelivery, delivery_id)
    if delivery is None:
        raise NotFound(f"delivery {delivery_id} does not exist")
    if delivery.status == "delivered":
        raise NotFound(f"delivery {delivery_id} was already delivered")
    await session.execute(
        update(OutboxDelivery)
        .where(OutboxDelivery.id == delivery_id)
        .values(status="pending", next_attempt_at=utcnow())
    )
    OUTBOX_WAKE.mark(session)  # wake the relay after commit
    await session.refresh(delivery)
    event = await session.get(OutboxEvent, delivery.event_seq)
    assert event is not None
    return _delivery_public(delivery, event)


async def outbox_collector(app: Any, registry: CollectorRegistry) -> None:
    """Outbox depth and age, read from the database at scrape time."""
    async with database_of(app).transaction(read_only=True) as session:
        rows = (
            await session.execute(
                select(
                    OutboxDelivery.subscriber, OutboxDelivery.status, func.count(), func.min(OutboxDelivery.created_at)
                ).group_by(OutboxDelivery.subscriber, OutboxDelivery.status)
            )
        ).all()
    service = settings_of(app, ServiceSettings).service_name
    depth = Gauge(
        "onewindow_outbox_deliveries",
        "Outbox deliveries by subscriber and status (pending is the depth).",
        ["service", "subscriber", "status"],
        registry=registry,
    )
    age = Gauge(
        "onewindow_outbox_oldest_pending_seconds",
        "Age of the oldest pending outbox delivery, by subscriber.",
        ["service", "subscriber"],
        registry=registry,
    )
    now = utcnow()
    for subscriber, status, count, oldest in rows:
        depth.labels(service, subscriber, status).set(count)
        if status == "pending" and oldest is not None:
            age.labels(service, subscriber).set(max(0.0, (now - oldest).total_seconds()))
