"""Statistics of a centre (DOMAIN.md §7)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from onewindow_domain.calendar import CHINA_TZ, china_today
from sqlalchemy import case as sql_case
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from intake.cases.models import CaseFile, TimelineEntry
from intake.cases.service.lifecycle import CLOCKED_STATUSES


async def statistics(*, session: AsyncSession, center_id: str | None, since: date, until: date) -> dict[str, Any]:
    """Counts and amounts a centre reports for a period (registration date in China)."""
    start = datetime.combine(since, datetime.min.time(), CHINA_TZ)
    end = datetime.combine(until + timedelta(days=1), datetime.min.time(), CHINA_TZ)
    where = [CaseFile.registered_at >= start, CaseFile.registered_at < end]
    if center_id:
        where.append(CaseFile.center_id == center_id)

    async def by(column: Any) -> dict[str, int]:
        rows = (await session.execute(select(column, func.count()).where(*where).group_by(column))).all()
        return {str(k) if k is not None else "unrouted": n for k, n in rows}

    totals = (
        await session.execute(
            select(
                func.count(),
                func.coalesce(func.sum(CaseFile.total_claimed), 0),
                func.coalesce(func.sum(CaseFile.recovered), 0),
                func.sum(sql_case((CaseFile.collective, 1), else_=0)),
            ).where(*where)
        )
    ).one()
    mediated = (
        await session.execute(
            select(func.count())
            .select_from(TimelineEntry)
            .join(CaseFile, CaseFile.id == TimelineEntry.case_id)
            .where(
                *where,
                TimelineEntry.kind.in_(
                    [
                        "mediation.proceeding.agreed",
                        "mediation.proceeding.terminated",
                        "mediation.proceeding.expired",
                        "mediation.proceeding.declined",
                    ]
                ),
            )
        )
    ).scalar_one()
    agreed = (
        await session.execute(
            select(func.count())
            .select_from(TimelineEntry)
            .join(CaseFile, CaseFile.id == TimelineEntry.case_id)
            .where(*where, TimelineEntry.kind == "mediation.proceeding.agreed")
        )
    ).scalar_one()
    closed = (
        await session.execute(
            select(CaseFile.registered_at, CaseFile.closed_at).where(*where, CaseFile.closed_at.is_not(None))
        )
    ).all()
    durations = sorted((c - r).total_seconds() / 86400 for r, c in closed)
    median = None
    if durations:
        mid = len(durations) // 2
        median = round(durations[mid] if len(durations) % 2 else (durations[mid - 1] + durations[mid]) / 2, 1)
    overdue = (
        await session.execute(
            select(func.count()).where(
                *where,
                CaseFile.deadline_on.is_not(None),
                CaseFile.deadline_on < china_today(),
                CaseFile.status.in_(CLOCKED_STATUSES),
            )
        )
    ).scalar_one()
    return {
        "center_id": center_id,
        "since": since,
        "until": until,
        "cases": totals[0],
        "by_channel": await by(CaseFile.channel),
        "by_route": await by(CaseFile.route),
        "by_status": await by(CaseFile.status),
        "by_risk_grade": await by(CaseFile.risk_grade),
        "collective_cases": int(totals[3] or 0),
        "amount_claimed": Decimal(str(totals[1])).quantize(Decimal("0.01")),
        "amount_recovered": Decimal(str(totals[2])).quantize(Decimal("0.01")),
        "mediations_ended": mediated,
        "mediations_agreed": agreed,
        "success_rate": round(agreed / mediated, 4) if mediated else None,
        "median_days_to_close": median,
        "overdue": overdue,
    }
