"""What the centres report beyond the base counts (DOMAIN.md §7): 挽回金额 as money paid (and the
agreed amount apart), average and median days to close, hand-offs by desk and outcome, legal-aid
reviews within the promise, referrals to and from court and arbitration with their outcomes.

Every figure has a key, and ``cases_behind(figure)`` lists the cases it counts: the dashboard's
numbers are drill-downs, computed from the same conditions (``_condition``), so a figure and its
list cannot disagree. The report itself is five statements over the window (amounts and referral
counts in one aggregate, days to close, hand-offs, legal-aid reviews, and every partner event in
one count by kind), not one per figure (docs/PERFORMANCE.md, issue 17)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from onewindow_domain import clock
from onewindow_kit.errors import ValidationFailed
from sqlalchemy import and_, exists, func, select
from sqlalchemy import case as sql_case
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from intake.cases.models import CaseFile, TimelineEntry
from intake.cases.service.statistics import Shared, close_days, shared, statistics, timeline_counts
from intake.cases.service.statistics import window as _stats_window
from intake.desks.models import Handoff
from intake.desks.service import DESK_ZH, OUTCOMES
from intake.lifecycle.service import CLOCKED_STATUSES, STATUS_ZH

REFERRAL_CHANNELS = {"court_referral": "法院委派/委托调解", "arbitration_referral": "仲裁院先行调解"}
PARTNER_EVENTS = {
    "arbitration.transfer.accepted": "仲裁院受理移送",
    "arbitration.transfer.rejected": "仲裁院不予受理移送",
    "arbitration.review.decided": "仲裁审查确认决定",
    "court.confirmation.ruled": "法院司法确认裁定",
}


def _window(since: date, until: date, center_id: str | None) -> list[Any]:
    return _stats_window(since, until, center_id)


def _has_event(kind: str) -> Any:
    return exists().where(col(TimelineEntry.case_id) == col(CaseFile.id), col(TimelineEntry.kind) == kind)


def _has_handoff(*conditions: Any) -> Any:
    return exists().where(col(Handoff.case_id) == col(CaseFile.id), *conditions)


def _centre_handoffs(center_id: str | None) -> list[Any]:
    """The centre's hand-offs. Redundant with the join on the case, whose centre a hand-off takes
    when it is opened (neither changes), but it lets PostgreSQL read ``ix_handoff_center_case``
    instead of every hand-off (decision 0030)."""
    return [col(Handoff.center_id) == center_id] if center_id else []


def _days_after(session: AsyncSession, day: Any, days: int) -> Any:
    """``day`` plus ``days`` calendar days, in SQL (SQLite keeps dates as ISO text)."""
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        return day + days
    return func.date(day, f"+{int(days)} days")


async def _legal_aid_cases(
    session: AsyncSession, where: list[Any], promise_days: int, center_id: str | None
) -> dict[str, list[str]]:
    """Case ids of legal-aid reviews decided, within the promise and late (calendar days)."""
    rows = (
        await session.execute(
            select(col(Handoff.case_id), col(Handoff.received_on), col(Handoff.decided_on))
            .join(CaseFile, col(CaseFile.id) == col(Handoff.case_id))
            .where(
                *where,
                *_centre_handoffs(center_id),
                col(Handoff.desk) == "legal_aid",
                col(Handoff.decided_on).is_not(None),
            )
        )
    ).all()
    within = [case_id for case_id, received, decided in rows if decided and (decided - received).days <= promise_days]
    return {
        "decided": [r[0] for r in rows],
        "within_promise": within,
        "late": [r[0] for r in rows if r[0] not in within],
    }


async def _condition(
    session: AsyncSession, figure: str, *, where: list[Any], promise_days: int, center_id: str | None
) -> Any:
    """The condition on case_file that a figure counts (ValidationFailed for an unknown key)."""
    kind, _, rest = figure.partition(":")
    if figure == "cases":
        return True
    if figure == "collective":
        return col(CaseFile.collective).is_(True)
    if figure == "recovered":
        return col(CaseFile.recovered) > 0
    if figure == "agreed":
        return col(CaseFile.agreed_amount).is_not(None)
    if figure == "closed":
        return col(CaseFile.closed_at).is_not(None)
    if figure == "overdue":
        return and_(
            col(CaseFile.deadline_on).is_not(None),
            col(CaseFile.deadline_on) < clock.today(),
            col(CaseFile.status).in_(CLOCKED_STATUSES),
        )
    if figure == "red_alerts":
        return col(CaseFile.risk_grade) == "red"
    if kind == "status" and rest in STATUS_ZH:
        return col(CaseFile.status) == rest
    if kind == "route":
        return col(CaseFile.route) == rest if rest != "unrouted" else col(CaseFile.route).is_(None)
    if kind == "channel":
        return col(CaseFile.channel) == rest
    if kind == "grade":
        return col(CaseFile.risk_grade) == rest
    if kind == "handoff":
        desk, _, outcome = rest.partition(":")
        if desk in OUTCOMES:
            if outcome == "pending":
                return _has_handoff(col(Handoff.desk) == desk, col(Handoff.outcome).is_(None))
            if outcome == "declined":
                return _has_handoff(col(Handoff.desk) == desk, col(Handoff.status) == "declined")
            if outcome in OUTCOMES[desk]:
                return _has_handoff(col(Handoff.desk) == desk, col(Handoff.outcome) == outcome)
    if kind == "legal_aid" and rest in ("decided", "within_promise", "late"):
        ids = (await _legal_aid_cases(session, where, promise_days, center_id))[rest]
        return col(CaseFile.id).in_(ids)
    if kind == "referral_in" and rest in REFERRAL_CHANNELS:
        return col(CaseFile.channel) == rest
    if kind == "referral_out":
        if rest == "arbitration":
            return _has_event("arbitration.transfer.requested")
        if rest == "court":
            return col(CaseFile.status) == "referred_to_court"
    if kind == "partner_event" and rest in PARTNER_EVENTS:
        return _has_event(rest)
    raise ValidationFailed.field("figure", f"未知的统计项：{figure}")


async def cases_behind(
    *,
    session: AsyncSession,
    center_id: str | None,
    since: date,
    until: date,
    figure: str,
    promise_days: int,
    limit: int,
) -> list[CaseFile]:
    """The cases a dashboard figure counts, newest first."""
    where = _window(since, until, center_id)
    condition = await _condition(session, figure, where=where, promise_days=promise_days, center_id=center_id)
    stmt = select(CaseFile).where(*where)
    if condition is not True:
        stmt = stmt.where(condition)
    rows = await session.execute(
        stmt.order_by(col(CaseFile.registered_at).desc(), col(CaseFile.id).desc()).limit(limit)
    )
    return list(rows.scalars().all())


async def figures(
    *, session: AsyncSession, center_id: str | None, since: date, until: date, promise_days: int
) -> dict[str, Any]:
    """Every figure of the dashboard (``GET /stats``, the spreadsheet): the base counts and the
    report, with the statements they share run once."""
    known = await shared(session, since=since, until=until, center_id=center_id)
    base = await statistics(session=session, center_id=center_id, since=since, until=until, known=known)
    extra = await report(
        session=session, center_id=center_id, since=since, until=until, promise_days=promise_days, known=known
    )
    return base | extra


async def report(
    *,
    session: AsyncSession,
    center_id: str | None,
    since: date,
    until: date,
    promise_days: int,
    known: Shared | None = None,
) -> dict[str, Any]:
    """The figures beyond the base counts, each with the key that drills into its cases; ``known``
    saves the statements whose results the caller already has."""
    where = _window(since, until, center_id)

    def counted(condition: Any) -> Any:
        return func.coalesce(func.sum(sql_case((condition, 1), else_=0)), 0)

    agreed, *referral_counts, to_court = (
        await session.execute(
            select(
                func.coalesce(func.sum(col(CaseFile.agreed_amount)), 0),
                *(counted(col(CaseFile.channel) == channel) for channel in REFERRAL_CHANNELS),
                counted(col(CaseFile.status) == "referred_to_court"),
            ).where(*where)
        )
    ).one()
    average_days, _ = known.days_to_close if known else await close_days(session, where)
    # One statement for the hand-off figures and the legal-aid reviews (those count withdrawn
    # hand-offs too, the desks' figures do not): grouped by desk, status and outcome.
    decided = and_(col(Handoff.desk) == "legal_aid", col(Handoff.decided_on).is_not(None))
    within = and_(decided, col(Handoff.decided_on) <= _days_after(session, col(Handoff.received_on), promise_days))
    handoffs = (
        await session.execute(
            select(
                col(Handoff.desk),
                col(Handoff.status),
                col(Handoff.outcome),
                func.count(),
                func.sum(sql_case((decided, 1), else_=0)),
                func.sum(sql_case((within, 1), else_=0)),
            )
            .join(CaseFile, col(CaseFile.id) == col(Handoff.case_id))
            .where(*where, *_centre_handoffs(center_id))
            .group_by(col(Handoff.desk), col(Handoff.status), col(Handoff.outcome))
        )
    ).all()
    by_desk: dict[str, dict[str, Any]] = {
        desk: {"desk": desk, "label": label, "total": 0, "outcomes": {}} for desk, label in DESK_ZH.items()
    }
    aid_decided = aid_within = 0
    for desk, status, outcome, n, decided_n, within_n in handoffs:
        aid_decided += int(decided_n or 0)
        aid_within += int(within_n or 0)
        if status == "withdrawn":
            continue
        key = outcome or ("declined" if status == "declined" else "pending")
        label = OUTCOMES[desk][outcome].label if outcome else ("退回窗口" if status == "declined" else "办理中")
        entry = by_desk[desk]["outcomes"].setdefault(
            key, {"label": label, "count": 0, "figure": f"handoff:{desk}:{key}"}
        )
        entry["count"] += n
        by_desk[desk]["total"] += n
    referrals_in = {
        channel: {"label": label, "count": int(n), "figure": f"referral_in:{channel}"}
        for (channel, label), n in zip(REFERRAL_CHANNELS.items(), referral_counts, strict=True)
    }
    events = (
        known.events
        if known
        else await timeline_counts(
            session,
            since=since,
            until=until,
            center_id=center_id,
            kinds=[*PARTNER_EVENTS, "arbitration.transfer.requested"],
        )
    )
    partner_outcomes = {
        kind: {"label": label, "count": events.get(kind, (0, 0))[1], "figure": f"partner_event:{kind}"}
        for kind, label in PARTNER_EVENTS.items()
    }
    to_arbitration = events.get("arbitration.transfer.requested", (0, 0))[1]
    return {
        "amount_agreed": Decimal(str(agreed)).quantize(Decimal("0.01")),
        "average_days_to_close": average_days,
        "handoffs": list(by_desk.values()),
        "legal_aid_review": {
            "promise_days": promise_days,
            "decided": aid_decided,
            "within_promise": aid_within,
            "share_within_promise": round(aid_within / aid_decided, 4) if aid_decided else None,
        },
        "referrals_in": referrals_in,
        "referrals_out": {
            "arbitration": {"label": "移送仲裁", "count": to_arbitration, "figure": "referral_out:arbitration"},
            "court": {"label": "转法院", "count": int(to_court), "figure": "referral_out:court"},
        },
        "partner_outcomes": partner_outcomes,
    }
