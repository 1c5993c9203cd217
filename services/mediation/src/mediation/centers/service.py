"""Centres as mediation knows them (a copy of intake's, kept by ``handlers.py``)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from mediation.centers.models import Center


async def list_centers(*, session: AsyncSession) -> Sequence[Center]:
    """Centres known to mediation, by id."""
    return (await session.execute(select(Center).order_by(Center.id))).scalars().all()
