"""Assignment through the service: explained, overridable with a reason, reassigned when a mediator
becomes unavailable, parked (not blocking) when nobody fits, and capacity-safe under concurrency."""

import asyncio
from datetime import timedelta

import pytest
from factories import EMPLOYER, OTHER_EMPLOYER, build_registry, events, mediator_form, open_case, routed
from mediation.assignment import service as assignment
from mediation.assignment.models import AssignmentRecord
from mediation.proceedings.models import Proceeding
from onewindow_domain.calendar import china_today
from onewindow_kit.db import utcnow
from sqlalchemy import select, update

pytestmark = pytest.mark.anyio


async def test_the_explanation_says_why_this_mediator_and_why_not_the_others(client, test_keys, registry):
    p = await open_case(client, test_keys, street="南园街道")
    r = await client.get(f"/proceedings/{p['id']}/assignment", headers=registry.supervisor)
    assert r.status_code == 200
    current = r.json()["current"]
    assert current["kind"] == "auto" and current["weights_version"] == "2026-11-v1"
    explanation = current["explanation"]
    assert explanation["chosen_mediator_id"] == p["mediator"]["id"]
    candidates = {c["name"]: c for c in explanation["candidates"]}
    assert set(candidates) == {"张敏", "陈刚", "王磊"}
    chosen = candidates[p["mediator"]["name"]]
    assert chosen["rank"] == 1 and chosen["eligible"] and chosen["why_zh"].startswith("综合得分最高")
    assert set(chosen["components"]) == {"speciality_category", "speciality_industry", "language", "load", "fairness"}
    assert explanation["summary_zh"].startswith(f"分派给{p['mediator']['name']}")
    for c in explanation["candidates"]:
        assert c["why_zh"]  # every candidate says why not


async def test_a_conflicted_mediator_is_never_chosen(client, app, test_keys, registry):
    sup = registry.supervisor
    # m1 declared the employer; m2 acted as the worker's agent against it in an earlier case.
    r = await client.post(
        f"/mediators/{registry.mediators['m1']}/conflicts",
        headers=sup,
        json={"credit_code": EMPLOYER, "employer_name": "深圳市某某电子有限公司", "relation": "worked_for"},
    )
    assert r.status_code == 201, r.text
    earlier = await open_case(
        client,
        test_keys,
        respondents=[
            {"name": "深圳市某某电子有限公司", "credit_code": EMPLOYER, "role": "employer", "industry": "制造业"}
        ],
    )
    r = await client.post(
        f"/proceedings/{earlier['id']}/agents",
        headers=sup,
        json={"mediator_id": registry.mediators["m2"], "side": "worker"},
    )
    assert r.status_code == 201
    for _ in range(3):
        p = await open_case(client, test_keys)
        assert p["mediator"]["id"] == registry.mediators["m3"]
    explanation = (await client.get(f"/proceedings/{p['id']}/assignment", headers=sup)).json()["current"]["explanation"]
    reasons = {c["name"]: [x["reason_zh"] for x in c["exclusions"]] for c in explanation["candidates"]}
    assert reasons["张敏"] == ["利益冲突：曾任职于深圳市某某电子有限公司"]
    assert reasons["陈刚"][0].startswith("利益冲突：曾在案件中担任劳动者一方代理人")
    # Another employer: no conflict.
    other = await open_case(
        client,
        test_keys,
        respondents=[{"name": "另一家公司", "credit_code": OTHER_EMPLOYER, "role": "employer", "industry": "制造业"}],
    )
    assert other["mediator"]["id"] in (registry.mediators["m1"], registry.mediators["m2"])


async def test_a_mediator_on_leave_is_skipped(client, test_keys, registry):
    today = china_today()
    for sub in ("m1", "m2"):
        r = await client.post(
            f"/mediators/{registry.mediators[sub]}/leaves",
            headers=registry.supervisor,
            json={
                "start_on": (today + timedelta(days=2)).isoformat(),
                "end_on": (today + timedelta(days=6)).isoformat(),
                "reason": "年休假",
            },
        )
        assert r.status_code == 201, r.text
    p = await open_case(client, test_keys)
    assert p["mediator"]["id"] == registry.mediators["m3"]
    explanation = (await client.get(f"/proceedings/{p['id']}/assignment", headers=registry.supervisor)).json()
    leave_reasons = [x["code"] for c in explanation["current"]["explanation"]["candidates"] for x in c["exclusions"]]
    assert leave_reasons.count("on_leave") == 2


async def test_an_override_needs_a_reason_and_never_crosses_a_conflict(client, app, test_keys, registry):
    p = await open_case(client, test_keys)
    url = f"/proceedings/{p['id']}/assignment"
    target = next(v for v in registry.mediators.values() if v != p["mediator"]["id"])
    r = await client.post(url, headers=registry.supervisor, json={"mediator_id": target})
    assert r.status_code == 422
    assert r.json()["errors"] == [{"field": "reason", "message": "指定或改派调解员须填写理由"}]
    r = await client.post(url, headers=registry.staff["m1"], json={"mediator_id": target, "reason": "我想换人"})
    assert r.status_code == 403  # mediators do not override
    await client.post(
        f"/mediators/{target}/conflicts",
        headers=registry.supervisor,
        json={"credit_code": EMPLOYER, "employer_name": "某某电子", "relation": "represented"},
    )
    r = await client.post(url, headers=registry.supervisor, json={"mediator_id": target, "reason": "熟悉该企业情况"})
    assert r.status_code == 409
    assert r.json()["reasons"][0]["code"] == "conflict" and "利益冲突" in r.json()["detail_zh"]
    other = next(v for v in registry.mediators.values() if v not in (target, p["mediator"]["id"]))
    r = await client.post(url, headers=registry.supervisor, json={"mediator_id": other, "reason": "当事人要求粤语调解"})
    assert r.status_code == 200, r.text
    current = r.json()["current"]
    assert current["kind"] == "override" and current["reason"] == "当事人要求粤语调解"
    assert current["explanation"]["override"]["automatic_choice"]
    assert current["previous_mediator_id"] == p["mediator"]["id"]
    assigned = (await events(app, "mediation.proceeding.assigned"))[-1].data
    assert assigned["mediator"]["id"] == other and assigned["assignment_kind"] == "override"
    assert "当事人要求粤语调解" in assigned["summary_zh"]
    loads = {m["id"]: m["open_count"] for m in (await client.get("/mediators", headers=registry.supervisor)).json()}
    assert loads[other] == 1 and loads[p["mediator"]["id"]] == 0


async def test_deactivating_a_mediator_reassigns_and_flags_deadlines_at_risk(client, app, test_keys, registry):
    p = await open_case(client, test_keys)
    await open_case(client, test_keys)
    holder = p["mediator"]["id"]
    holder_headers = registry.staff[next(k for k, v in registry.mediators.items() if v == holder)]
    await client.post(f"/proceedings/{p['id']}/accept", headers=holder_headers, json={})
    r = await client.post(
        f"/proceedings/{p['id']}/sessions",
        headers=holder_headers,
        json={
            "mode": "in_person",
            "room": "第一调解室",
            "starts_at": f"{(china_today() + timedelta(days=1)).isoformat()}T10:00:00+08:00",
        },
    )
    assert r.status_code == 201, r.text
    async with app.state.db.transaction() as session:  # the case is two days from its deadline
        await session.execute(
            update(Proceeding).where(Proceeding.id == p["id"]).values(deadline_on=china_today() + timedelta(days=2))
        )
    r = await client.patch(f"/mediators/{holder}", headers=registry.supervisor, json={"active": False})
    assert r.status_code == 200, r.text
    report = r.json()["reassignment"]
    moved = {x["proceeding_id"]: x for x in report["reassigned"]}
    assert p["id"] in moved and all(x["mediator"]["id"] != holder for x in report["reassigned"])
    assert report["at_risk"] == [p["id"]] and report["parked"] == []
    after = (await client.get(f"/proceedings/{p['id']}", headers=registry.supervisor)).json()
    assert after["deadline_at_risk"] is True and after["mediator"]["id"] != holder
    assert after["status"] == "in_session"  # the proceeding goes on with the new mediator…
    sessions = (await client.get(f"/proceedings/{p['id']}/sessions", headers=registry.supervisor)).json()
    assert [s["status"] for s in sessions] == ["cancelled"]  # …who books their own sittings
    alerts = [e.data for e in await events(app, "mediation.alert.raised")]
    assert [a["alert"] for a in alerts] == ["deadline_at_risk"] and alerts[0]["proceeding_id"] == p["id"]
    audit = (await client.get("/registry/audit", params={"mediator_id": holder}, headers=registry.supervisor)).json()
    assert audit[0]["action"] == "deactivated" and audit[0]["changes"] == {"active": [True, False]}
    assert audit[0]["actor_subject"] == "sup-futian" and audit[0]["at"]
    history = (await client.get(f"/proceedings/{p['id']}/history", headers=registry.supervisor)).json()
    assert history[-1]["action"] == "reassigned" and history[-1]["actor_subject"] == "sup-futian"
    assert history[-1]["detail"]["sessions_cancelled"] == 1


async def test_nobody_fits_the_case_is_parked_with_an_alert_and_others_go_on(client, app, test_keys):
    reg = await build_registry(client, test_keys, mediators=[mediator_form("street", "张敏", "m1", capacity=1)])
    first = await open_case(client, test_keys)
    assert first["status"] == "assigned"
    second = await open_case(client, test_keys)
    assert second["status"] == "opened" and second["mediator"] is None
    assert "在办案件已达上限" in second["parked_reason"] or "已满额" in second["parked_reason"]
    [alert] = [e.data for e in await events(app, "mediation.alert.raised")]
    assert alert["alert"] == "assignment_parked" and alert["proceeding_id"] == second["id"]
    assert "capacity" in alert["reasons"] and alert["summary_zh"].startswith(f"案件{second['case_no']}暂无可分派")
    # A third case in another street is not blocked by the parked one.
    r = await client.post("/mediators", headers=reg.supervisor, json=mediator_form(reg.district_org, "王磊", "m9"))
    assert r.status_code == 201
    third = await open_case(client, test_keys)
    assert third["status"] == "assigned"
    # The supervisor frees capacity by retrying the parked case: it goes to the new mediator.
    r = await client.post(f"/proceedings/{second['id']}/assignment/retry", headers=reg.supervisor)
    assert r.status_code == 200 and r.json()["mediator_id"] is not None
    parked = (await client.get("/proceedings", params={"parked": True}, headers=reg.supervisor)).json()["items"]
    assert parked == []


async def test_capacity_holds_under_concurrent_openings(client, app, test_keys):
    """Eight cases routed at the same moment, two places in total: exactly two are assigned."""
    await build_registry(
        client,
        test_keys,
        mediators=[
            mediator_form("street", "张敏", "m1", capacity=1),
            mediator_form("street", "陈刚", "m2", capacity=1),
        ],
    )
    batch = [routed() for _ in range(8)]
    service = test_keys.headers(roles=["service"], sub="svc-intake")
    answers = await asyncio.gather(*(client.post("/internal/events", json=e, headers=service) for e in batch))
    assert all(a.status_code == 200 for a in answers), [a.text for a in answers]
    items = (
        await client.get("/proceedings", params={"limit": 100}, headers=test_keys.headers(roles=["admin"]))
    ).json()["items"]
    assert len(items) == 8
    assigned = [p for p in items if p["mediator"]]
    assert len(assigned) == 2 and len({p["mediator"]["id"] for p in assigned}) == 2
    loads = [
        m["open_count"] for m in (await client.get("/mediators", headers=test_keys.headers(roles=["admin"]))).json()
    ]
    assert sorted(loads) == [1, 1]
    assert sum(1 for p in items if p["parked_reason"]) == 6


async def test_collective_cases_go_to_a_senior_and_may_get_a_panel(client, test_keys, registry):
    p = await open_case(client, test_keys, collective=True, worker_count=23)
    assert p["mediator"]["id"] == registry.mediators["m3"] and p["complexity"] == "complex"
    url = f"/proceedings/{p['id']}/panel"
    r = await client.put(
        url,
        headers=registry.supervisor,
        json={
            "members": [
                {"side": "hrss", "name": "刘洋", "organisation": "福田区人力资源局"},
                {"side": "union", "name": "周婷", "organisation": "福田区总工会"},
                {"side": "union", "name": "吴涛", "organisation": "福田区总工会"},
            ]
        },
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "members"
    assert "企业代表组织" in r.json()["errors"][0]["message"]
    r = await client.put(
        url,
        headers=registry.supervisor,
        json={
            "members": [
                {"side": "hrss", "name": "刘洋", "organisation": "福田区人力资源局"},
                {"side": "union", "mediator_id": registry.mediators["m1"], "organisation": "福田区总工会"},
                {"side": "enterprise", "name": "郑伟", "organisation": "福田区企业联合会"},
            ]
        },
    )
    assert r.status_code == 200, r.text
    assert [m["name"] for m in r.json()["panel"]] == ["刘洋", "张敏", "郑伟"]
    # A panel member sees the proceeding too.
    assert (await client.get(f"/proceedings/{p['id']}", headers=registry.staff["m1"])).status_code == 200


async def _pools(app, center_id: str, window_days: int) -> tuple[dict, dict]:
    """The pool's fairness counts from the kept counts and from grouping the records (decision 0035)."""
    out = []
    for kept in (assignment.FAIRNESS_KEPT_DAYS, 0):  # 0: the window is longer than kept, so grouped
        old, assignment.FAIRNESS_KEPT_DAYS = assignment.FAIRNESS_KEPT_DAYS, kept
        try:
            async with app.state.db.transaction(read_only=True) as session:
                pool = await assignment.load_pool(
                    session=session, center_id=center_id, today=china_today(), window_days=window_days, credit_codes=()
                )
        finally:
            assignment.FAIRNESS_KEPT_DAYS = old
        out.append({mid: e.recent for mid, e in pool.entries.items()})
    return out[0], out[1]


async def test_the_kept_fairness_counts_equal_grouping_the_records(client, app, test_keys, registry):
    """Automatic, concurrent, override and reassigning decisions, and records older than the window:
    the snapshot's counts are those of the 30-day GROUP BY, for every mediator."""
    first = await open_case(client, test_keys, complexity="simple")
    service = test_keys.headers(roles=["service"], sub="svc-intake")
    batch = [routed(complexity=c) for c in ("simple", "standard", "complex", "standard", "simple")]
    answers = await asyncio.gather(*(client.post("/internal/events", json=e, headers=service) for e in batch))
    assert all(a.status_code == 200 for a in answers), [a.text for a in answers]
    target = next(v for v in registry.mediators.values() if v != first["mediator"]["id"])
    r = await client.post(
        f"/proceedings/{first['id']}/assignment",
        headers=registry.supervisor,
        json={"mediator_id": target, "reason": "当事人要求"},
    )
    assert r.status_code == 200, r.text
    r = await client.patch(f"/mediators/{target}", headers=registry.supervisor, json={"active": False})
    assert r.status_code == 200, r.text
    async with app.state.db.transaction() as session:  # 40 and 10 days ago
        for days in (40, 10):
            at = utcnow() - timedelta(days=days)
            session.add(
                AssignmentRecord(
                    proceeding_id=first["id"],
                    center_id=first["center_id"],
                    kind="auto",
                    mediator_id=target,
                    complexity="complex",
                    weights_version="x",
                    decided_by="test",
                    decided_at=at,
                )
            )
            await assignment.count_assignment(
                session, center_id=first["center_id"], mediator_id=target, complexity="complex", decided_at=at
            )
    for window in (30, 5, 60):
        counted, grouped = await _pools(app, first["center_id"], window)
        assert counted == grouped, window
    async with app.state.db.transaction(read_only=True) as session:
        records = (await session.execute(select(AssignmentRecord))).scalars().all()
    in_window = [r for r in records if r.mediator_id and r.decided_at >= utcnow() - timedelta(days=29)]
    assert len(in_window) >= 9  # six opened, the override, the reassignment(s), the one 10 days ago
    counted, _ = await _pools(app, first["center_id"], 30)
    assert sum(n for recent in counted.values() for n in recent.values()) == len(in_window)


async def test_an_assignment_failing_half_way_parks_the_case_and_publishes_only_what_stands(
    client, app, test_keys, monkeypatch
):
    """The savepoint rolls back the claimed capacity and the assignment's writes and events; the
    opening, its history and its event stand, the case is parked with an alert (decision 0034)."""
    from mediation.assignment import service as assignment

    reg = await build_registry(client, test_keys)

    async def broken(**_kw):  # after the capacity was claimed and the record added
        raise RuntimeError("boom")

    monkeypatch.setattr(assignment, "_install", broken)
    p = await open_case(client, test_keys)
    assert p["status"] == "opened" and p["mediator"] is None and "系统错误" in p["parked_reason"]
    published = [(e.type, e.data["proceeding_id"]) for e in await events(app)]
    assert published == [("mediation.proceeding.opened", p["id"]), ("mediation.alert.raised", p["id"])]
    history = (await client.get(f"/proceedings/{p['id']}/history", headers=reg.supervisor)).json()
    assert [h["action"] for h in history] == ["opened", "parked"]
    mediators = (await client.get("/mediators", headers=reg.supervisor)).json()
    items = mediators["items"] if isinstance(mediators, dict) else mediators
    assert all(m["open_count"] == 0 for m in items)  # the claimed place went back with the savepoint


async def test_opened_and_assigned_are_published_in_order(client, app, test_keys, registry):
    for _ in range(3):
        await open_case(client, test_keys)
    published = [(e.data["proceeding_id"], e.type.rsplit(".", 1)[1]) for e in await events(app)]
    assert [verb for _, verb in published] == ["opened", "assigned"] * 3
    assert all(published[i][0] == published[i + 1][0] for i in range(0, 6, 2))
