"""Statistics of a centre (DOMAIN.md §7).

A centre-year is tens of thousands of cases, so the figures come from few statements: the
case counts and amounts from one GROUP BY over the window (every breakdown is summed from its
groups), the mediation outcomes from one count of timeline entries by kind, and the days to
close from one aggregate (on PostgreSQL ``avg`` and ``percentile_cont`` in the database; on SQLite
from the durations). On PostgreSQL ``ix_case_file_stats`` carries every column these read, so
the window is an index-only scan (docs/PERFORMANCE.md, issue 17)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from onewindow_domain.calendar import CHINA_TZ, china_today
from sqlalchemy import Float, and_, cast, func, select
from sqlalchemy import case as sql_case
from sqlalchemy.ext.asyncio import AsyncSession

from intake.cases.models import CaseFile, TimelineEntry
from intake.cases.service.lifecycle import CLOCKED_STATUSES

MEDIATION_ENDED = (
    "mediation.proceeding.agreed",
    "mediation.proceeding.terminated",
    "mediation.proceeding.expired",
    "mediation.proceeding.declined",
)


def window(since: date, until: date, center_id: str | None) -> list[Any]:
    """Cases registered from ``since`` to ``until`` (both days included, China time) of the centre."""
    start = datetime.combine(since, datetime.min.time(), CHINA_TZ)
    end = datetime.combine(until + timedelta(days=1), datetime.min.time(), CHINA_TZ)
    where: list[Any] = [CaseFile.registered_at >= start, CaseFile.registered_at < end]
    if center_id:
        where.append(CaseFile.center_id == center_id)
    return where


async def timeline_counts(session: AsyncSession, where: list[Any], kinds: Iterable[str]) -> dict[str, tuple[int, int]]:
    """``{kind: (entries, cases)}`` of the timeline entries of those kinds on the window's cases."""
    rows = (
        await session.execute(
            select(TimelineEntry.kind, func.count(), func.count(func.distinct(TimelineEntry.case_id)))
            .join(CaseFile, CaseFile.id == TimelineEntry.case_id)
            .where(*where, TimelineEntry.kind.in_(list(kinds)))
            .group_by(TimelineEntry.kind)
        )
    ).all()
    return {kind: (int(entries), int(cases)) for kind, entries, cases in rows}


async def close_days(session: AsyncSession, where: list[Any]) -> tuple[float | None, float | None]:
    """(average, median) days from registration to closing of the window's closed cases, to 0.1."""
    closed = [*where, CaseFile.closed_at.is_not(None)]
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        days = cast(func.extract("epoch", CaseFile.closed_at - CaseFile.registered_at), Float) / 86400
        average, median = (
            await session.execute(select(func.avg(days), func.percentile_cont(0.5).within_group(days)).where(*closed))
        ).one()
        return (
            round(float(average), 1) if average is not None else None,
            round(float(median), 1) if median is not None else None,
        )
    rows = (await session.execute(select(CaseFile.registered_at, CaseFile.closed_at).where(*closed))).all()
    durations = sorted((c - r).total_seconds() / 86400 for r, c in rows)
    if not durations:
        return None, None
    mid = len(durations) // 2
    middle = durations[mid] if len(durations) % 2 else (durations[mid - 1] + durations[mid]) / 2
    return round(sum(durations) / len(durations), 1), round(middle, 1)


async def statistics(*, session: AsyncSession, center_id: str | None, since: date, until: date) -> dict[str, Any]:
    """Counts and amounts a centre reports for a period (registration date in China)."""
    where = window(since, until, center_id)
    overdue = and_(
        CaseFile.deadline_on.is_not(None),
        CaseFile.deadline_on < china_today(),
        CaseFile.status.in_(CLOCKED_STATUSES),
    )
    groups = (
        await session.execute(
            select(
                CaseFile.channel,
                CaseFile.route,
                CaseFile.status,
                CaseFile.risk_grade,
                func.count(),
                func.coalesce(func.sum(CaseFile.total_claimed), 0),
                func.coalesce(func.sum(CaseFile.recovered), 0),
                func.sum(sql_case((CaseFile.collective, 1), else_=0)),
                func.sum(sql_case((overdue, 1), else_=0)),
            )
            .where(*where)
            .group_by(CaseFile.channel, CaseFile.route, CaseFile.status, CaseFile.risk_grade)
        )
    ).all()
    by_channel: Counter[str] = Counter()
    by_route: Counter[str] = Counter()
    by_status: Counter[str] = Counter()
    by_grade: Counter[str] = Counter()
    cases = collective = overdue_count = 0
    claimed = recovered = Decimal("0")
    for channel, route, status, grade, n, claimed_sum, recovered_sum, collective_n, overdue_n in groups:
        by_channel[str(channel)] += n
        by_route[str(route) if route is not None else "unrouted"] += n
        by_status[str(status)] += n
        by_grade[str(grade)] += n
        cases += n
        claimed += Decimal(str(claimed_sum))
        recovered += Decimal(str(recovered_sum))
        collective += int(collective_n or 0)
        overdue_count += int(overdue_n or 0)
    ended = await timeline_counts(session, where, MEDIATION_ENDED)
    mediated = sum(entries for entries, _ in ended.values())
    agreed = ended.get("mediation.proceeding.agreed", (0, 0))[0]
    _, median = await close_days(session, where)
    return {
        "center_id": center_id,
        "since": since,
        "until": until,
        "cases": cases,
        "by_channel": dict(by_channel),
        "by_route": dict(by_route),
        "by_status": dict(by_status),
        "by_risk_grade": dict(by_grade),
        "collective_cases": collective,
        "amount_claimed": claimed.quantize(Decimal("0.01")),
        "amount_recovered": recovered.quantize(Decimal("0.01")),
        "mediations_ended": mediated,
        "mediations_agreed": agreed,
        "success_rate": round(agreed / mediated, 4) if mediated else None,
        "median_days_to_close": median,
        "overdue": overdue_count,
    }
