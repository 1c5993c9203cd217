"""Assignment with I/O around the pure engine: load a snapshot, decide, claim capacity, store the
explanation, publish ``mediation.proceeding.assigned`` — or park the case with its reason and an alert.

Capacity holds under concurrent openings because the claim is a conditional UPDATE
(``open_count < capacity``): on PostgreSQL it takes the mediator's row lock and re-checks the
condition after a concurrent transaction commits; SQLite serialises writers anyway. A lost race
marks the mediator full in the snapshot and the engine decides again.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from onewindow_domain.calendar import CHINA_TZ, china_today
from onewindow_kit.db import utcnow
from onewindow_kit.errors import StateConflict, ValidationFailed
from sqlalchemy import String, cast, func, literal_column, null, select, union_all, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from mediation.actor import Actor
from mediation.assignment.engine import (
    WAIVABLE,
    CaseFacts,
    ConflictFacts,
    Decision,
    LeaveFacts,
    MediatorFacts,
    Weights,
    decide,
)
from mediation.assignment.exceptions import MediatorExcluded
from mediation.assignment.models import AssignmentRecord, FairnessCounts
from mediation.config import MediationSettings
from mediation.proceedings import service as proceedings
from mediation.proceedings.models import Proceeding, ProceedingAgent, ProceedingRespondent
from mediation.proceedings.service import LOADED_STATES, OPEN_STATES
from mediation.registry.models import Mediator, MediatorConflict, MediatorLeave, Organisation
from mediation.sessions.models import MediationSession

log = logging.getLogger("mediation.assignment")


# ---------------------------------------------------------------------------------------------
# The snapshot
# ---------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Entry:
    base: dict[str, Any]
    open_count: int
    capacity: int
    leaves: list[LeaveFacts] = field(default_factory=list)
    conflicts: list[ConflictFacts] = field(default_factory=list)
    recent: dict[str, int] = field(default_factory=dict)  # complexity -> assignments in the window
    login: tuple[str | None, str | None] = (None, None)  # (user_subject, username): events carry the sign-in


@dataclass
class Pool:
    """The mediators of one centre as the decision sees them; counts are updated in memory as a
    batch (a reassignment of many proceedings) assigns, so one load serves the whole batch."""

    center_id: str
    today: date
    entries: dict[str, _Entry]
    # The facts built for earlier decisions, shared by every pool of the same registry rows: a
    # mediator whose load, leave, conflicts and recent counts are unchanged reuses the same
    # (immutable) object instead of building a 23-field dataclass for each of them on every case.
    memo: dict[str, tuple[tuple[Any, ...], MediatorFacts]] = field(default_factory=dict)

    def facts_for(self, case: CaseFacts) -> list[MediatorFacts]:
        out = []
        memo = self.memo
        complexity = case.complexity
        for mid, e in self.entries.items():
            leaves, conflicts = tuple(e.leaves), tuple(e.conflicts)
            total, same = sum(e.recent.values()), e.recent.get(complexity, 0)
            key = (e.open_count, e.capacity, leaves, conflicts, total, same)
            hit = memo.get(mid)
            if hit is not None and hit[0] == key:
                out.append(hit[1])
                continue
            facts = MediatorFacts(
                id=mid,
                **e.base,
                capacity=e.capacity,
                open_count=e.open_count,
                leaves=leaves,
                conflicts=conflicts,
                recent_total=total,
                recent_same_complexity=same,
            )
            memo[mid] = (key, facts)
            out.append(facts)
        return out

    def took(self, mediator_id: str, complexity: str) -> None:
        e = self.entries.get(mediator_id)
        if e is not None:
            e.open_count += 1
            e.recent[complexity] = e.recent.get(complexity, 0) + 1

    def released(self, mediator_id: str) -> None:
        e = self.entries.get(mediator_id)
        if e is not None and e.open_count > 0:
            e.open_count -= 1

    def brief(self, mediator_id: str | None) -> dict[str, Any] | None:
        e = self.entries.get(mediator_id) if mediator_id else None
        if e is None:
            return None
        return {"id": mediator_id, "name": e.base["name"], "organisation": e.base["organisation_name"]}

    def login(self, mediator_id: str) -> tuple[str | None, str | None] | None:
        e = self.entries.get(mediator_id)
        return e.login if e is not None else None

    def mark_full(self, mediator_id: str) -> None:
        e = self.entries.get(mediator_id)
        if e is not None:
            e.open_count = max(e.open_count, e.capacity)


# The registry rows of a centre (names, grades, specialities… JSON columns that are costly to decode
# on every case), reused while every mediator's version, the organisations' versions and the latest
# updated_at of both are unchanged (every registry change bumps the row's version and updated_at).
# Each process checks the stamp on every decision, so a change made by any replica is seen at once.
_Facts = dict[str, tuple[tuple[Any, ...], MediatorFacts]]
_REGISTRY_CACHE: dict[
    tuple[str, str],
    tuple[
        tuple[Any, ...],
        dict[str, dict[str, Any]],
        dict[str, tuple[str | None, str | None]],
        _Facts,
    ],
] = {}
_REGISTRY_CACHE_SIZE = 256


async def _registry_rows(
    session: AsyncSession, center_id: str
) -> tuple[
    dict[str, dict[str, Any]],
    dict[str, tuple[int, int]],
    dict[str, tuple[str | None, str | None]],
    _Facts,
    dict[str, str],
]:
    """``({mediator id: static facts}, {mediator id: (open_count, capacity)}, {mediator id: (user_subject,
    username)}, memo of built facts, {mediator id: fairness days (FairnessCounts.days)})`` of the centre."""
    # One statement: a row per mediator (id, version, load), plus one row (id NULL) carrying the
    # centre's organisations (count, version sum, latest updated_at) and the mediators' latest
    # updated_at — aggregates instead of two timestamps per mediator to decode on every case.
    in_centre = Organisation.center_id == center_id
    per_mediator = (
        select(
            Mediator.id,
            Mediator.version,
            Mediator.open_count,
            Mediator.capacity,
            literal_column("NULL").label("updated"),
            FairnessCounts.days,
        )
        .join(Organisation, Organisation.id == Mediator.organisation_id)
        .outerjoin(
            FairnessCounts,
            (FairnessCounts.center_id == center_id) & (FairnessCounts.mediator_id == Mediator.id),
        )
        .where(in_centre)
    )
    totals: Any = select(
        null().cast(String),
        select(func.count()).where(in_centre).scalar_subquery(),
        select(func.coalesce(func.sum(Organisation.version), 0)).where(in_centre).scalar_subquery(),
        literal_column("0"),
        func.coalesce(cast(select(func.max(Organisation.updated_at)).where(in_centre).scalar_subquery(), String), "")
        + "|"
        + func.coalesce(
            cast(
                select(func.max(Mediator.updated_at))
                .join(Organisation, Organisation.id == Mediator.organisation_id)
                .where(in_centre)
                .scalar_subquery(),
                String,
            ),
            "",
        ),
        null().cast(String),
    )
    loads: dict[str, tuple[int, int]] = {}
    versions: dict[str, int] = {}
    fairness: dict[str, str] = {}
    head: tuple[Any, ...] = ()
    rows = (await session.execute(union_all(per_mediator, totals))).all()
    for mid, version, open_count, capacity, updated, days in rows:
        if mid is None:
            head = (version, open_count, updated)
        else:
            versions[mid] = version
            loads[mid] = (open_count, capacity)
            if days is not None:
                fairness[mid] = days
    stamp = (head, versions)
    key = (str(session.bind.url) if session.bind is not None else "", center_id)
    cached = _REGISTRY_CACHE.get(key)
    if cached is not None and cached[0] == stamp:
        return cached[1], loads, cached[2], cached[3], fairness
    registry = (
        await session.execute(
            select(
                Mediator.id,
                Mediator.name,
                Mediator.active,
                Mediator.registration_status,
                Mediator.grade,
                Mediator.specialities,
                Mediator.industries,
                Mediator.collective_qualified,
                Mediator.languages,
                Mediator.streets,
                Organisation.id,
                Organisation.name,
                Organisation.center_id,
                Organisation.level,
                Organisation.streets,
                Organisation.active,
                Organisation.court_roster,
                Mediator.user_subject,
                Mediator.username,
            )
            .join(Organisation, Organisation.id == Mediator.organisation_id)
            .where(Organisation.center_id == center_id)
        )
    ).all()
    static: dict[str, dict[str, Any]] = {}
    logins: dict[str, tuple[str | None, str | None]] = {}
    for (
        mid,
        name,
        active,
        registration,
        grade,
        specialities,
        industries,
        collective,
        languages,
        streets,
        org_id,
        org_name,
        org_center,
        level,
        org_streets,
        org_active,
        roster,
        user_subject,
        username,
    ) in registry:
        logins[mid] = (user_subject, username)
        static[mid] = {
            "name": name,
            "organisation_id": org_id,
            "organisation_name": org_name,
            "organisation_center_id": org_center,
            "organisation_level": level,
            "organisation_streets": tuple(org_streets or ()),
            "organisation_active": org_active,
            "court_roster": roster,
            "active": active,
            "registration_status": registration,
            "grade": grade,
            "specialities": frozenset(specialities or ()),
            "industries": frozenset(industries or ()),
            "collective_qualified": collective,
            "languages": frozenset(languages or ()),
            "streets": tuple(streets or ()),
        }
    if len(_REGISTRY_CACHE) >= _REGISTRY_CACHE_SIZE:
        _REGISTRY_CACHE.clear()
    memo: _Facts = {}
    if set(static) == set(versions):  # a mediator added between the two reads: do not cache a mixed view
        _REGISTRY_CACHE[key] = (stamp, static, logins, memo)
    return static, loads, logins, memo, fairness


# Fairness counts (decision 0035): days older than this are pruned when a count is written; a window
# longer than the days kept (less a margin for the backfill's and a writer's clock) falls back to
# grouping the records.
FAIRNESS_KEPT_DAYS = 400
_FAIRNESS_MEMO: dict[tuple[str, str], dict[str, int]] = {}  # (days text, first day) -> {complexity: n}
_FAIRNESS_MEMO_SIZE = 50_000


def _recent_from(days: str, first_day: str) -> dict[str, int]:
    """``{complexity: assignments}`` on ``first_day`` (ISO date) and after, from FairnessCounts.days;
    the same mediator's unchanged text is decoded once per process and day."""
    key = (days, first_day)
    hit = _FAIRNESS_MEMO.get(key)
    if hit is None:
        hit = {}
        for day, per in json.loads(days).items():
            if day >= first_day:
                for complexity, n in per.items():
                    hit[complexity] = hit.get(complexity, 0) + n
        hit = {c: n for c, n in hit.items() if n > 0}
        if len(_FAIRNESS_MEMO) >= _FAIRNESS_MEMO_SIZE:
            _FAIRNESS_MEMO.clear()
        _FAIRNESS_MEMO[key] = hit
    return dict(hit)  # the pool's counts change as a batch assigns


async def _add_counted(session: AsyncSession, record: AssignmentRecord) -> None:
    """Add a record with a mediator and count it in the same transaction (decision 0035)."""
    session.add(record)
    assert record.mediator_id is not None
    await count_assignment(
        session,
        center_id=record.center_id,
        mediator_id=record.mediator_id,
        complexity=record.complexity,
        decided_at=record.decided_at,
    )


async def count_assignment(
    session: AsyncSession, *, center_id: str, mediator_id: str, complexity: str, decided_at: datetime
) -> None:
    """Add one assignment to the mediator's fairness counts, in the caller's transaction (the one that
    writes the record). The row is locked while it is read and rewritten, so concurrent assignments of
    the same mediator add up (on PostgreSQL the mediator's row is already locked by the capacity claim)."""
    where = (FairnessCounts.center_id == center_id) & (FairnessCounts.mediator_id == mediator_id)
    current = (await session.execute(select(FairnessCounts.days).where(where).with_for_update())).scalar_one_or_none()
    if current is None:
        dialect = session.bind.dialect.name if session.bind is not None else "postgresql"
        insert = sqlite_insert if dialect == "sqlite" else pg_insert
        await session.execute(
            insert(FairnessCounts)
            .values(center_id=center_id, mediator_id=mediator_id, days="{}")
            .on_conflict_do_nothing(index_elements=["center_id", "mediator_id"])
        )
        current = (await session.execute(select(FairnessCounts.days).where(where).with_for_update())).scalar_one()
    day = decided_at.astimezone(CHINA_TZ).date()
    oldest = (day - timedelta(days=FAIRNESS_KEPT_DAYS)).isoformat()
    days = {d: per for d, per in json.loads(current).items() if d >= oldest}
    per = days.setdefault(day.isoformat(), {})
    per[complexity] = per.get(complexity, 0) + 1
    text = json.dumps(days, sort_keys=True, separators=(",", ":"))
    await session.execute(update(FairnessCounts).where(where).values(days=text))


async def load_pool(
    *, session: AsyncSession, center_id: str, today: date, window_days: int, credit_codes: Iterable[str]
) -> Pool:
    """Every mediator of the centre's organisations, with leave, conflicts for ``credit_codes``,
    current load and their assignments in the fairness window."""
    codes = sorted(set(credit_codes))
    static, loads, logins, memo, fairness = await _registry_rows(session, center_id)
    entries: dict[str, _Entry] = {
        mid: _Entry(base=facts, open_count=loads[mid][0], capacity=loads[mid][1], login=logins[mid])
        for mid, facts in static.items()
        if mid in loads
    }
    counted = window_days <= FAIRNESS_KEPT_DAYS - 2  # else group the records, as before decision 0035
    if counted:
        first_day = (today - timedelta(days=window_days)).isoformat()
        for mid, days in fairness.items():
            entry = entries.get(mid)
            if entry is not None:
                entry.recent = _recent_from(days, first_day)
    in_centre = (
        select(Mediator.id)
        .join(Organisation, Organisation.id == Mediator.organisation_id)
        .where(Organisation.center_id == center_id)
    )
    since = datetime.combine(today - timedelta(days=window_days), datetime.min.time(), CHINA_TZ)
    # Leave, conflicts (declared, and as a party's agent) and the fairness counts in one round trip:
    # one SELECT per kind, as text columns (kind, mediator, a, b, c, d, n), joined by UNION ALL.
    text = null().cast(String)

    def kind(name: str) -> Any:
        return literal_column(f"'{name}'", String)

    parts: list[Any] = [
        select(
            kind("leave"),
            MediatorLeave.mediator_id,
            cast(MediatorLeave.start_on, String),
            cast(MediatorLeave.end_on, String),
            text,
            text,
            literal_column("0"),
        ).where(MediatorLeave.mediator_id.in_(in_centre), MediatorLeave.end_on >= today),
    ]
    if not counted:
        parts.append(
            select(
                kind("recent"),
                AssignmentRecord.mediator_id,
                AssignmentRecord.complexity,
                text,
                text,
                text,
                func.count(),
            )
            .where(
                AssignmentRecord.center_id == center_id,
                AssignmentRecord.decided_at >= since,
                AssignmentRecord.mediator_id.is_not(None),
            )
            .group_by(AssignmentRecord.mediator_id, AssignmentRecord.complexity)
        )
    if codes:
        parts.append(
            select(
                kind("declared"),
                MediatorConflict.mediator_id,
                MediatorConflict.credit_code,
                MediatorConflict.employer_name,
                MediatorConflict.relation,
                text,
                literal_column("0"),
            ).where(MediatorConflict.credit_code.in_(codes), MediatorConflict.mediator_id.in_(in_centre))
        )
        parts.append(
            select(
                kind("agent"),
                ProceedingAgent.mediator_id,
                ProceedingAgent.side,
                ProceedingRespondent.credit_code,
                ProceedingRespondent.name,
                Proceeding.case_no,
                literal_column("0"),
            )
            .join(ProceedingRespondent, ProceedingRespondent.proceeding_id == ProceedingAgent.proceeding_id)
            .join(Proceeding, Proceeding.id == ProceedingAgent.proceeding_id)
            .where(ProceedingRespondent.credit_code.in_(codes))
        )
    rows = (await session.execute(union_all(*parts))).all()
    # The same order as one query per kind: leave, declared conflicts, agents, then the counts.
    order = {"leave": 0, "declared": 1, "agent": 2, "recent": 3}
    by_kind: list[list[Any]] = [[], [], [], []]
    for row in rows:
        by_kind[order[row[0]]].append(row)
    for what, mid, a, b, c, d, n in (row for kind_rows in by_kind for row in kind_rows):
        entry = entries.get(mid)
        if entry is None:
            continue
        if what == "leave":
            entry.leaves.append(LeaveFacts(date.fromisoformat(a), date.fromisoformat(b)))
        elif what == "declared":
            entry.conflicts.append(ConflictFacts(a, b, c))
        elif what == "agent":
            entry.conflicts.append(ConflictFacts(b, c, f"agent_{a}", d))
        else:
            entry.recent[a] = int(n)
    return Pool(center_id=center_id, today=today, entries=entries, memo=memo)


def case_facts(p: Proceeding, today: date) -> CaseFacts:
    """The case as the engine sees it."""
    return CaseFacts(
        proceeding_id=p.id,
        case_no=p.case_no,
        center_id=p.center_id,
        street=p.street,
        source=p.source,
        collective=p.collective,
        complexity=p.complexity,
        categories=tuple(sorted({str(c.get("category")) for c in p.claims if c.get("category")})),
        industries=tuple(sorted({str(r.get("industry")) for r in p.respondents if r.get("industry")})),
        employers=tuple(
            (str(r["credit_code"]), str(r.get("name") or "")) for r in p.respondents if r.get("credit_code")
        ),
        languages=tuple(p.languages or ()),
        today=today,
        deadline_on=p.deadline_on,
    )


def weights_of(settings: MediationSettings) -> Weights:
    return Weights.from_mapping(settings.assignment_weights.model_dump())


def _codes(p: Proceeding) -> list[str]:
    return [str(r["credit_code"]) for r in p.respondents if r.get("credit_code")]


# ---------------------------------------------------------------------------------------------
# Deciding and recording
# ---------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    record: AssignmentRecord
    decision: Decision
    mediator_id: str | None
    mediator: dict[str, Any] | None = None  # {id, name, organisation, user_subject, username}


async def assign(
    *,
    session: AsyncSession,
    proceeding: Proceeding,
    actor: Actor,
    settings: MediationSettings,
    kind: str = "auto",
    skip: Iterable[str] = (),
    pool: Pool | None = None,
    today: date | None = None,
    record_failure: bool = True,
) -> Outcome:
    """Choose and claim a mediator for ``proceeding`` (opened or parked), or park it."""
    today = today or china_today()
    if pool is None:
        pool = await load_pool(
            session=session,
            center_id=proceeding.center_id,
            today=today,
            window_days=settings.fairness_window_days,
            credit_codes=_codes(proceeding),
        )
    case = case_facts(proceeding, today)
    weights = weights_of(settings)
    skipped = frozenset(skip)
    while True:
        decision = decide(case, pool.facts_for(case), weights, skip=skipped)
        if decision.chosen is None:
            break
        if await proceedings.take_capacity(session=session, mediator_id=decision.chosen.mediator_id):
            break
        pool.mark_full(decision.chosen.mediator_id)  # another opening took the last place meanwhile
    chosen = decision.chosen_id
    if chosen is None:
        record = await park(
            session=session,
            proceeding=proceeding,
            actor=actor,
            decision=decision,
            reason=decision.summary_zh,
            record=record_failure,
        )
        return Outcome(record=record, decision=decision, mediator_id=None)
    pool.took(chosen, proceeding.complexity)
    previous = proceeding.mediator_id
    record = AssignmentRecord(
        proceeding_id=proceeding.id,
        center_id=proceeding.center_id,
        kind=kind,
        mediator_id=chosen,
        previous_mediator_id=previous,
        complexity=proceeding.complexity,
        weights_version=weights.version,
        explanation=decision.explanation(),
        decided_by=actor.subject,
        decided_by_name=actor.name,
    )
    await _add_counted(session, record)
    assert decision.chosen is not None
    mediator = await _install(
        session=session,
        proceeding=proceeding,
        mediator_id=chosen,
        previous=previous,
        actor=actor,
        kind=kind,
        brief=_brief(decision.chosen.mediator_id, decision.chosen.name, decision.chosen.organisation),
        previous_brief=pool.brief(previous),
        login=pool.login(chosen),
    )
    return Outcome(record=record, decision=decision, mediator_id=chosen, mediator=mediator)


def _brief(mediator_id: str, name: str, organisation: str) -> dict[str, Any]:
    return {"id": mediator_id, "name": name, "organisation": organisation}


async def _install(
    *,
    session: AsyncSession,
    proceeding: Proceeding,
    mediator_id: str,
    previous: str | None,
    actor: Actor,
    kind: str,
    brief: dict[str, Any],
    previous_brief: dict[str, Any] | None,
    reason: str | None = None,
    login: tuple[str | None, str | None] | None = None,
) -> dict[str, Any]:
    """Put the mediator on the proceeding (capacity already claimed) and announce it; returns the
    mediator as the event shows them (``{id, name, organisation, user_subject, username}``)."""
    placed = {"mediator_id": mediator_id, "assigned_at": utcnow(), "parked_reason": None, "parked_at": None}
    if proceeding.status != "opened":
        for key, value in placed.items():
            setattr(proceeding, key, value)
    detail: dict[str, Any] = {
        "mediator_id": mediator_id,
        "previous_mediator_id": previous,
        "kind": kind,
        "reason": reason,
    }
    if previous is not None and proceeding.status == "in_session":
        # The previous mediator's future sittings are theirs, not the new mediator's: cancel them so
        # the new mediator books their own (and double booking stays checkable).
        cancelled = await session.execute(
            update(MediationSession)
            .where(
                MediationSession.proceeding_id == proceeding.id,
                MediationSession.status == "scheduled",
                MediationSession.starts_at > utcnow(),
            )
            .values(status="cancelled", updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        if cancelled.rowcount:
            detail["sessions_cancelled"] = cancelled.rowcount
    if proceeding.status == "opened":
        await proceedings.move(  # the mediator is written by the status change's own UPDATE
            session=session,
            proceeding=proceeding,
            to="assigned",
            actor=actor,
            action="assigned",
            detail=detail,
            values=placed,
        )
    else:
        proceedings.record_change(
            session, proceeding, actor, action="reassigned" if previous else "assigned", detail=detail
        )
        proceedings.bump(proceeding)
    # The mediator's sign-in travels too: intake notifies them of the assignment (issue 10).
    if login is None:  # not in the snapshot (the pool has every mediator of the centre, so rarely)
        login = tuple(
            (
                await session.execute(
                    select(Mediator.user_subject, Mediator.username).where(Mediator.id == mediator_id)
                )
            ).one()
        )
    mediator = {**brief, "user_subject": login[0], "username": login[1]}
    verb = {"auto": "自动分派", "override": "中心负责人指定", "reassign": "重新分派"}.get(kind, "分派")
    text = f"{verb}调解员{mediator['name']}（{mediator['organisation']}）"
    if reason:
        text += f"，理由：{reason}"
    await proceedings.publish_proceeding_event(
        session,
        proceeding,
        "assigned",
        text[:300],
        mediator=mediator,
        assignment_kind=kind,
        reassigned=previous is not None,
        previous_mediator=previous_brief
        if previous_brief or previous is None
        else await proceedings.mediator_brief(session, previous),
    )
    await session.flush()
    return mediator


async def park(
    *,
    session: AsyncSession,
    proceeding: Proceeding,
    actor: Actor,
    decision: Decision | None,
    reason: str,
    record: bool = True,
) -> AssignmentRecord:
    """No mediator could take the case: keep it open with its reason; the first time, alert supervisors."""
    first = proceeding.parked_at is None
    proceeding.parked_reason = reason[:500]
    proceeding.parked_at = proceeding.parked_at or utcnow()
    rec = AssignmentRecord(
        proceeding_id=proceeding.id,
        center_id=proceeding.center_id,
        kind="parked",
        mediator_id=None,
        previous_mediator_id=proceeding.mediator_id,
        complexity=proceeding.complexity,
        weights_version=decision.weights.version if decision else "-",
        reason=reason[:1000],
        explanation=decision.explanation() if decision else {"summary_zh": reason, "candidates": []},
        decided_by=actor.subject,
        decided_by_name=actor.name,
    )
    if record or first:
        session.add(rec)
        proceedings.record_change(session, proceeding, actor, action="parked", detail={"reason": reason[:500]})
        proceedings.bump(proceeding)
    if first:
        listed = {x["code"] for c in rec.explanation.get("candidates", []) for x in c.get("exclusions", [])}
        reasons = sorted(listed | set(rec.explanation.get("excluded_by_reason", {})))  # a large centre's (0033)
        await proceedings.publish_alert(
            session,
            proceeding,
            "assignment_parked",
            reasons or ["no_candidate"],
            f"案件{proceeding.case_no}暂无可分派的调解员，已挂起待中心负责人处理：{reason}"[:300],
        )
    await session.flush()
    return rec


async def assign_safely(
    *,
    session: AsyncSession,
    proceeding: Proceeding,
    actor: Actor,
    settings: MediationSettings,
    kind: str = "auto",
    skip: Iterable[str] = (),
    pool: Pool | None = None,
    today: date | None = None,
    record_failure: bool = True,
) -> Outcome | None:
    """``assign`` inside a savepoint: an unexpected failure parks this case instead of failing the
    batch or the event delivery it is part of (one failing case never blocks the others)."""
    mark = proceedings.events_mark(session)  # events held for the end of the batch (0034)
    try:
        async with session.begin_nested():
            return await assign(
                session=session,
                proceeding=proceeding,
                actor=actor,
                settings=settings,
                kind=kind,
                skip=skip,
                pool=pool,
                today=today,
                record_failure=record_failure,
            )
    except Exception as exc:  # parked with its reason, and logged with the traceback
        log.exception("assignment failed; proceeding parked", extra={"proceeding_id": proceeding.id})
        proceedings.events_drop(session, mark)  # rolled back with the savepoint
        await session.refresh(proceeding)
        await park(
            session=session,
            proceeding=proceeding,
            actor=actor,
            decision=None,
            reason=f"分派时发生系统错误（{type(exc).__name__}），请中心负责人手动指定调解员",
        )
        return None


async def override(
    *,
    session: AsyncSession,
    proceeding: Proceeding,
    mediator_id: str,
    reason: str | None,
    actor: Actor,
    settings: MediationSettings,
    today: date | None = None,
) -> AssignmentRecord:
    """A supervisor names the mediator, with a written reason. Capacity, street and 特邀 status may
    be set aside (recorded as waived); conflicts, leave, registration and collective rules may not."""
    if not reason or len(reason.strip()) < 2:
        raise ValidationFailed.field("reason", "指定或改派调解员须填写理由")
    if proceeding.status not in OPEN_STATES:
        raise StateConflict(
            "the proceeding has ended",
            extra={"current_status": proceeding.status, "allowed": [], "detail_zh": "程序已结束，不能改派"},
        )
    if proceeding.mediator_id == mediator_id:
        raise StateConflict("the proceeding is already with this mediator", extra={"detail_zh": "该调解员已在承办本案"})
    if await session.get(Mediator, mediator_id) is None:
        raise ValidationFailed.field("mediator_id", "调解员不存在")
    today = today or china_today()
    pool = await load_pool(
        session=session,
        center_id=proceeding.center_id,
        today=today,
        window_days=settings.fairness_window_days,
        credit_codes=_codes(proceeding),
    )
    case = case_facts(proceeding, today)
    weights = weights_of(settings)
    decision = decide(case, pool.facts_for(case), weights, waive=WAIVABLE)
    target = next((e for e in decision.evaluations if e.mediator_id == mediator_id), None)
    if target is None:
        raise ValidationFailed.field("mediator_id", "该调解员不属于本案受理中心的调解组织")
    if not target.eligible:
        raise MediatorExcluded(
            "this mediator may not take the case: " + "; ".join(e.code for e in target.exclusions),
            extra={
                "reasons": [{"code": e.code, "reason_zh": e.reason_zh} for e in target.exclusions],
                "detail_zh": "不能指定该调解员：" + "；".join(e.reason_zh for e in target.exclusions),
            },
        )
    previous = proceeding.mediator_id
    if previous and proceeding.status in LOADED_STATES:
        await proceedings.release_capacity(session=session, mediator_id=previous)
    await proceedings.take_capacity(session=session, mediator_id=mediator_id, force=True)
    explanation = decision.explanation()
    explanation["override"] = {
        "mediator_id": mediator_id,
        "reason": reason,
        "automatic_choice": decision.chosen_id,
        "waived": [{"code": w.code, "reason_zh": w.reason_zh} for w in target.waived],
        "candidate": target.as_dict(decision.weights),  # in full even where ``candidates`` is compact (0033)
    }
    explanation["summary_zh"] = f"中心负责人指定{target.name}（{target.organisation}），理由：{reason}" + (
        f"；已豁免：{'；'.join(w.reason_zh for w in target.waived)}" if target.waived else ""
    )
    record = AssignmentRecord(
        proceeding_id=proceeding.id,
        center_id=proceeding.center_id,
        kind="override",
        mediator_id=mediator_id,
        previous_mediator_id=previous,
        complexity=proceeding.complexity,
        weights_version=weights.version,
        reason=reason,
        explanation=explanation,
        decided_by=actor.subject,
        decided_by_name=actor.name,
    )
    await _add_counted(session, record)
    await _install(
        session=session,
        proceeding=proceeding,
        mediator_id=mediator_id,
        previous=previous,
        actor=actor,
        kind="override",
        brief=_brief(target.mediator_id, target.name, target.organisation),
        previous_brief=pool.brief(previous),
        reason=reason,
        login=pool.login(mediator_id),
    )
    return record


# ---------------------------------------------------------------------------------------------
# Reassignment when a mediator becomes unavailable
# ---------------------------------------------------------------------------------------------


@dataclass
class ReassignReport:
    mediator_id: str
    reassigned: list[dict[str, Any]] = field(default_factory=list)
    parked: list[dict[str, Any]] = field(default_factory=list)
    at_risk: list[str] = field(default_factory=list)


async def reassign_from(
    *,
    session: AsyncSession,
    mediator_id: str,
    actor: Actor,
    settings: MediationSettings,
    leave: tuple[date, date] | None = None,
    credit_code: str | None = None,
    today: date | None = None,
) -> ReassignReport:
    """Move the open proceedings of a mediator who was deactivated, de-registered, went on leave
    (only those whose clock overlaps the leave) or declared a conflict (only that employer's)."""
    today = today or china_today()
    report = ReassignReport(mediator_id=mediator_id)
    rows = (
        (
            await session.execute(
                select(Proceeding)
                .where(Proceeding.mediator_id == mediator_id, Proceeding.status.in_(LOADED_STATES))
                .order_by(Proceeding.deadline_on, Proceeding.id)
            )
        )
        .scalars()
        .all()
    )
    targets = []
    for p in rows:
        if leave is not None and not (leave[0] <= p.deadline_on and leave[1] >= today):
            continue
        if credit_code is not None and credit_code not in _codes(p):
            continue
        targets.append(p)
    if targets:
        # The departing mediator gives up every place at once (one UPDATE, not one per proceeding);
        # a proceeding that ends up parked no longer holds it either.
        await proceedings.release_capacity(session=session, mediator_id=mediator_id, count=len(targets))
    async with proceedings.events_at_end(session):  # the batch's events in a few statements (0034)
        await _reassign_each(session, targets, mediator_id, actor, settings, today, report)
    await session.flush()
    return report


async def _reassign_each(
    session: AsyncSession,
    targets: list[Proceeding],
    mediator_id: str,
    actor: Actor,
    settings: MediationSettings,
    today: date,
    report: ReassignReport,
) -> None:
    pools: dict[str, Pool] = {}
    for p in targets:
        if p.center_id not in pools:
            codes = {c for t in targets if t.center_id == p.center_id for c in _codes(t)}
            pools[p.center_id] = await load_pool(
                session=session,
                center_id=p.center_id,
                today=today,
                window_days=settings.fairness_window_days,
                credit_codes=codes,
            )
        pool = pools[p.center_id]
        pool.released(mediator_id)
        outcome = await assign_safely(
            session=session,
            proceeding=p,
            actor=actor,
            settings=settings,
            kind="reassign",
            skip={mediator_id},
            pool=pool,
            today=today,
        )
        if outcome is None or outcome.mediator_id is None:
            if p.mediator_id == mediator_id:
                p.mediator_id = None  # the unavailable mediator no longer holds it; capacity was released
            report.parked.append({"proceeding_id": p.id, "case_no": p.case_no, "reason": p.parked_reason})
        else:
            brief = outcome.mediator or await proceedings.mediator_brief(session, outcome.mediator_id)
            report.reassigned.append(
                {"proceeding_id": p.id, "case_no": p.case_no, "mediator": brief, "deadline_on": p.deadline_on}
            )
        if proceedings.at_risk(p, today=today, risk_days=settings.deadline_risk_days):
            p.deadline_at_risk = True
            report.at_risk.append(p.id)
            left = (p.deadline_on - today).days
            await proceedings.publish_alert(
                session,
                p,
                "deadline_at_risk",
                ["reassigned_near_deadline"],
                f"案件{p.case_no}更换调解员时距调解期限仅剩{max(left, 0)}日（{p.deadline_on.isoformat()}），可能逾期",
            )


async def retry_parked(
    *,
    session: AsyncSession,
    proceeding: Proceeding,
    actor: Actor,
    settings: MediationSettings,
    record_failure: bool = True,
) -> Outcome | None:
    """Try the automatic assignment again for a parked proceeding."""
    if proceeding.status not in OPEN_STATES or proceeding.mediator_id is not None:
        raise StateConflict(
            "the proceeding is not waiting for a mediator",
            extra={"current_status": proceeding.status, "detail_zh": "该程序不在待分派状态"},
        )
    return await assign_safely(
        session=session,
        proceeding=proceeding,
        actor=actor,
        settings=settings,
        kind="auto",
        record_failure=record_failure,
    )


async def records(*, session: AsyncSession, proceeding: Proceeding) -> list[AssignmentRecord]:
    """Every decision about the proceeding, newest first."""
    return list(
        (
            await session.execute(
                select(AssignmentRecord)
                .where(AssignmentRecord.proceeding_id == proceeding.id)
                .order_by(AssignmentRecord.id.desc())
            )
        ).scalars()
    )
