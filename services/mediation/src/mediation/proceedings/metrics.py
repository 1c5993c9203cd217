"""``onewindow_clocks_at_risk``: proceedings whose statutory clock the scheduler flagged as at risk,
read from the database at every scrape of ``/internal/metrics`` (alert rule ``ClocksAtRisk``)."""

from __future__ import annotations

from typing import Any

from onewindow_kit.dependencies import database_of, settings_of
from prometheus_client import CollectorRegistry, Gauge
from sqlalchemy import func, select
from sqlmodel import col

from mediation.config import MediationSettings
from mediation.proceedings.models import Proceeding


async def clocks_at_risk_collector(app: Any, registry: CollectorRegistry) -> None:
    async with database_of(app).transaction(read_only=True) as session:
        rows = (
            await session.execute(
                select(col(Proceeding.status), func.count())
                .where(col(Proceeding.deadline_at_risk).is_(True))
                .group_by(Proceeding.status)
            )
        ).all()
    gauge = Gauge(
        "onewindow_clocks_at_risk",
        "Proceedings whose statutory deadline is at risk, by status.",
        ["service", "status"],
        registry=registry,
    )
    service = settings_of(app, MediationSettings).service_name
    gauge.labels(service, "any").set(sum(count for _status, count in rows))
    for status, count in rows:
        gauge.labels(service, status).set(count)
