"""Events this module consumes: intake's centres (``intake.center.created`` / ``updated``) kept as
mediation's copy."""

from __future__ import annotations

from onewindow_kit.db import utcnow
from onewindow_kit.events import EventEnvelope
from sqlalchemy.ext.asyncio import AsyncSession

from mediation.centers.models import Center


async def apply_center_event(session: AsyncSession, event: EventEnvelope) -> None:
    """Upsert the centre from ``intake.center.created`` / ``intake.center.updated``."""
    data = event.data
    center = await session.get(Center, data["center_id"])
    if center is None:
        center = Center(
            id=data["center_id"], name=data["name"], short_name=data["short_name"], district=data["district"]
        )
        session.add(center)
    else:
        center.name, center.short_name, center.district = data["name"], data["short_name"], data["district"]
    center.active = bool(data.get("active", True))
    center.version += 1
    center.synced_at = utcnow()
    await session.flush()


EVENT_HANDLERS = {
    "intake.center.created": apply_center_event,
    "intake.center.updated": apply_center_event,
}
