"""The registry: supervisors and admins manage it, every change is audited, bad input names the field."""

import pytest
from factories import EMPLOYER, mediator_form

pytestmark = pytest.mark.anyio


async def test_a_supervisor_registers_and_changes_organisations_and_mediators(client, test_keys, registry):
    sup = registry.supervisor
    orgs = (await client.get("/organisations", headers=registry.staff["m1"])).json()
    assert {o["name"] for o in orgs} == {"福田街道人民调解委员会", "福田区劳动争议联合调解中心"}
    district = next(o for o in orgs if o["level"] == "district")
    assert district["court_roster"] is True and district["roster_courts"] == ["深圳市福田区人民法院"]
    m1 = registry.mediators["m1"]
    r = await client.patch(f"/mediators/{m1}", headers=sup, json={"languages": ["普通话", "粤语"], "capacity": 8})
    assert r.status_code == 200 and r.json()["languages"] == ["普通话", "粤语"] and r.json()["version"] == 2
    assert r.json()["reassignment"] is None
    audit = (await client.get("/registry/audit", params={"entity": "mediator", "entity_id": m1}, headers=sup)).json()
    assert [a["action"] for a in audit] == ["updated", "created"]
    assert audit[0]["changes"] == {"languages": [["普通话"], ["普通话", "粤语"]], "capacity": [5, 8]}
    assert audit[0]["actor_subject"] == "sup-futian" and audit[0]["actor_name"] == "李强"
    listed = (await client.get("/mediators", headers=registry.staff["m2"])).json()
    assert {m["name"] for m in listed} == {"张敏", "陈刚", "王磊"}
    assert all(m["organisation_name"] for m in listed)


async def test_mediators_and_clerks_read_but_do_not_manage(client, test_keys, registry):
    form = mediator_form(registry.street_org, "赵六", "m9")
    for roles in (["mediator"], ["clerk"]):
        r = await client.post("/mediators", json=form, headers=test_keys.headers(roles=roles, center_id="futian"))
        assert r.status_code == 403
    luohu = test_keys.headers(roles=["supervisor"], sub="sup-luohu", center_id="luohu")
    r = await client.post("/mediators", json=form, headers=luohu)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "organisation_id"
    assert (await client.get(f"/mediators/{registry.mediators['m1']}", headers=luohu)).status_code == 404
    assert (await client.get("/organisations", headers=luohu)).json() == []
    r = await client.patch(f"/organisations/{registry.street_org}", headers=luohu, json={"name": "改名"})
    assert r.status_code == 404
    admin = await client.get("/organisations", headers=registry.admin)
    assert len(admin.json()) == 2


BAD_MEDIATORS = [
    ({"registration_no": None}, "registration_no", "已备案的调解员须填写备案编号"),
    ({"capacity": 0}, "capacity", "不能小于1"),
    ({"specialities": ["bonus"]}, "specialities[0]", None),
    ({"grade": "junior", "collective_qualified": True}, "collective_qualified", "初级调解员不能取得集体争议调解资格"),
    ({"name": ""}, "name", "至少1个字符"),
    ({"organisation_id": "nope"}, "organisation_id", "调解组织不存在"),
    ({"username": "m1"}, "username", "该账号已关联其他调解员"),
    ({"unexpected": 1}, "unexpected", "不允许的字段"),
]
BAD_ORGANISATIONS = [
    ({"name": "某街道调委会", "level": "street"}, "streets"),
    ({"name": "某调委会", "level": "village"}, "level"),
    ({"name": "某调委会", "level": "social", "roster_courts": ["福田法院"]}, "roster_courts"),
    ({"name": "福田街道人民调解委员会", "level": "street", "streets": ["福田街道"]}, "name"),
]


async def test_bad_registry_input_names_the_field_and_saves_nothing(client, registry):
    for change, field, message in BAD_MEDIATORS:
        form = mediator_form(registry.street_org, "赵六", "m9") | change
        r = await client.post("/mediators", json=form, headers=registry.supervisor)
        assert r.status_code == 422, (change, r.text)
        assert r.headers["content-type"] == "application/problem+json"
        errors = {e["field"]: e["message"] for e in r.json()["errors"]}
        assert field in errors, (change, errors)
        if message:
            assert errors[field] == message
    for body, field in BAD_ORGANISATIONS:
        r = await client.post("/organisations", json=body, headers=registry.supervisor)
        assert r.status_code == 422, (body, r.text)
        assert field in [e["field"] for e in r.json()["errors"]], body
    assert len((await client.get("/mediators", headers=registry.supervisor)).json()) == 3
    assert len((await client.get("/organisations", headers=registry.supervisor)).json()) == 2


async def test_leave_and_conflicts_are_validated_and_audited(client, registry):
    m1, sup = registry.mediators["m1"], registry.supervisor
    r = await client.post(
        f"/mediators/{m1}/leaves", headers=sup, json={"start_on": "2026-12-10", "end_on": "2026-12-01"}
    )
    assert r.status_code == 422 and r.json()["errors"] == [
        {"field": "end_on", "message": "休假结束日期不能早于开始日期"}
    ]
    r = await client.post(
        f"/mediators/{m1}/conflicts",
        headers=sup,
        json={
            "credit_code": EMPLOYER[:-1] + ("0" if EMPLOYER[-1] != "0" else "1"),
            "employer_name": "某公司",
            "relation": "worked_for",
        },
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "credit_code"
    r = await client.post(
        f"/mediators/{m1}/conflicts",
        headers=sup,
        json={"credit_code": EMPLOYER.lower(), "employer_name": "某公司", "relation": "worked_for"},
    )
    assert r.status_code == 201 and r.json()["credit_code"] == EMPLOYER
    again = await client.post(
        f"/mediators/{m1}/conflicts",
        headers=sup,
        json={"credit_code": EMPLOYER, "employer_name": "某公司", "relation": "represented"},
    )
    assert again.status_code == 422
    r = await client.post(
        f"/mediators/{m1}/leaves",
        headers=sup,
        json={"start_on": "2027-02-01", "end_on": "2027-02-10", "reason": "春节"},
    )
    assert r.status_code == 201
    leave_id = r.json()["id"]
    assert (await client.delete(f"/mediators/{m1}/leaves/{leave_id}", headers=sup)).status_code == 204
    conflicts = (await client.get(f"/mediators/{m1}/conflicts", headers=sup)).json()
    assert (await client.delete(f"/mediators/{m1}/conflicts/{conflicts[0]['id']}", headers=sup)).status_code == 204
    audit = (await client.get("/registry/audit", params={"mediator_id": m1}, headers=sup)).json()
    assert [(a["entity"], a["action"]) for a in audit] == [
        ("conflict", "deleted"),
        ("leave", "deleted"),
        ("leave", "created"),
        ("conflict", "created"),
        ("mediator", "created"),
    ]


async def test_a_mediator_finds_their_own_record(client, test_keys, registry):
    r = await client.get("/mediators/me", headers=registry.staff["m2"])
    assert r.status_code == 200 and r.json()["name"] == "陈刚"
    # Linked by login name when the token carries one (preferred_username), not only by sub.
    other = test_keys.headers(roles=["mediator"], sub="unknown-sub", center_id="futian", preferred_username="m1")
    assert (await client.get("/mediators/me", headers=other)).json()["name"] == "张敏"
    stranger = test_keys.headers(roles=["mediator"], sub="nobody", center_id="futian")
    assert (await client.get("/mediators/me", headers=stranger)).status_code == 404


async def test_deactivating_an_organisation_takes_its_mediators_out(client, test_keys, registry):
    from factories import open_case

    p = await open_case(client, test_keys)
    org = registry.street_org if p["mediator"]["id"] != registry.mediators["m3"] else registry.district_org
    r = await client.patch(f"/organisations/{org}", headers=registry.supervisor, json={"active": False})
    assert r.status_code == 200 and r.json()["active"] is False
    after = (await client.get(f"/proceedings/{p['id']}", headers=registry.supervisor)).json()
    assert after["mediator"] is None or after["mediator"]["id"] != p["mediator"]["id"]
