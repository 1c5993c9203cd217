"""The pure assignment decision: hard filters, deterministic ranking, explanations, fairness."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from mediation.assignment.engine import (
    CaseFacts,
    ConflictFacts,
    LeaveFacts,
    MediatorFacts,
    Weights,
    decide,
)

TODAY = date(2026, 11, 23)
WEIGHTS = Weights(version="test-v1", speciality_category=3, speciality_industry=1, language=1.5, load=2, fairness=2.5)
EMPLOYER = "91440300MA5FAAAAA1"


def case(**over) -> CaseFacts:
    base = CaseFacts(
        proceeding_id="p1",
        case_no="福田一窗〔2026〕00001号",
        center_id="futian",
        street="福田街道",
        source="window",
        collective=False,
        complexity="standard",
        categories=("wage_arrears",),
        industries=("制造业",),
        employers=((EMPLOYER, "某某电子有限公司"),),
        languages=(),
        today=TODAY,
        deadline_on=TODAY + timedelta(days=15),
    )
    return replace(base, **over)


def mediator(mid: str, **over) -> MediatorFacts:
    base = MediatorFacts(
        id=mid,
        name=f"调解员{mid}",
        organisation_id="o1",
        organisation_name="福田街道调委会",
        organisation_center_id="futian",
        organisation_level="street",
        organisation_streets=("福田街道",),
        organisation_active=True,
        court_roster=False,
        active=True,
        registration_status="registered",
        grade="intermediate",
        specialities=frozenset({"wage_arrears"}),
        industries=frozenset({"制造业"}),
        collective_qualified=False,
        languages=frozenset({"普通话"}),
        streets=(),
        capacity=10,
        open_count=0,
    )
    return replace(base, **over)


def test_each_hard_filter_excludes_with_a_chinese_reason():
    people = [
        mediator("a"),
        mediator("b", active=False),
        mediator("c", registration_status="pending"),
        mediator("d", leaves=(LeaveFacts(TODAY + timedelta(days=3), TODAY + timedelta(days=5)),)),
        mediator("e", streets=("南园街道",)),
        mediator("f", open_count=10),
        mediator("g", conflicts=(ConflictFacts(EMPLOYER, "某某电子有限公司", "worked_for"),)),
        mediator("h", organisation_center_id="luohu"),
        mediator("i", organisation_active=False),
    ]
    decision = decide(case(), people, WEIGHTS)
    assert decision.chosen_id == "a"
    reasons = {e.mediator_id: [x.reason_zh for x in e.exclusions] for e in decision.evaluations if not e.eligible}
    assert reasons["b"] == ["调解员已停用"]
    assert reasons["c"] == ["未完成备案（备案状态：备案中）"]
    assert "休假" in reasons["d"][0] and "重叠" in reasons["d"][0]
    assert reasons["e"] == ["不负责福田街道的案件"]
    assert reasons["f"] == ["在办案件已达上限（10/10）"]
    assert reasons["g"] == ["利益冲突：曾任职于某某电子有限公司"]
    assert reasons["h"] == ["所属调解组织不属于本案受理中心"]
    assert "已停用" in reasons["i"][0]
    explanation = decision.explanation()
    assert explanation["weights_version"] == "test-v1" and explanation["chosen_mediator_id"] == "a"
    assert explanation["eligible_count"] == 1 and explanation["excluded_count"] == 8
    assert "排除8人" in explanation["summary_zh"]


def test_leave_outside_the_clock_does_not_exclude():
    later = mediator("a", leaves=(LeaveFacts(TODAY + timedelta(days=40), TODAY + timedelta(days=50)),))
    past = mediator("b", leaves=(LeaveFacts(TODAY - timedelta(days=10), TODAY - timedelta(days=1)),))
    decision = decide(case(), [later, past], WEIGHTS)
    assert all(e.eligible for e in decision.evaluations)


def test_collective_disputes_need_a_qualified_senior_mediator():
    people = [
        mediator("a", grade="chief"),
        mediator("b", collective_qualified=True),
        mediator("c", grade="senior", collective_qualified=True),
    ]
    decision = decide(case(collective=True, complexity="complex"), people, WEIGHTS)
    assert decision.chosen_id == "c"
    why = {e.mediator_id: [x.code for x in e.exclusions] for e in decision.evaluations}
    assert why["a"] == ["collective"] and why["b"] == ["collective_grade"]


def test_court_referrals_need_a_court_rostered_organisation():
    decision = decide(case(source="court_pre_filing"), [mediator("a"), mediator("b", court_roster=True)], WEIGHTS)
    assert decision.chosen_id == "b"


def test_street_scope_falls_back_to_the_organisation_and_district_covers_all():
    own = mediator("a", streets=("南园街道",))
    org = mediator("b", organisation_streets=("南园街道",))
    district = mediator("c", organisation_level="district", organisation_streets=())
    decision = decide(case(street="南园街道"), [own, org, district], WEIGHTS)
    assert all(e.eligible for e in decision.evaluations)
    decision = decide(case(street="沙头街道"), [own, org, district], WEIGHTS)
    assert decision.chosen_id == "c" and sum(e.eligible for e in decision.evaluations) == 1
    decision = decide(case(street=None), [own, org], WEIGHTS)
    assert all(e.eligible for e in decision.evaluations)


def test_speciality_and_language_score_and_the_explanation_says_why():
    generalist = mediator("a", specialities=frozenset(), industries=frozenset())
    specialist = mediator("b", languages=frozenset({"普通话", "粤语"}))
    decision = decide(case(languages=("粤语",)), [generalist, specialist], WEIGHTS)
    assert decision.chosen_id == "b"
    best, other = decision.evaluations
    assert best.components["speciality_category"] == 1.0 and best.components["language"] == 1.0
    assert other.components["speciality_category"] == 0.0
    assert best.why_zh.startswith("综合得分最高") and "专长（请求事项）" in best.why_zh
    assert other.why_zh.startswith("综合得分") and "低于调解员b" in other.why_zh


def test_ties_break_deterministically():
    people = [mediator(x) for x in ("c", "a", "b")]
    first = decide(case(), people, WEIGHTS)
    assert first.chosen_id == "a"  # equal in everything: lowest id
    assert decide(case(), list(reversed(people)), WEIGHTS).explanation() == first.explanation()
    busier = [mediator("a", open_count=3), mediator("b", open_count=3), mediator("c", open_count=3, capacity=20)]
    assert decide(case(), busier, replace(WEIGHTS, load=0)).chosen_id == "c"  # equal score: lower load ratio


def test_override_may_waive_capacity_but_never_a_conflict():
    full = mediator("a", open_count=10)
    conflicted = mediator("b", conflicts=(ConflictFacts(EMPLOYER, "某某", "represented"),))
    waived = decide(case(), [full, conflicted], WEIGHTS, waive=frozenset({"capacity", "street", "court_roster"}))
    by_id = {e.mediator_id: e for e in waived.evaluations}
    assert by_id["a"].eligible and [w.code for w in by_id["a"].waived] == ["capacity"]
    assert not by_id["b"].eligible


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(st.booleans(), st.integers(0, 12), st.booleans(), st.booleans()), min_size=1, max_size=12),
    st.integers(0, 10_000),
)
def test_a_conflicted_mediator_is_never_chosen(flags, seed):
    rng = random.Random(seed)
    people = []
    for i, (conflicted, load, specialist, agent) in enumerate(flags):
        conflicts = ()
        if conflicted:
            conflicts = (ConflictFacts(EMPLOYER, "某某", "agent_worker" if agent else "worked_for", "案号"),)
        people.append(
            mediator(
                f"m{i:02d}",
                open_count=load,
                conflicts=conflicts,
                specialities=frozenset({"wage_arrears"}) if specialist else frozenset(),
                recent_total=rng.randint(0, 20),
                recent_same_complexity=rng.randint(0, 5),
            )
        )
    decision = decide(case(), people, WEIGHTS)
    conflicted_ids = {m.id for m in people if m.conflicts}
    assert decision.chosen_id not in conflicted_ids
    for e in decision.evaluations:
        if e.mediator_id in conflicted_ids:
            assert any(x.code == "conflict" for x in e.exclusions) and e.why_zh.startswith("不符合条件")


def test_fairness_evens_out_over_a_simulated_month():
    """Five equally qualified mediators, a month of cases of mixed complexity, each closing after
    8–14 days: everyone ends with about the same number, and of each complexity about the same."""
    rng = random.Random(20261123)
    ids = [f"m{i}" for i in range(5)]
    load = dict.fromkeys(ids, 0)
    history: list[tuple[int, str, str]] = []  # (day, mediator, complexity)
    closing: list[tuple[int, str]] = []
    for day in range(30):
        for _, mid in [c for c in closing if c[0] == day]:
            load[mid] -= 1
        for _ in range(rng.randint(3, 6)):
            complexity = rng.choices(["simple", "standard", "complex"], weights=[5, 3, 2])[0]
            recent = [h for h in history if h[0] > day - 30]
            people = [
                mediator(
                    mid,
                    open_count=load[mid],
                    capacity=40,
                    recent_total=sum(1 for h in recent if h[1] == mid),
                    recent_same_complexity=sum(1 for h in recent if h[1] == mid and h[2] == complexity),
                )
                for mid in ids
            ]
            chosen = decide(case(complexity=complexity, today=TODAY + timedelta(days=day)), people, WEIGHTS).chosen_id
            assert chosen is not None
            history.append((day, chosen, complexity))
            load[chosen] += 1
            closing.append((day + rng.randint(8, 14), chosen))
    totals = Counter(h[1] for h in history)
    assert max(totals.values()) - min(totals.values()) <= 2, totals
    for complexity in ("simple", "standard", "complex"):
        per = Counter(h[1] for h in history if h[2] == complexity)
        counts = [per.get(mid, 0) for mid in ids]
        assert max(counts) - min(counts) <= 2, (complexity, counts)


def test_without_fairness_a_specialist_gets_everything_and_with_it_the_work_spreads():
    specialist = mediator("a", industries=frozenset({"制造业"}))
    others = [mediator(x, industries=frozenset()) for x in ("b", "c")]
    counts: Counter[str] = Counter()
    for _ in range(12):
        people = [
            replace(m, recent_total=counts[m.id], recent_same_complexity=counts[m.id]) for m in [specialist, *others]
        ]
        counts[decide(case(), people, replace(WEIGHTS, fairness=0)).chosen_id] += 1
    assert counts == Counter({"a": 12})
    counts.clear()
    for _ in range(12):
        people = [
            replace(m, recent_total=counts[m.id], recent_same_complexity=counts[m.id]) for m in [specialist, *others]
        ]
        counts[decide(case(), people, WEIGHTS).chosen_id] += 1
    assert counts["a"] >= max(counts["b"], counts["c"])  # the specialist is never behind…
    assert min(counts.values()) >= 3  # …and nobody is left out


def test_a_large_centre_explains_the_first_candidates_in_full_and_the_rest_compactly():
    """Decision 0033: beyond 200 candidates the first 50 are in full, every other one is a compact
    row (rank and score, or its exclusion codes); the counts cover everybody."""
    people = [mediator(f"m{i:03d}", open_count=i % 7) for i in range(240)]
    people += [mediator(f"x{i:03d}", active=False) for i in range(30)]
    people += [mediator(f"s{i:03d}", streets=("园岭街道",)) for i in range(30)]
    d = decide(case(), people, WEIGHTS)
    e = d.explanation()
    assert e["candidates_total"] == 300
    assert len(e["candidates"]) == 50 and len(e["others"]) == 250
    assert [c["mediator_id"] for c in e["candidates"]] + [c["mediator_id"] for c in e["others"]] == [
        x.mediator_id for x in d.evaluations
    ]
    assert e["candidates"][0]["mediator_id"] == d.chosen_id and e["candidates"][0]["why_zh"]
    assert e["eligible_count"] == 240 and e["excluded_count"] == 60
    assert e["excluded_by_reason"] == {"inactive": 30, "street": 30}
    ranked = [c for c in e["others"] if "rank" in c]
    assert [c["rank"] for c in ranked] == list(range(51, 241))
    assert all(c["score"] is not None for c in ranked)
    assert sorted({code for c in e["others"] if "exclusions" in c for code in c["exclusions"]}) == [
        "inactive",
        "street",
    ]


def test_a_typical_centre_still_explains_every_candidate_in_full():
    people = [mediator(f"m{i:03d}") for i in range(200)]
    e = decide(case(), people, WEIGHTS).explanation()
    assert len(e["candidates"]) == 200
    assert "others" not in e and "candidates_total" not in e
