"""Statistics of a centre (DOMAIN.md §7).

A centre-year is tens of thousands of cases, so the figures come from few statements: the
case counts and amounts from one GROUP BY over the window (every breakdown is summed from its
groups), the mediation outcomes from one count of timeline entries by kind, and the days to
close from one aggregate (on PostgreSQL ``avg`` and ``percentile_cont`` in the database; on SQLite
from the durations). On PostgreSQL ``ix_case_file_stats`` carries every column these read, so
the window is an index-only scan (docs/PERFORMANCE.md, issue 17).

Timeline kinds are counted, on PostgreSQL, from ``case_event_count``: one row per case and counted
kind with the number of entries, kept by triggers on ``timeline_entry`` (migration
0012_s7_stats_event_counts, decision 0030), so a centre-year is a range of one index instead of
an index probe per case. On SQLite, and for a kind outside ``COUNTED_KINDS``, the same figures
come from the join of the window's cases with their timeline."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from onewindow_domain.calendar import CHINA_TZ, china_today
from onewindow_kit.db import UtcDateTime
from sqlalchemy import Float, Integer, String, and_, cast, column, func, select, table
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

# The kinds case_event_count counts on PostgreSQL: exactly those its migration's triggers list.
COUNTED_KINDS = frozenset(
    {
        *MEDIATION_ENDED,
        "arbitration.transfer.requested",
        "arbitration.transfer.accepted",
        "arbitration.transfer.rejected",
        "arbitration.review.decided",
        "court.confirmation.ruled",
    }
)
EVENT_COUNT = table(
    "case_event_count",
    column("case_id", String),
    column("kind", String),
    column("center_id", String),
    column("registered_at", UtcDateTime),
    column("entries", Integer),
)


def bounds(since: date, until: date) -> tuple[datetime, datetime]:
    """From the start of ``since`` to the end of ``until`` (China time), as aware datetimes."""
    start = datetime.combine(since, datetime.min.time(), CHINA_TZ)
    return start, datetime.combine(until + timedelta(days=1), datetime.min.time(), CHINA_TZ)


def window(since: date, until: date, center_id: str | None) -> list[Any]:
    """Cases registered from ``since`` to ``until`` (both days included, China time) of the centre."""
    start, end = bounds(since, until)
    where: list[Any] = [CaseFile.registered_at >= start, CaseFile.registered_at < end]
    if center_id:
        where.append(CaseFile.center_id == center_id)
    return where


async def timeline_counts(
    session: AsyncSession, *, since: date, until: date, center_id: str | None, kinds: Iterable[str]
) -> dict[str, tuple[int, int]]:
    """``{kind: (entries, cases)}`` of the timeline entries of those kinds on the window's cases."""
    kinds = list(kinds)
    if session.bind is not None and session.bind.dialect.name == "postgresql" and COUNTED_KINDS.issuperset(kinds):
        start, end = bounds(since, until)
        counted = EVENT_COUNT.c
        where: list[Any] = [
            counted.registered_at >= start,
            counted.registered_at < end,
            counted.kind.in_(kinds),
            counted.entries > 0,
        ]
        if center_id:
            where.append(counted.center_id == center_id)
        stmt = select(counted.kind, func.sum(counted.entries), func.count()).where(*where).group_by(counted.kind)
    else:
        stmt = (
            select(TimelineEntry.kind, func.count(), func.count(func.distinct(TimelineEntry.case_id)))
            .join(CaseFile, CaseFile.id == TimelineEntry.case_id)
            .where(*window(since, until, center_id), TimelineEntry.kind.in_(kinds))
            .group_by(TimelineEntry.kind)
        )
    rows = (await session.execute(stmt)).all()
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


@dataclass(frozen=True)
class Shared:
    """What both halves of the dashboard read, fetched once for a request (``statistics.figures``):
    the days to close and the timeline counts of every counted kind."""

    days_to_close: tuple[float | None, float | None]
    events: dict[str, tuple[int, int]]


async def shared(session: AsyncSession, *, since: date, until: date, center_id: str | None) -> Shared:
    return Shared(
        days_to_close=await close_days(session, window(since, until, center_id)),
        events=await timeline_counts(
            session, since=since, until=until, center_id=center_id, kinds=sorted(COUNTED_KINDS)
        ),
    )


async def statistics(
    *, session: AsyncSession, center_id: str | None, since: date, until: date, known: Shared | None = None
) -> dict[str, Any]:
    """Counts and amounts a centre reports for a period (registration date in China); ``known``
    saves the statements whose results the caller already has."""
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
    if known is None:
        known = Shared(
            days_to_close=await close_days(session, where),
            events=await timeline_counts(session, since=since, until=until, center_id=center_id, kinds=MEDIATION_ENDED),
        )
    ended = {kind: n for kind, n in known.events.items() if kind in MEDIATION_ENDED}
    mediated = sum(entries for entries, _ in ended.values())
    agreed = ended.get("mediation.proceeding.agreed", (0, 0))[0]
    _, median = known.days_to_close
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
