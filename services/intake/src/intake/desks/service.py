"""Agency desks: open, accept, decline, note and conclude hand-offs, each on its statutory clock.

A hand-off belongs to the case file (intake owns both; docs/decisions/0008). The case's status
follows the desk through the lifecycle table: a declined or failed hand-off goes back to the
window with its reason, an outcome that ends the matter closes the case.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from onewindow_domain import clock
from onewindow_domain.calendar import HolidayCalendar, default_calendar
from onewindow_domain.claims import ClaimCategory
from onewindow_domain.clocks import ClockRule, ClockUnit, compute_due
from onewindow_kit.auth import Principal
from onewindow_kit.db import utcnow
from onewindow_kit.errors import NotFound, StateConflict, ValidationFailed
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from intake.cases.models import CaseClaim, CaseFile, CaseParty
from intake.desks.models import Handoff, HandoffNote
from intake.desks.schemas import DeskConfig
from intake.notifications import service as notifications

DESK_ZH = {"inspection": "劳动保障监察", "legal_aid": "法律援助", "petition": "信访", "negotiation": "三方协调"}
# Which role works which desk; supervisors and admins see every desk of their centre.
DESK_ROLE = {
    "inspection": "inspector",
    "legal_aid": "legal_aid_officer",
    "petition": "petition_officer",
    "negotiation": "coordinator",
}
HANDOFF_STATUS_ZH = {
    "pending": "待签收",
    "accepted": "办理中",
    "concluded": "已办结",
    "declined": "已退回窗口",
    "returned": "已退回窗口",
    "withdrawn": "已撤回（改变去向）",
}
OPEN_HANDOFF = ("pending", "accepted")

_D, _WD = ClockUnit.CALENDAR_DAYS, ClockUnit.WORKING_DAYS
RULES = {
    r.code: r
    for r in (
        ClockRule(
            "inspection_accept_5wd",
            5,
            _WD,
            "关于实施《劳动保障监察条例》若干规定",
            "劳动保障行政部门自接到投诉之日起决定是否受理的期限",
        ),
        ClockRule(
            "inspection_investigate_60wd",
            60,
            _WD,
            "劳动保障监察条例 第17条",
            "自立案之日起调查处理完毕的期限",
            "情况复杂的，经劳动保障行政部门负责人批准可以延长30个工作日",
        ),
        ClockRule(
            "legal_aid_review_7d",
            7,
            _D,
            "法律援助法 第43条",
            "法律援助机构自收到申请之日起审查并作出是否给予法律援助决定的期限",
        ),
        ClockRule(
            "petition_accept_15d",
            15,
            _D,
            "信访工作条例（2022）（条款待核）",
            "有权处理的机关收到信访事项之日起决定是否受理的期限",
        ),
        ClockRule(
            "petition_conclude_60d",
            60,
            _D,
            "信访工作条例（2022）（条款待核）",
            "自受理之日起办结信访事项的期限",
            "情况复杂的，经批准可以适当延长，延长期限不得超过30日",
        ),
        ClockRule(
            "negotiation_respond_20d",
            20,
            _D,
            "集体合同规定 第32条",
            "一方提出集体协商要求后，另一方以书面形式给予回应的期限",
        ),
    )
}


def promise_rule(days: int) -> ClockRule:
    return ClockRule(
        "legal_aid_promise",
        days,
        _D,
        "本中心服务承诺（严于法律援助法第43条的7日）",
        f"法律援助申请{days}日内审核完毕",
    )


@dataclass(frozen=True)
class Outcome:
    label: str
    effect: str  # stay | return | close
    needs: str | None = None  # reason | reply | aid_lawyer
    after: tuple[str, ...] = ("received",)  # stages it may follow
    stage: str | None = None  # the stage it starts (effect "stay")
    close_reason: str = "handled_by_agency"


OUTCOMES: dict[str, dict[str, Outcome]] = {
    "inspection": {
        "filed": Outcome("立案", "stay", stage="filed"),
        "not_filed": Outcome("不予立案", "return", needs="reason"),
        "ordered_correction": Outcome("责令改正", "close", after=("received", "filed")),
        "penalised": Outcome("行政处罚", "close", after=("filed",)),
        "transferred": Outcome(
            "移送", "close", needs="reason", after=("received", "filed"), close_reason="transferred"
        ),
    },
    "legal_aid": {
        "granted": Outcome("给予法律援助", "stay", needs="aid_lawyer", stage="granted"),
        "refused": Outcome("不予法律援助", "return", needs="reason"),
    },
    "petition": {
        "accepted": Outcome("受理", "stay", stage="accepted"),
        "not_accepted": Outcome("不予受理", "return", needs="reason"),
        "concluded": Outcome("办结", "close", needs="reply", after=("accepted",)),
    },
    "negotiation": {
        "agreed": Outcome("协商一致", "close", needs="reason"),
        "failed": Outcome("未达成一致", "return", needs="reason"),
    },
}
NEEDS_ZH = {"reason": "须填写理由", "reply": "办结须填写答复意见", "aid_lawyer": "给予法律援助须填写指派的援助人员"}


@lru_cache(maxsize=1)
def _calendar() -> HolidayCalendar:
    """Lenient: a clock reaching a year without published holidays is estimated and flagged."""
    return default_calendar().lenient()


def _clock(rule: ClockRule, start: date) -> dict[str, Any]:
    due = compute_due(rule, start, calendar=_calendar())
    return {
        "code": rule.code,
        "label": rule.description_zh,
        "source": rule.legal_source,
        "start_on": start.isoformat(),
        "due_on": due.due_on.isoformat(),
        "basis": due.basis_zh,
        "stopped_on": None,
        "estimated": bool(due.unconfirmed_years),
    }


def _stop_clocks(handoff: Handoff, on: date) -> None:
    handoff.clocks = [{**c, "stopped_on": c["stopped_on"] or on.isoformat()} for c in handoff.clocks]


def _start(handoff: Handoff, case: CaseFile, codes: Sequence[str], start: date) -> None:
    new = [_clock(RULES[c], start) for c in codes]
    handoff.clocks = [*handoff.clocks, *new]
    handoff.due_on = min(date.fromisoformat(c["due_on"]) for c in new)
    case.deadline_on = handoff.due_on  # the case's running clock is the desk's


FIRST_CLOCKS = {
    "inspection": ("inspection_accept_5wd",),
    "legal_aid": ("legal_aid_review_7d",),  # the centre's promise is derived on reading (config)
    "petition": ("petition_accept_15d",),
    "negotiation": ("negotiation_respond_20d",),
}
STAGE_CLOCKS = {"filed": ("inspection_investigate_60wd",), "accepted": ("petition_conclude_60d",), "granted": ()}

GREEN_CATEGORIES = (ClaimCategory.WAGE_ARREARS.value, ClaimCategory.OVERTIME.value, ClaimCategory.WORK_INJURY.value)


async def legal_aid_flags(*, session: AsyncSession, case: CaseFile, today: date) -> tuple[bool, bool]:
    """(green channel, 先行提供): migrant workers' pay and work-injury claims skip the means test
    (法律援助法 第42条); a limitation or filing deadline under 7 days away asks for aid first (第44条)."""
    migrant = (
        await session.execute(
            select(col(CaseParty.id))
            .where(
                col(CaseParty.case_id) == case.id,
                col(CaseParty.role) == "applicant",
                col(CaseParty.migrant_worker).is_(True),
            )
            .limit(1)
        )
    ).first() is not None
    categories = set(
        (await session.execute(select(col(CaseClaim.category)).where(col(CaseClaim.case_id) == case.id))).scalars()
    )
    green = migrant and bool(categories & set(GREEN_CATEGORIES))
    deadlines = [case.deadline_on] if case.deadline_on else []
    for warning in (case.triage or {}).get("limitation", []):
        if warning.get("expires_on"):
            deadlines.append(date.fromisoformat(str(warning["expires_on"])))
    urgent = any(0 <= (d - today).days < 7 for d in deadlines)
    return green, urgent


async def open_handoff(*, session: AsyncSession, case: CaseFile, desk: str, reason: str | None) -> Handoff:
    """Send ``case`` to ``desk``: the hand-off starts its first clocks today (Beijing)."""
    today = clock.today()
    handoff = Handoff(case_id=case.id, center_id=case.center_id, desk=desk, reason=reason, received_on=today)
    if desk == "legal_aid":
        handoff.green_channel, handoff.priority_provision = await legal_aid_flags(
            session=session, case=case, today=today
        )
    _start(handoff, case, FIRST_CLOCKS[desk], today)
    session.add(handoff)
    await session.flush()
    await notifications.notify(
        session,
        center_id=case.center_id,
        audiences=[f"role:{DESK_ROLE[desk]}"],
        cause=f"handoff:{handoff.id}",
        kind="handoff",
        title=f"新移交事项：{case.case_no}",
        body=f"窗口移交{DESK_ZH[desk]}办理" + (f"（{reason}）" if reason else ""),
        case_id=case.id,
        link=f"/desks/{desk}?handoff={handoff.id}",
    )
    return handoff


async def withdraw_open(*, session: AsyncSession, case: CaseFile) -> Handoff | None:
    """A re-route takes the case away from its desk: the open hand-off ends as withdrawn."""
    handoff = await open_handoff_of(session=session, case_id=case.id)
    if handoff is None:
        return None
    handoff.status = "withdrawn"
    handoff.ended_at = handoff.updated_at = utcnow()
    _stop_clocks(handoff, clock.today())
    return handoff


async def open_handoff_of(*, session: AsyncSession, case_id: str) -> Handoff | None:
    return (
        await session.execute(
            select(Handoff)
            .where(col(Handoff.case_id) == case_id, col(Handoff.status).in_(OPEN_HANDOFF))
            .order_by(col(Handoff.created_at).desc())
            .limit(1)
        )
    ).scalar_one_or_none()


def desks_of(principal: Principal) -> set[str]:
    """The desks ``principal`` works (supervisors and admins: all)."""
    if principal.has_any_role("supervisor", "admin"):
        return set(DESK_ROLE)
    return {desk for desk, role in DESK_ROLE.items() if principal.has_any_role(role)}


async def get_handoff(*, session: AsyncSession, principal: Principal, handoff_id: str) -> Handoff:
    """The hand-off if it is one of ``principal``'s desks' own (404 otherwise)."""
    handoff = await session.get(Handoff, handoff_id)
    if (
        handoff is None
        or handoff.desk not in desks_of(principal)
        or (not principal.has_any_role("admin") and handoff.center_id != principal.center_id)
    ):
        raise NotFound(f"hand-off {handoff_id} does not exist")
    return handoff


async def queue(
    *, session: AsyncSession, principal: Principal, desk: str, include_ended: bool, limit: int = 200
) -> list[Handoff]:
    """The desk's hand-offs, the nearest deadline first."""
    if desk not in desks_of(principal):
        raise NotFound(f"desk {desk} does not exist for you")
    stmt = select(Handoff).where(col(Handoff.desk) == desk)
    if not principal.has_any_role("admin"):
        stmt = stmt.where(col(Handoff.center_id) == principal.center_id)
    if not include_ended:
        stmt = stmt.where(col(Handoff.status).in_(OPEN_HANDOFF))
    stmt = stmt.order_by(col(Handoff.due_on).is_(None), col(Handoff.due_on), col(Handoff.created_at)).limit(limit)
    return list((await session.execute(stmt)).scalars().all())


async def notes_of(*, session: AsyncSession, handoff_id: str) -> list[HandoffNote]:
    rows = await session.execute(
        select(HandoffNote)
        .where(col(HandoffNote.handoff_id) == handoff_id)
        .order_by(col(HandoffNote.at), col(HandoffNote.id))
    )
    return list(rows.scalars().all())


def allowed_outcomes(handoff: Handoff) -> list[str]:
    if handoff.status not in OPEN_HANDOFF:
        return []
    return [code for code, o in OUTCOMES[handoff.desk].items() if handoff.stage in o.after]


def _actor(principal: Principal) -> str:
    return principal.name or principal.subject


def _require_open(handoff: Handoff, *, pending: bool = False) -> None:
    states = ("pending",) if pending else OPEN_HANDOFF
    if handoff.status not in states:
        raise StateConflict(
            f"该移交事项当前为“{HANDOFF_STATUS_ZH[handoff.status]}”，不能再办理",
            extra={"current_status": handoff.status},
        )


async def accept(
    *, session: AsyncSession, principal: Principal, handoff: Handoff, case: CaseFile, note: str | None
) -> None:
    """The desk takes the hand-off (签收)."""
    from intake.cases import service as cases

    _require_open(handoff, pending=True)
    handoff.status, handoff.handled_by, handoff.updated_at = "accepted", _actor(principal), utcnow()
    if note:
        session.add(HandoffNote(handoff_id=handoff.id, author=_actor(principal), text=note))
    cases.add_timeline(
        session, case, kind="handoff.accepted", actor=principal, summary=f"{DESK_ZH[handoff.desk]}已签收移交事项"
    )
    cases.bump(case)
    await session.flush()


async def decline(
    *, session: AsyncSession, principal: Principal, handoff: Handoff, case: CaseFile, reason: str
) -> None:
    """The desk sends the hand-off back (退回): the case returns to the window with the reason."""
    from intake.cases import service as cases

    _require_open(handoff, pending=True)
    handoff.status, handoff.decline_reason, handoff.handled_by = "declined", reason, _actor(principal)
    handoff.ended_at = handoff.updated_at = utcnow()
    _stop_clocks(handoff, clock.today())
    cases.add_timeline(
        session,
        case,
        kind="handoff.declined",
        actor=principal,
        summary=f"{DESK_ZH[handoff.desk]}退回移交事项（理由：{reason}）",
        data={"desk": handoff.desk, "reason": reason},
    )
    await cases.lifecycle_follow(
        session, case, "intake.handoff.declined", {"reason": f"{DESK_ZH[handoff.desk]}退回：{reason}"}
    )
    cases.bump(case)
    await session.flush()


async def add_note(*, session: AsyncSession, principal: Principal, handoff: Handoff, text: str) -> HandoffNote:
    """A progress note of the desk (stays on the desk; the timeline says only that one was made)."""
    _require_open(handoff)
    note = HandoffNote(handoff_id=handoff.id, author=_actor(principal), text=text)
    session.add(note)
    handoff.updated_at = utcnow()
    await session.flush()
    return note


async def record_outcome(
    *,
    session: AsyncSession,
    principal: Principal,
    handoff: Handoff,
    case: CaseFile,
    outcome: str,
    reason: str | None,
    reply: str | None,
    aid_lawyer: str | None,
    decided_on: date | None,
) -> None:
    """Record the desk's outcome; the case stays, goes back to the window, or closes."""
    from intake.cases import service as cases

    _require_open(handoff)
    table = OUTCOMES[handoff.desk]
    if outcome not in table:
        options = "、".join(f"{o.label}（{code}）" for code, o in table.items())
        raise ValidationFailed.field("outcome", f"{DESK_ZH[handoff.desk]}的办理结果只能是：{options}")
    spec = table[outcome]
    if handoff.stage not in spec.after:
        allowed = "、".join(table[c].label for c in allowed_outcomes(handoff)) or "无"
        raise StateConflict(
            f"当前不能记录“{spec.label}”；可记录：{allowed}", extra={"allowed": allowed_outcomes(handoff)}
        )
    given = {"reason": reason, "reply": reply, "aid_lawyer": aid_lawyer}
    if spec.needs and not given[spec.needs]:
        raise ValidationFailed.field(spec.needs, NEEDS_ZH[spec.needs])
    today = clock.today()
    on = decided_on or today
    if on > today or on < handoff.received_on:
        raise ValidationFailed.field("decided_on", "决定日期须在收到移交之日与今天之间")
    handoff.outcome, handoff.outcome_reason, handoff.handled_by = outcome, reason, _actor(principal)
    handoff.reply = reply or handoff.reply
    handoff.aid_lawyer = aid_lawyer or handoff.aid_lawyer
    if handoff.status == "pending":
        handoff.status = "accepted"
    if handoff.desk == "legal_aid" and handoff.decided_on is None:
        handoff.decided_on = on
    handoff.updated_at = utcnow()
    _stop_clocks(handoff, on)
    detail = reason or reply or (f"指派{aid_lawyer}" if aid_lawyer else "")
    cases.add_timeline(
        session,
        case,
        kind=f"handoff.{handoff.desk}.{outcome}",
        actor=principal,
        summary=f"{DESK_ZH[handoff.desk]}：{spec.label}" + (f"（{detail}）" if detail else ""),
        data={"desk": handoff.desk, "outcome": outcome, "reason": reason, "aid_lawyer": aid_lawyer},
    )
    if spec.effect == "stay":
        handoff.stage = spec.stage or handoff.stage
        codes = STAGE_CLOCKS.get(handoff.stage, ())
        if codes:
            _start(handoff, case, codes, on)
        else:
            handoff.due_on = None
            case.deadline_on = None
    else:
        handoff.status = "concluded" if spec.effect == "close" else "returned"
        handoff.ended_at = utcnow()
        event = "intake.handoff.closed" if spec.effect == "close" else "intake.handoff.returned"
        await cases.lifecycle_follow(
            session,
            case,
            event,
            {"reason": f"{DESK_ZH[handoff.desk]}：{spec.label}（{detail}）", "close_reason": spec.close_reason},
        )
    cases.bump(case)
    await session.flush()


async def record_aid_result(
    *, session: AsyncSession, principal: Principal, handoff: Handoff, case: CaseFile, result: str
) -> None:
    """The aided case's result (legal aid granted earlier): the hand-off and the case close."""
    from intake.cases import service as cases

    _require_open(handoff)
    if handoff.desk != "legal_aid" or handoff.stage != "granted":
        raise StateConflict("只有已给予法律援助的事项才能登记受援案件结果", extra={"current_stage": handoff.stage})
    handoff.aid_result, handoff.status = result, "concluded"
    handoff.ended_at = handoff.updated_at = utcnow()
    cases.add_timeline(
        session, case, kind="handoff.legal_aid.result", actor=principal, summary=f"法律援助案件办结：{result}"
    )
    await cases.lifecycle_follow(session, case, "intake.handoff.closed", {"close_reason": "handled_by_agency"})
    cases.bump(case)
    await session.flush()


def within_promise(handoff: Handoff, days: int) -> bool:
    """True when the review decision came within ``days`` of the application (calendar days)."""
    return handoff.decided_on is not None and (handoff.decided_on - handoff.received_on).days <= days


def clocks_for_reading(handoff: Handoff, config: DeskConfig) -> list[dict[str, Any]]:
    """The stored statutory clocks plus, for legal aid, the centre's stricter promise."""
    clocks = list(handoff.clocks)
    if handoff.desk == "legal_aid":
        promise = _clock(promise_rule(config.legal_aid_promise_days), handoff.received_on)
        promise["stopped_on"] = handoff.decided_on.isoformat() if handoff.decided_on else None
        clocks.insert(0, promise)
    return clocks


async def summary(*, session: AsyncSession, principal: Principal, desk: str, config: DeskConfig) -> dict[str, Any]:
    """Open, at-risk and overdue counts; for legal aid the share decided within the promise."""
    items = await queue(session=session, principal=principal, desk=desk, include_ended=True, limit=10_000)
    today = clock.today()
    open_items = [h for h in items if h.status in OPEN_HANDOFF]
    at_risk = [h for h in open_items if h.due_on and 0 <= (h.due_on - today).days <= config.at_risk_days]
    overdue = [h for h in open_items if h.due_on and h.due_on < today]
    decided = [h for h in items if h.decided_on is not None]
    promise = config.legal_aid_promise_days if desk == "legal_aid" else None
    within = [h for h in decided if promise is not None and within_promise(h, promise)]
    return {
        "desk": desk,
        "desk_label": DESK_ZH[desk],
        "open": len(open_items),
        "at_risk": len(at_risk),
        "overdue": len(overdue),
        "decided": len(decided),
        "decided_within_promise": len(within),
        "promise_days": promise,
        "share_within_promise": round(len(within) / len(decided), 4) if decided and promise else None,
    }
