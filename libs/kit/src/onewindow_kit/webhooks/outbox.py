"""Enqueueing a webhook: a row in the caller's transaction, so it leaves if and only if the state
change that caused it commits (the same transactional-outbox rule as events between services)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic_core import to_jsonable_python
from sqlalchemy.ext.asyncio import AsyncSession

from onewindow_kit.crypto import FieldCipher
from onewindow_kit.db import utcnow
from onewindow_kit.tracing import current_traceparent
from onewindow_kit.webhooks.models import WebhookMessage
from onewindow_kit.worker import WakeSignal

BODY_CONTEXT = "webhook_body"
WEBHOOKS_WAKE = WakeSignal("webhooks")  # marked by enqueue(); wakes the dispatcher after the commit


def new_msg_id() -> str:
    """A ``webhook-id``: unique per message, stable across its retries."""
    return "msg_" + uuid.uuid4().hex


def render_body(*, event_type: str, data: Mapping[str, Any], occurred_at: datetime) -> str:
    """``{"type", "timestamp", "data"}`` as compact UTF-8 JSON; decimals stay strings."""
    return json.dumps(
        {"type": event_type, "timestamp": occurred_at.isoformat(), "data": to_jsonable_python(dict(data))},
        ensure_ascii=False,
        separators=(",", ":"),
    )


def message_body(message: WebhookMessage, cipher: FieldCipher | None) -> str:
    """The plaintext body of a stored message."""
    if not message.encrypted:
        return message.body
    if cipher is None:
        raise RuntimeError("this webhook body is encrypted and no data key is configured")
    return cipher.decrypt(message.body, context=BODY_CONTEXT)


async def enqueue(
    session: AsyncSession,
    *,
    partner_id: str,
    stream_key: str,
    event_type: str,
    data: Mapping[str, Any],
    cipher: FieldCipher | None = None,
    occurred_at: datetime | None = None,
) -> WebhookMessage:
    """Queue ``event_type`` for ``partner_id``; messages of one ``stream_key`` are delivered in order."""
    body = render_body(event_type=event_type, data=data, occurred_at=occurred_at or utcnow())
    message = WebhookMessage(
        msg_id=new_msg_id(),
        partner_id=partner_id,
        stream_key=stream_key,
        event_type=event_type,
        body=cipher.encrypt(body, context=BODY_CONTEXT) if cipher else body,
        encrypted=cipher is not None,
        traceparent=current_traceparent(),
    )
    session.add(message)
    WEBHOOKS_WAKE.mark(session)  # the deliverer is woken after the commit
    await session.flush()
    return message
