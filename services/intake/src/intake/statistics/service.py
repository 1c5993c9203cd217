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
from intake.cases.service.statistics import close_days, timeline_counts
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


async def _legal_aid_cases(session: AsyncSession, where: list[Any], promise_days: int) -> dict[str, list[str]]:
    """Case ids of legal-aid reviews decided, within the promise and late (calendar days)."""
    rows = (
        await session.execute(
            select(col(Handoff.case_id), col(Handoff.received_on), col(Handoff.decided_on))
            .join(CaseFile, col(CaseFile.id) == col(Handoff.case_id))
            .where(*where, col(Handoff.desk) == "legal_aid", col(Handoff.decided_on).is_not(None))
        )
    ).all()
    within = [case_id for case_id, received, decided in rows if decided and (decided - received).days <= promise_days]
    return {
        "decided": [r[0] for r in rows],
        "within_promise": within,
        "late": [r[0] for r in rows if r[0] not in within],
    }


async def _condition(session: AsyncSession, figure: str, *, where: list[Any], promise_days: int) -> Any:
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
        ids = (await _legal_aid_cases(session, where, promise_days))[rest]
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
    condition = await _condition(session, figure, where=where, promise_days=promise_days)
    stmt = select(CaseFile).where(*where)
    if condition is not True:
        stmt = stmt.where(condition)
    rows = await session.execute(
        stmt.order_by(col(CaseFile.registered_at).desc(), col(CaseFile.id).desc()).limit(limit)
    )
    return list(rows.scalars().all())


async def report(
    *, session: AsyncSession, center_id: str | None, since: date, until: date, promise_days: int
) -> dict[str, Any]:
    """The figures beyond the base counts, each with the key that drills into its cases."""
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
    average_days, _ = await close_days(session, where)
    handoffs = (
        await session.execute(
            select(col(Handoff.desk), col(Handoff.status), col(Handoff.outcome), func.count())
            .join(CaseFile, col(CaseFile.id) == col(Handoff.case_id))
            .where(*where, col(Handoff.status) != "withdrawn")
            .group_by(col(Handoff.desk), col(Handoff.status), col(Handoff.outcome))
        )
    ).all()
    by_desk: dict[str, dict[str, Any]] = {
        desk: {"desk": desk, "label": label, "total": 0, "outcomes": {}} for desk, label in DESK_ZH.items()
    }
    for desk, status, outcome, n in handoffs:
        key = outcome or ("declined" if status == "declined" else "pending")
        label = OUTCOMES[desk][outcome].label if outcome else ("退回窗口" if status == "declined" else "办理中")
        entry = by_desk[desk]["outcomes"].setdefault(
            key, {"label": label, "count": 0, "figure": f"handoff:{desk}:{key}"}
        )
        entry["count"] += n
        by_desk[desk]["total"] += n
    aid = await _legal_aid_cases(session, where, promise_days)
    referrals_in = {
        channel: {"label": label, "count": int(n), "figure": f"referral_in:{channel}"}
        for (channel, label), n in zip(REFERRAL_CHANNELS.items(), referral_counts, strict=True)
    }
    events = await timeline_counts(session, where, [*PARTNER_EVENTS, "arbitration.transfer.requested"])
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
            "decided": len(aid["decided"]),
            "within_promise": len(aid["within_promise"]),
            "share_within_promise": round(len(aid["within_promise"]) / len(aid["decided"]), 4)
            if aid["decided"]
            else None,
        },
        "referrals_in": referrals_in,
        "referrals_out": {
            "arbitration": {"label": "移送仲裁", "count": to_arbitration, "figure": "referral_out:arbitration"},
            "court": {"label": "转法院", "count": int(to_court), "figure": "referral_out:court"},
        },
        "partner_outcomes": partner_outcomes,
    }
