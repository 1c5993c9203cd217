from __future__ import annotations

from collections.abc import Sequence

from onewindow_kit.db import utcnow
from onewindow_kit.errors import AlreadyExists, NotFound
from onewindow_kit.events import publish
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from intake.centers.models import Center
from intake.centers.schemas import CenterCreate, CenterUpdate


def _event_data(center: Center) -> dict[str, object]:
    return {
        "center_id": center.id,
        "name": center.name,
        "short_name": center.short_name,
        "district": center.district,
        "active": center.active,
    }


async def get_center(*, session: AsyncSession, center_id: str) -> Center:
    """The centre with ``center_id`` (404 when there is none)."""
    center = await session.get(Center, center_id)
    if center is None:
        raise NotFound(f"centre {center_id} does not exist")
    return center


async def list_centers(*, session: AsyncSession) -> Sequence[Center]:
    """All centres, by id."""
    return (await session.execute(select(Center).order_by(Center.id))).scalars().all()


async def create_center(*, session: AsyncSession, data: CenterCreate) -> Center:
    """Register a centre and announce it (``intake.center.created``)."""
    if await session.get(Center, data.id) is not None:
        raise AlreadyExists(f"centre {data.id} already exists")
    center = Center(**data.model_dump())
    session.add(center)
    await session.flush()
    await publish(session, type="intake.center.created", data=_event_data(center))
    return center


async def update_center(*, session: AsyncSession, center_id: str, data: CenterUpdate) -> Center:
    """Change a centre and announce it (``intake.center.updated``)."""
    center = await get_center(session=session, center_id=center_id)
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    if not changes:
        return center
    for key, value in changes.items():
        setattr(center, key, value)
    center.updated_at = utcnow()
    await session.flush()
    await publish(session, type="intake.center.updated", data=_event_data(center))
    return center
