"""The assignment decision: a pure function over a snapshot (no I/O, no clock, no randomness).

``decide(case, mediators, weights)`` applies the hard filters to every mediator of the centre,
scores the ones left, breaks ties deterministically and explains the result: for each candidate
the exclusions (reasons in Chinese), the score components, the weighted score and the rank.

Hard filters: active and registered (备案), the organisation active and of the case's centre, not on
leave on any day up to the deadline, serves the case's street (its own streets, else its
organisation's; a district-level organisation without streets serves the whole centre), below
capacity, collective disputes only to qualified mediators of senior grade or above, court
pre-filing referrals only to 特邀 organisations, and no conflict of interest (declared, or an
earlier proceeding in which the mediator acted as a party's agent against/for the same employer).

Score: speciality by claim category and by industry, languages, free capacity and fairness over the
rolling window (fewer recent cases, and fewer recent cases of the same complexity, so nobody gets
all the easy or all the hard ones). Ties: lower load, then fewer recent cases, then mediator id.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

GRADE_RANK = {"junior": 0, "intermediate": 1, "senior": 2, "chief": 3}
GRADE_ZH = {"junior": "初级", "intermediate": "中级", "senior": "高级", "chief": "首席"}
COMPLEXITY_ZH = {"simple": "简易", "standard": "一般", "complex": "复杂"}
REGISTRATION_ZH = {"registered": "已备案", "pending": "备案中", "suspended": "暂停", "revoked": "已撤销"}
RELATION_ZH = {
    "worked_for": "曾任职于",
    "represented": "曾代理",
    "other": "与其存在利害关系：",
    "agent_worker": "曾在案件中担任劳动者一方代理人，对方为",
    "agent_employer": "曾在案件中担任用人单位一方代理人：",
}
COMPONENTS_ZH = {
    "speciality_category": "专长（请求事项）",
    "speciality_industry": "专长（行业）",
    "language": "语言/方言",
    "load": "在办负荷",
    "fairness": "近期分案均衡",
}
SOURCE_NEEDS_ROSTER = {"court_pre_filing", "court_in_litigation"}
# The explanation lists every candidate in full up to this many; a larger centre's lists the first
# EXPLAINED_IN_FULL in full and the rest as compact rows (decision 0033: 1,000 candidates in full
# were ~500 KB of JSON per decision, written with the decision).
FULL_EXPLANATION_LIMIT = 200
EXPLAINED_IN_FULL = 50
# Exclusions a supervisor's override may set aside (with a written reason); the others never.
WAIVABLE = frozenset({"capacity", "street", "court_roster"})


@dataclass(frozen=True)
class CaseFacts:
    """What the decision needs to know of the case."""

    proceeding_id: str
    case_no: str
    center_id: str
    street: str | None
    source: str
    collective: bool
    complexity: str
    categories: tuple[str, ...]
    industries: tuple[str, ...]
    employers: tuple[tuple[str, str], ...]  # (credit code, name)
    languages: tuple[str, ...]
    today: date
    deadline_on: date


@dataclass(frozen=True)
class LeaveFacts:
    start_on: date
    end_on: date


@dataclass(frozen=True)
class ConflictFacts:
    credit_code: str
    employer_name: str
    relation: str  # worked_for | represented | other | agent_worker | agent_employer
    case_no: str | None = None


@dataclass(frozen=True)
class MediatorFacts:
    """A mediator as the snapshot saw them (registry row, leave, conflicts, load, recent cases)."""

    id: str
    name: str
    organisation_id: str
    organisation_name: str
    organisation_center_id: str
    organisation_level: str
    organisation_streets: tuple[str, ...]
    organisation_active: bool
    court_roster: bool
    active: bool
    registration_status: str
    grade: str
    specialities: frozenset[str]
    industries: frozenset[str]
    collective_qualified: bool
    languages: frozenset[str]
    streets: tuple[str, ...]
    capacity: int
    open_count: int
    leaves: tuple[LeaveFacts, ...] = ()
    conflicts: tuple[ConflictFacts, ...] = ()
    recent_total: int = 0  # assignments in the fairness window
    recent_same_complexity: int = 0  # of those, of the case's complexity


@dataclass(frozen=True)
class Weights:
    version: str
    speciality_category: float
    speciality_industry: float
    language: float
    load: float
    fairness: float

    def as_dict(self) -> dict[str, float]:
        return {k: getattr(self, k) for k in COMPONENTS_ZH}

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Weights:
        return cls(version=str(data["version"]), **{k: float(data[k]) for k in COMPONENTS_ZH})


@dataclass(frozen=True)
class Exclusion:
    code: str
    reason_zh: str


@dataclass(frozen=True)
class Evaluation:
    mediator_id: str
    name: str
    organisation: str
    exclusions: tuple[Exclusion, ...]
    waived: tuple[Exclusion, ...] = ()
    components: Mapping[str, float] = field(default_factory=dict)
    score: float | None = None
    rank: int | None = None
    why_zh: str = ""

    @property
    def eligible(self) -> bool:
        return not self.exclusions

    def as_dict(self, weights: Weights, factors: Mapping[str, float] | None = None) -> dict[str, Any]:
        """``factors``: ``weights.as_dict()`` when the caller has it (an explanation of many candidates)."""
        w = factors if factors is not None else weights.as_dict()
        comp = self.components
        return {
            "mediator_id": self.mediator_id,
            "name": self.name,
            "organisation": self.organisation,
            "eligible": not self.exclusions,
            "rank": self.rank,
            "score": self.score,
            "components": dict(comp),
            "weighted": {k: round(v * w[k], 4) for k, v in comp.items()},
            "exclusions": [{"code": e.code, "reason_zh": e.reason_zh} for e in self.exclusions],
            "waived": [{"code": e.code, "reason_zh": e.reason_zh} for e in self.waived],
            "why_zh": self.why_zh,
        }


@dataclass(frozen=True)
class Decision:
    chosen: Evaluation | None
    evaluations: tuple[Evaluation, ...]  # ranked candidates first, then the excluded by name
    weights: Weights
    case: CaseFacts
    summary_zh: str

    @property
    def chosen_id(self) -> str | None:
        return self.chosen.mediator_id if self.chosen else None

    def ranked_ids(self) -> list[str]:
        """Eligible mediators best first (the order to try when a capacity race is lost)."""
        return [e.mediator_id for e in self.evaluations if e.eligible]

    def explanation(self) -> dict[str, Any]:
        """The JSON stored with the decision and served at ``GET /proceedings/{id}/assignment``.

        Up to FULL_EXPLANATION_LIMIT candidates each in full. A larger centre (decision 0033): the
        first EXPLAINED_IN_FULL in full (best ranked first, then the excluded by name), every other
        candidate as a compact row (id, name, rank and score, or the codes of their exclusions),
        ``excluded_by_reason`` counting each code over all candidates, and ``candidates_total``."""
        c = self.case
        factors = self.weights.as_dict()
        evaluations = self.evaluations
        compact = len(evaluations) > FULL_EXPLANATION_LIMIT
        listed = evaluations[:EXPLAINED_IN_FULL] if compact else evaluations
        out: dict[str, Any] = {
            "weights_version": self.weights.version,
            "weights": self.weights.as_dict(),
            "decided_on": c.today.isoformat(),
            "case": {
                "street": c.street,
                "collective": c.collective,
                "complexity": c.complexity,
                "source": c.source,
                "categories": list(c.categories),
                "industries": list(c.industries),
                "languages": list(c.languages),
                "deadline_on": c.deadline_on.isoformat(),
            },
            "chosen_mediator_id": self.chosen_id,
            "summary_zh": self.summary_zh,
            "eligible_count": sum(1 for e in self.evaluations if e.eligible),
            "excluded_count": sum(1 for e in self.evaluations if not e.eligible),
            "candidates": [e.as_dict(self.weights, factors) for e in listed],
        }
        if compact:
            counts: dict[str, int] = {}
            for e in evaluations:
                for x in e.exclusions:
                    counts[x.code] = counts.get(x.code, 0) + 1
            out["candidates_total"] = len(evaluations)
            out["excluded_by_reason"] = dict(sorted(counts.items()))
            out["others"] = [
                {"mediator_id": e.mediator_id, "name": e.name, "rank": e.rank, "score": e.score}
                if e.eligible
                else {"mediator_id": e.mediator_id, "name": e.name, "exclusions": [x.code for x in e.exclusions]}
                for e in evaluations[EXPLAINED_IN_FULL:]
            ]
        return out


# ---------------------------------------------------------------------------------------------
# Hard filters
# ---------------------------------------------------------------------------------------------


def serves_street(m: MediatorFacts, street: str | None) -> bool:
    """Street scope: the mediator's own streets, else the organisation's; a district-level
    organisation without listed streets, or a case without a street, means the whole centre."""
    if street is None:
        return True
    if m.streets:
        return street in m.streets
    if m.organisation_streets:
        return street in m.organisation_streets
    return m.organisation_level == "district"


def exclusions(case: CaseFacts, m: MediatorFacts) -> list[Exclusion]:
    """Every reason this mediator may not take this case (empty: eligible)."""
    out: list[Exclusion] = []
    if m.organisation_center_id != case.center_id:
        out.append(Exclusion("other_center", "所属调解组织不属于本案受理中心"))
    if not m.active:
        out.append(Exclusion("inactive", "调解员已停用"))
    if not m.organisation_active:
        out.append(Exclusion("organisation_inactive", f"所属调解组织“{m.organisation_name}”已停用"))
    if m.registration_status != "registered":
        label = REGISTRATION_ZH.get(m.registration_status, m.registration_status)
        out.append(Exclusion("unregistered", f"未完成备案（备案状态：{label}）"))
    for leave in m.leaves:
        if leave.start_on <= case.deadline_on and leave.end_on >= case.today:
            out.append(
                Exclusion(
                    "on_leave",
                    f"休假{leave.start_on.isoformat()}至{leave.end_on.isoformat()}，"
                    f"与调解期限（至{case.deadline_on.isoformat()}）重叠",
                )
            )
            break
    if not serves_street(m, case.street):
        out.append(Exclusion("street", f"不负责{case.street}的案件"))
    if m.open_count >= m.capacity:
        out.append(Exclusion("capacity", f"在办案件已达上限（{m.open_count}/{m.capacity}）"))
    if case.collective:
        if not m.collective_qualified:
            out.append(Exclusion("collective", "未取得集体争议调解资格"))
        if GRADE_RANK.get(m.grade, 0) < GRADE_RANK["senior"]:
            out.append(
                Exclusion(
                    "collective_grade", f"集体争议须由高级及以上调解员主持（现为{GRADE_ZH.get(m.grade, m.grade)}）"
                )
            )
    if case.source in SOURCE_NEEDS_ROSTER and not m.court_roster:
        out.append(Exclusion("court_roster", "法院委派/委托调解须由特邀调解组织承办，所属组织非特邀调解组织"))
    if not m.conflicts:
        return out
    codes = dict(case.employers)
    for conflict in m.conflicts:
        if conflict.credit_code in codes:
            employer = codes[conflict.credit_code] or conflict.employer_name
            relation = RELATION_ZH.get(conflict.relation, "与其存在利害关系：")
            where = f"（{conflict.case_no}）" if conflict.case_no else ""
            out.append(Exclusion("conflict", f"利益冲突：{relation}{employer}{where}"))
    return out


# ---------------------------------------------------------------------------------------------
# Score
# ---------------------------------------------------------------------------------------------


def components(case: CaseFacts, m: MediatorFacts, *, min_total: int, min_same: int) -> dict[str, float]:
    """Each component in [0, 1]; the weights make them a score."""
    return _components(_CaseSets.of(case), m, min_total, min_same)


@dataclass(frozen=True, slots=True)
class _CaseSets:
    """The case's categories, industries and languages as sets: built once per decision, not once
    per candidate (a centre of 1,000 mediators)."""

    categories: frozenset[str]
    industries: frozenset[str]
    languages: frozenset[str]

    @classmethod
    def of(cls, case: CaseFacts) -> _CaseSets:
        return cls(frozenset(case.categories), frozenset(case.industries), frozenset(case.languages))


def _components(c: _CaseSets, m: MediatorFacts, min_total: int, min_same: int) -> dict[str, float]:
    cats, langs = c.categories, c.languages
    speciality = len(cats & m.specialities) / len(cats) if cats else 0.0
    industry = 1.0 if not c.industries.isdisjoint(m.industries) else 0.0
    language = len(langs & m.languages) / len(langs) if langs else 0.0
    load = max(0.0, 1.0 - m.open_count / m.capacity) if m.capacity > 0 else 0.0
    fairness = 0.5 / (1 + m.recent_total - min_total) + 0.5 / (1 + m.recent_same_complexity - min_same)
    return {
        "speciality_category": round(speciality, 4),
        "speciality_industry": industry,
        "language": round(language, 4),
        "load": round(load, 4),
        "fairness": round(fairness, 4),
    }


def _score(comp: Mapping[str, float], factors: Mapping[str, float]) -> float:
    """``factors``: each component's weight as a float."""
    return round(sum(v * factors[k] for k, v in comp.items()), 4)


def _tie_key(m: MediatorFacts, score: float) -> tuple[float, float, int, str]:
    return (-score, m.open_count / m.capacity if m.capacity else 1.0, m.recent_total, m.id)


# ---------------------------------------------------------------------------------------------
# The decision
# ---------------------------------------------------------------------------------------------


def decide(
    case: CaseFacts,
    mediators: Iterable[MediatorFacts],
    weights: Weights,
    *,
    skip: frozenset[str] = frozenset(),
    waive: frozenset[str] = frozenset(),
    only: str | None = None,
) -> Decision:
    """Choose a mediator for ``case``. ``skip``: mediators to leave out with a reason (the previous
    mediator of a reassignment, one that lost a capacity race). ``only`` with ``waive``: a
    supervisor's override evaluates one mediator, setting aside the waivable exclusions."""
    people = sorted(mediators, key=lambda m: m.id)
    evaluated: list[tuple[MediatorFacts, list[Exclusion], list[Exclusion]]] = []
    for m in people:
        if only is not None and m.id != only:
            continue
        found = exclusions(case, m)
        if m.id in skip:
            found.append(Exclusion("skipped", "原承办调解员或已无空余名额，本次不再分派"))
        waived = [e for e in found if e.code in waive]
        evaluated.append((m, [e for e in found if e.code not in waive], waived))

    eligible = [(m, w) for m, ex, w in evaluated if not ex]
    min_total = min((m.recent_total for m, _ in eligible), default=0)
    min_same = min((m.recent_same_complexity for m, _ in eligible), default=0)
    sets = _CaseSets.of(case)
    floats = {k: float(v) for k, v in weights.as_dict().items()}
    scored = []
    for m, waived in eligible:
        comp = _components(sets, m, min_total, min_same)
        scored.append((m, comp, _score(comp, floats), waived))
    scored.sort(key=lambda item: _tie_key(item[0], item[2]))

    results: list[Evaluation] = []
    best = scored[0] if scored else None
    factors = weights.as_dict()
    for rank, (m, comp, score, waived) in enumerate(scored, start=1):
        results.append(
            Evaluation(
                mediator_id=m.id,
                name=m.name,
                organisation=m.organisation_name,
                exclusions=(),
                waived=tuple(waived),
                components=comp,
                score=score,
                rank=rank,
                why_zh=_why(rank, m, score, comp, best, factors),
            )
        )
    for m, ex, waived in sorted((x for x in evaluated if x[1]), key=lambda x: (x[0].name, x[0].id)):
        results.append(
            Evaluation(
                mediator_id=m.id,
                name=m.name,
                organisation=m.organisation_name,
                exclusions=tuple(ex),
                waived=tuple(waived),
                why_zh="不符合条件：" + "；".join(e.reason_zh for e in ex),
            )
        )
    chosen = results[0] if results and results[0].eligible else None
    return Decision(
        chosen=chosen,
        evaluations=tuple(results),
        weights=weights,
        case=case,
        summary_zh=_summary(chosen, results, case),
    )


def _why(
    rank: int,
    m: MediatorFacts,
    score: float,
    comp: Mapping[str, float],
    best: tuple[MediatorFacts, Mapping[str, float], float, Any] | None,
    w: Mapping[str, float],
) -> str:
    strengths = [COMPONENTS_ZH[k] for k, v in comp.items() if v >= 0.5 and v * w[k] > 0]
    plus = f"（优势：{'、'.join(strengths)}）" if strengths else ""
    assert best is not None
    if rank == 1:
        return f"综合得分最高（{score}）{plus}"
    best_m, _, best_score, _ = best
    if score == best_score:
        if m.open_count / m.capacity != best_m.open_count / best_m.capacity:
            return f"得分与{best_m.name}并列{score}，其在办负荷较低，优先分派"
        if m.recent_total != best_m.recent_total:
            return f"得分与{best_m.name}并列{score}，其近期分案较少，优先分派"
        return f"得分与{best_m.name}并列{score}，按编号顺序分派给{best_m.name}"
    return f"综合得分{score}低于{best_m.name}的{best_score}{plus}"


def _summary(chosen: Evaluation | None, results: list[Evaluation], case: CaseFacts) -> str:
    excluded = [e for e in results if not e.eligible]
    counts: dict[str, int] = {}
    for e in excluded:
        for x in e.exclusions:
            counts[x.code] = counts.get(x.code, 0) + 1
    labels = {
        "inactive": "已停用",
        "organisation_inactive": "组织停用",
        "unregistered": "未备案",
        "on_leave": "休假",
        "street": "不负责该街道",
        "capacity": "已满额",
        "collective": "无集体争议资格",
        "collective_grade": "等级不足",
        "court_roster": "非特邀调解组织",
        "conflict": "利益冲突",
        "skipped": "本次不再分派",
        "other_center": "非本中心",
    }
    why_not = "，".join(f"{labels.get(k, k)}{n}人" for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    if chosen is None:
        if not results:
            return "本中心没有登记的调解员，无法分派"
        return f"无符合条件的调解员（共{len(results)}人，{why_not}）"
    text = f"分派给{chosen.name}（{chosen.organisation}）：{chosen.why_zh}；候选{len(results)}人，符合条件{len(results) - len(excluded)}人"
    if excluded:
        text += f"，排除{len(excluded)}人（{why_not}）"
    return text
