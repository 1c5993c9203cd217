"""Proceedings open from intake's events with the right clock, move through their states with
actor and time recorded, and tell intake and the partners what happened (docs/decisions/0006)."""

from datetime import date, timedelta

import pytest
from factories import EMPLOYER, deliver, envelope, events, open_case, routed, termination
from onewindow_domain.calendar import china_today

pytestmark = pytest.mark.anyio


async def test_a_routed_case_opens_a_proceeding_and_gets_a_mediator(client, app, test_keys, registry):
    p = await open_case(client, test_keys)
    assert p["status"] == "assigned" and p["source"] == "window" and p["source_label"] == "窗口受理"
    assert p["clock_rule"] == "mediation_15d"
    received = date.fromisoformat(p["received_on"])
    assert date.fromisoformat(p["deadline_on"]) >= received + timedelta(days=15)  # 15 days, rolled past a day off
    assert "劳动争议调解仲裁法 第14条" in p["deadline_basis_zh"]
    assert p["mediator"]["id"] in registry.mediators.values()
    types = [e.type for e in await events(app)]
    assert types == ["mediation.proceeding.opened", "mediation.proceeding.assigned"]
    opened, assigned = await events(app)
    assert opened.case_id == p["case_id"]
    assert set(opened.data) >= {"proceeding_id", "case_no", "source", "external_ref", "deadline_on", "summary_zh"}
    assert opened.data["source"] == "window" and opened.data["external_ref"] is None
    # The event adds the mediator's sign-in (intake notifies them) to what the API shows.
    sub = next(k for k, v in registry.mediators.items() if v == p["mediator"]["id"])
    assert assigned.data["mediator"] == {**p["mediator"], "user_subject": sub, "username": sub} and assigned.data[
        "summary_zh"
    ].startswith("自动分派调解员")
    assert p["respondents"][0]["credit_code"] == EMPLOYER  # kept for conflict checks
    assert p["claim_labels"] == ["拖欠工资"] and p["complexity"] == "simple"


async def test_a_case_routed_elsewhere_or_twice_opens_nothing_more(client, app, test_keys, registry):
    event = routed(route="inspection")
    assert (await deliver(client, test_keys, event))["status"] == "handled"
    assert await events(app) == []
    first = routed()
    await deliver(client, test_keys, first)
    again = routed(case_id=first["data"]["case_id"])
    await deliver(client, test_keys, again)  # a new event id for the same case: still one open proceeding
    assert (await deliver(client, test_keys, first))["status"] == "duplicate"
    assert len(await events(app, "mediation.proceeding.opened")) == 1


SOURCES = [
    (
        {
            "partner": "court",
            "partner_id": "c1",
            "referral_id": "r-1",
            "partner_case_no": "（2026）粤0304民诉前调1234号",
            "kind": "pre_filing",
        },
        "court_pre_filing",
        "court_referral_30d",
        30,
    ),
    (
        {
            "partner": "court",
            "partner_id": "c1",
            "referral_id": "r-2",
            "partner_case_no": "（2026）粤0304民初99号",
            "kind": "in_litigation",
        },
        "court_in_litigation",
        "in_litigation_referral_15d",
        15,
    ),
    (
        {
            "partner": "arbitration",
            "partner_id": "a1",
            "referral_id": "r-3",
            "partner_case_no": "深劳人仲预〔2026〕88号",
            "kind": "pre_filing",
        },
        "arbitration_pre_filing",
        "mediation_15d",
        15,
    ),
]


async def test_the_clock_follows_the_source(client, app, test_keys, registry):
    for ref, source, rule, days in SOURCES:
        p = await open_case(client, test_keys, external_ref=ref, channel="court_referral")
        assert p["source"] == source and p["clock_rule"] == rule
        received = date.fromisoformat(p["received_on"])
        due = date.fromisoformat(p["deadline_on"])
        assert received + timedelta(days=days) <= due <= received + timedelta(days=days + 9), source
        if source.startswith("court"):
            assert p["accept_by"] is not None  # 3 working days to answer the court
            assert p["mediator"]["id"] == registry.mediators["m3"]  # only the 特邀 organisation takes court referrals
        opened = (await events(app, "mediation.proceeding.opened"))[-1]
        assert opened.data["external_ref"] == ref and opened.data["source"] == source


async def test_the_partners_period_follows_the_confirmation_of_acceptance(client, test_keys, registry):
    """intake.case.deadline_changed (the court's 30 days now counted from acceptance, 在线调解规则 第24条):
    the open proceeding's partner clock follows, once, on the history; an extended one keeps its own."""
    ref = {"partner": "court", "partner_id": "c1", "referral_id": "r-10", "partner_case_no": "Y", "kind": "pre_filing"}
    p = await open_case(client, test_keys, external_ref=ref, deadline_on="2026-12-21", channel="court_referral")
    assert p["deadline_on"] == "2026-12-21" and p["partner_deadline"] is True
    changed = envelope(
        "intake.case.deadline_changed",
        {"case_id": p["case_id"], "deadline_on": "2026-12-23", "previous_deadline_on": "2026-12-21"},
        case_id=p["case_id"],
    )
    await deliver(client, test_keys, changed)
    admin = {"roles": ["admin"], "sub": "admin-1"}
    read = (await client.get(f"/proceedings/{p['id']}", headers=test_keys.headers(**admin))).json()
    assert read["deadline_on"] == "2026-12-23" and "确认接受委派之日起计算" in read["deadline_basis_zh"]
    history = (await client.get(f"/proceedings/{p['id']}/history", headers=test_keys.headers(**admin))).json()
    assert [h["detail"] for h in history if h["action"] == "deadline_rebased"] == [
        {"from": "2026-12-21", "to": "2026-12-23"}
    ]


async def test_a_partner_deadline_wins_and_unpublished_holidays_are_flagged(client, test_keys, registry):
    partner_deadline = date(2027, 1, 20)
    ref = {"partner": "court", "partner_id": "c1", "referral_id": "r-9", "partner_case_no": "X", "kind": "pre_filing"}
    p = await open_case(
        client, test_keys, external_ref=ref, deadline_on=partner_deadline.isoformat(), received_on="2026-12-21"
    )
    assert p["deadline_on"] == "2027-01-20" and p["partner_deadline"] is True
    assert "以委派方期限为准" in p["deadline_basis_zh"]
    assert p["unconfirmed_years"] == [2027]  # the statutory 30 days end in 2027, whose notice is not out


async def test_illegal_transitions_answer_409_with_the_allowed_ones(client, test_keys, registry):
    p = await open_case(client, test_keys)
    mediator = registry.staff[next(k for k, v in registry.mediators.items() if v == p["mediator"]["id"])]
    r = await client.post(
        f"/proceedings/{p['id']}/terminate",
        headers=mediator,
        json=termination(reason="分歧较大", undisputed_facts="入职时间无争议"),
    )
    assert r.status_code == 409
    body = r.json()
    assert body["current_status"] == "assigned"
    assert body["allowed"] == ["accepted", "declined", "withdrawn", "expired"]
    assert "不能变更为" in body["detail_zh"]


async def test_the_full_path_records_actor_and_time_and_publishes_each_step(client, app, test_keys, registry):
    p = await open_case(client, test_keys)
    sub = next(k for k, v in registry.mediators.items() if v == p["mediator"]["id"])
    me = registry.staff[sub]
    r = await client.post(f"/proceedings/{p['id']}/accept", headers=me, json={"note": "双方当面表示同意调解"})
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    start = "2026-12-01T09:30:00+08:00" if china_today() < date(2026, 12, 1) else None
    starts = start or f"{(china_today() + timedelta(days=1)).isoformat()}T09:30:00+08:00"
    r = await client.post(
        f"/proceedings/{p['id']}/sessions",
        headers=me,
        json={
            "mode": "in_person",
            "room": "第一调解室",
            "starts_at": starts,
            "attendees": [{"name": "工人甲", "role": "worker"}, {"name": "某某公司代表", "role": "employer"}],
        },
    )
    assert r.status_code == 201, r.text
    r = await client.post(
        f"/proceedings/{p['id']}/terminate", headers=me, json=termination(dispute_focus="2026年8–9月加班时长")
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "terminated" and r.json()["allowed_transitions"] == []
    history = (await client.get(f"/proceedings/{p['id']}/history", headers=me)).json()
    assert [h["action"] for h in history] == ["opened", "assigned", "accepted", "session_scheduled", "terminated"]
    assert all(h["at"] for h in history)
    assert history[2]["actor_subject"] == sub and history[2]["actor_name"]
    assert history[0]["actor_subject"] == "system:mediation"
    types = [e.type for e in await events(app)]
    assert types == [
        "mediation.proceeding.opened",
        "mediation.proceeding.assigned",
        "mediation.proceeding.accepted",
        "mediation.proceeding.session_scheduled",
        "mediation.proceeding.terminated",
    ]
    terminated = (await events(app, "mediation.proceeding.terminated"))[0].data
    assert terminated["undisputed_facts"] == "申请人2024年3月入职，月工资6000元"
    assert terminated["dispute_focus"] == "2026年8–9月加班时长"
    assert "分歧较大" in terminated["reason"]
    assert terminated["summary_zh"] and terminated["mediator"]["id"] == p["mediator"]["id"]
    # The mediator's load came back.
    r = await client.get(f"/mediators/{p['mediator']['id']}", headers=registry.supervisor)
    assert r.json()["open_count"] == 0


async def test_declined_and_withdrawn_end_with_their_reason(client, app, test_keys, registry):
    p = await open_case(client, test_keys)
    r = await client.post(
        f"/proceedings/{p['id']}/decline",
        headers=registry.supervisor,
        json={"party": "worker", "reason": "工人电话13800138000不愿调解"},
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"  # texts for partners: no phone numbers
    r = await client.post(
        f"/proceedings/{p['id']}/decline",
        headers=registry.supervisor,
        json={"party": "employer", "reason": "公司表示不愿调解"},
    )
    assert r.status_code == 200 and r.json()["status"] == "declined"
    declined = (await events(app, "mediation.proceeding.declined"))[0].data
    assert declined["reason"] == "用人单位一方拒绝调解：公司表示不愿调解"
    assert declined["undisputed_facts"] is None and declined["dispute_focus"] is None

    q = await open_case(client, test_keys)
    closed = envelope("intake.case.closed", {"case_id": q["case_id"], "close_reason": "withdrawn"})
    await deliver(client, test_keys, closed)
    r = await client.get(f"/proceedings/{q['id']}", headers=registry.supervisor)
    assert r.json()["status"] == "withdrawn" and "申请人撤回" in r.json()["close_reason"]


async def test_a_partner_withdrawing_its_referral_withdraws_the_proceeding(client, app, test_keys, registry):
    ref = {
        "partner": "court",
        "partner_id": "c1",
        "referral_id": "ref-77",
        "partner_case_no": "X",
        "kind": "pre_filing",
    }
    p = await open_case(client, test_keys, external_ref=ref)
    # Found by the referral id even without the case id.
    withdrawn = envelope(
        "court.referral.withdrawn", {"referral_id": "ref-77", "reason": "当事人已和解"}, source="court-bridge"
    )
    withdrawn["case_id"] = None
    await deliver(client, test_keys, withdrawn)
    r = await client.get(f"/proceedings/{p['id']}", headers=registry.supervisor)
    assert r.json()["status"] == "withdrawn" and "法院撤回委派" in r.json()["close_reason"]
    q = await open_case(client, test_keys, external_ref={**ref, "partner": "arbitration", "referral_id": "ref-78"})
    await deliver(
        client,
        test_keys,
        envelope(
            "arbitration.referral.withdrawn",
            {"referral_id": "ref-78"},
            case_id=q["case_id"],
            source="arbitration-bridge",
        ),
    )
    assert (await client.get(f"/proceedings/{q['id']}", headers=registry.supervisor)).json()["status"] == "withdrawn"
    data = (await events(app, "mediation.proceeding.withdrawn"))[0].data
    assert data["external_ref"] == ref and data["reason"].startswith("法院撤回委派")


async def test_extension_needs_both_parties_consent(client, test_keys, registry):
    p = await open_case(client, test_keys)
    url = f"/proceedings/{p['id']}/extensions"
    consent = {"consented_on": china_today().isoformat(), "method": "written", "by": "工人甲"}
    r = await client.post(
        url,
        headers=registry.supervisor,
        json={"days": 10, "reason": "双方希望继续协商", "consents": {"worker": consent}},
    )
    assert r.status_code == 422
    assert r.json()["errors"] == [{"field": "consents.employer", "message": "延长调解期限须经用人单位一方同意"}]
    r = await client.post(
        url,
        headers=registry.supervisor,
        json={
            "days": 10,
            "reason": "双方希望继续协商",
            "consents": {"worker": consent, "employer": {**consent, "by": "公司代理人"}},
        },
    )
    assert r.status_code == 201, r.text
    assert r.json()["previous_deadline_on"] == p["deadline_on"]
    after = (await client.get(f"/proceedings/{p['id']}", headers=registry.supervisor)).json()
    assert date.fromisoformat(after["deadline_on"]) >= date.fromisoformat(p["deadline_on"]) + timedelta(days=10)
    assert after["extended_days"] == 10 and "经双方当事人同意延长10日" in after["deadline_basis_zh"]


async def test_a_malformed_routed_event_is_refused_not_retried_forever(client, app, test_keys, registry):
    service = test_keys.headers(roles=["service"], sub="svc-intake")
    missing = routed()
    del missing["data"]["center_id"]
    personal = routed(case_no="工人手机13800138000")
    for event in (missing, personal):
        r = await client.post("/internal/events", json=event, headers=service)
        assert r.status_code == 422, r.text  # the relay marks it dead and delivers the next one
    assert await events(app) == []
    good = routed()
    assert (await deliver(client, test_keys, good))["status"] == "handled"
    # The refused event left no inbox row: replayed after a fix, it is handled.
    missing["data"]["center_id"] = "futian"
    assert (await deliver(client, test_keys, missing))["status"] == "handled"


async def test_proceedings_sorted_by_deadline_by_the_api_across_pages(client, test_keys, registry):
    from factories import cached_headers

    today = china_today()
    for days_ago in (2, 10, 5):
        await open_case(client, test_keys, received_on=(today - timedelta(days=days_ago)).isoformat())
    admin = cached_headers(test_keys, "admin", roles=["admin"], sub="admin-1")

    first = (await client.get("/proceedings", params={"sort": "deadline", "limit": 2}, headers=admin)).json()
    rest = await client.get(
        "/proceedings", params={"sort": "deadline", "limit": 2, "cursor": first["next_cursor"]}, headers=admin
    )

    deadlines = [p["deadline_on"] for p in first["items"] + rest.json()["items"]]
    assert len(deadlines) == 3 and deadlines == sorted(deadlines) and len(set(deadlines)) == 3
    assert rest.json()["next_cursor"] is None
    newest = (await client.get("/proceedings", headers=admin)).json()["items"]
    assert [p["received_on"] for p in newest] != sorted(p["received_on"] for p in newest)  # opened order, not deadline
    bad = await client.get("/proceedings", params={"sort": "name"}, headers=admin)
    assert bad.status_code == 422
