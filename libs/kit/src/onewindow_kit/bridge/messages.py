"""What a bridge tells others, always inside the caller's transaction (transactional outbox): the
partner through signed webhooks (``notify``), the other services through events (``announce``:
intake's case timeline, mediation)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from onewindow_kit.crypto import FieldCipher
from onewindow_kit.events import publish
from onewindow_kit.logs import redact
from onewindow_kit.webhooks.outbox import enqueue


async def notify(
    session: AsyncSession,
    *,
    partner_id: str,
    stream_key: str,
    event_type: str,
    data: Mapping[str, Any],
    cipher: FieldCipher,
    occurred_at: datetime | None = None,
) -> None:
    """Queue a contract webhook for a partner, in order behind the earlier ones of ``stream_key``
    (a referral, or a case for the hand-offs of window cases)."""
    await enqueue(
        session,
        partner_id=partner_id,
        stream_key=stream_key,
        event_type=event_type,
        data=data,
        cipher=cipher,
        occurred_at=occurred_at,
    )


def scrub(value: Any) -> Any:
    """Free text from partners or mediators may hold a phone or ID number: events never carry them."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: scrub(v) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v) for v in value]
    return value


async def announce(
    session: AsyncSession, *, case_id: str | None, event_type: str, summary_zh: str, **data: Any
) -> None:
    """Publish an event about a case (``summary_zh`` is the timeline's line), scrubbed."""
    await publish(session, type=event_type, case_id=case_id, data=scrub({"summary_zh": summary_zh, **data}))
