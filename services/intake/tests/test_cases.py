"""Case registration, triage, lifecycle, timeline, search and personal data (issue 3)."""

import asyncio
import logging
import uuid
from datetime import UTC, datetime

import pytest
from factories import EMPLOYER_CODE, OTHER_EMPLOYER_CODE, applicant, case_form
from onewindow_kit.events import OutboxEvent
from sqlalchemy import select, text

pytestmark = pytest.mark.anyio


async def _count(app, table: str) -> int:
    async with app.state.db.transaction(read_only=True) as session:
        return (await session.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one()


async def _events(app) -> list[OutboxEvent]:
    async with app.state.db.transaction(read_only=True) as session:
        return list((await session.execute(select(OutboxEvent).order_by(OutboxEvent.seq))).scalars())


async def test_a_clerk_registers_a_case_and_gets_number_and_triage(client, app, test_keys, futian):
    clerk = test_keys.headers(roles=["clerk"], center_id="futian")
    response = await client.post("/cases", json=case_form(), headers=clerk)
    assert response.status_code == 201, response.text
    case = response.json()
    year = datetime.now(UTC).year
    assert case["case_no"] == f"福田一窗〔{year}〕00001号"
    assert case["status"] == "registered" and response.headers["etag"] == '"1"'
    triage = case["triage"]
    assert triage["grade"] == "green" and triage["grade_label"] == "绿"
    assert triage["collective"]["is_collective"] is False
    assert triage["route"]["route"] == "mediation" and triage["route"]["to"]
    assert triage["dispute_type"] == "rights"
    assert triage["final_award"][0]["is_final"] is True  # 12000 ≤ 12 × 2520
    assert triage["limitation_warning"] is False
    [worker] = case["applicants"]
    assert worker["id_number_masked"].startswith("4403") and "*" in worker["id_number_masked"]
    assert "id_number" not in worker
    # At rest: no plaintext ID or phone number anywhere in the party table.
    async with app.state.db.transaction(read_only=True) as session:
        row = (await session.execute(text("SELECT * FROM case_party WHERE role = 'applicant'"))).mappings().one()
    raw_id = case_form()["applicants"][0]["id_number"]
    assert raw_id not in " ".join(str(v) for v in row.values())
    types = [e.type for e in await _events(app)]
    assert "intake.case.registered" in types
    assert raw_id not in str([e.data for e in await _events(app)])


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (
            lambda f: f["applicants"][0].update(
                id_number=f["applicants"][0]["id_number"][:-1]
                + ("0" if f["applicants"][0]["id_number"][-1] != "0" else "1")
            ),
            "applicants[0].id_number",
        ),
        (lambda f: f["respondents"][0].update(credit_code="91440300MA5FXXXXXI"), "respondents[0].credit_code"),
        (lambda f: f["claims"][0].update(amount="-1.00"), "claims[0].amount"),
        (lambda f: f.update(employment_start_on="2025-05-01", employment_end_on="2025-01-01"), "employment_end_on"),
        (lambda f: f["claims"][0].update(category="bonus_please"), "claims[0].category"),
        (lambda f: f.update(claims=[]), "claims"),
        (
            lambda f: f["claims"][0].update(period_start_on="2026-09-01", period_end_on="2026-08-01"),
            "claims[0].period_end_on",
        ),
        (lambda f: f["applicants"][0].update(phone="12345"), "applicants[0].phone"),
    ],
)
async def test_bad_input_names_the_field_and_saves_nothing(client, app, test_keys, futian, change, field):
    form = case_form()
    change(form)
    response = await client.post("/cases", json=form, headers=test_keys.headers(roles=["clerk"], center_id="futian"))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert field in [e["field"] for e in response.json()["errors"]], response.json()
    assert all(e["message"] for e in response.json()["errors"])
    assert await _count(app, "case_file") == 0 and await _count(app, "case_party") == 0
    assert await _count(app, "case_counter") == 0
    assert [e.type for e in await _events(app)] == ["intake.center.created", "intake.center.created"]


async def test_an_employer_landline_is_kept_masked(client, test_keys, futian):
    form = case_form()
    form["respondents"][0]["phone"] = "0755-88888888"  # longer than a mobile once masked
    response = await client.post("/cases", json=form, headers=test_keys.headers(roles=["clerk"], center_id="futian"))
    assert response.status_code == 201, response.text
    assert response.json()["respondents"][0]["phone_masked"] == "*********8888"


async def test_collective_and_red_grade_raise_an_alert(client, app, test_keys, futian):
    clerk = test_keys.headers(roles=["clerk"], center_id="futian")
    twelve = (await client.post("/cases", json=case_form(workers=12), headers=clerk)).json()
    assert twelve["collective"] is True and twelve["triage"]["grade"] == "yellow"
    assert "mediation_collective" not in twelve["triage"]["route"]["to"]
    assert any(r["code"] == "collective_panel" for r in twelve["triage"]["route"]["reasons"])
    thirty = (
        await client.post(
            "/cases",
            json=case_form(workers=30, respondents=[{"name": "另一家公司", "credit_code": OTHER_EMPLOYER_CODE}]),
            headers=clerk,
        )
    ).json()
    assert thirty["triage"]["grade"] == "red"
    assert [r["code"] for r in thirty["triage"]["reasons"]] == ["workers_red"]
    alerts = [e for e in await _events(app) if e.type == "intake.alert.raised"]
    assert [a.case_id for a in alerts] == [thirty["id"]]


async def test_separate_complaints_against_one_employer_are_linked(client, test_keys, futian):
    clerk = test_keys.headers(roles=["clerk"], center_id="futian")
    first = (await client.post("/cases", json=case_form(workers=6), headers=clerk)).json()
    preview = await client.post(
        "/cases/triage", json=case_form(workers=5, applicants=[applicant(i) for i in range(10, 15)]), headers=clerk
    )
    assert preview.status_code == 200
    collective = preview.json()["collective"]
    assert collective["is_collective"] is True and collective["suggest_merge"] is True
    assert [c["case_no"] for c in collective["linked_cases"]] == [first["case_no"]]
    second = (
        await client.post(
            "/cases", json=case_form(workers=5, applicants=[applicant(i) for i in range(10, 15)]), headers=clerk
        )
    ).json()
    assert second["group_id"]
    again = (await client.get(f"/cases/{first['id']}", headers=clerk)).json()
    assert again["group_id"] == second["group_id"]


async def test_a_retried_registration_creates_one_case(client, app, test_keys, futian):
    clerk = test_keys.headers(roles=["clerk"], center_id="futian")
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = await client.post("/cases", json=case_form(), headers=clerk | key)
    again = await client.post("/cases", json=case_form(), headers=clerk | key)
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"] and again.headers["idempotent-replayed"] == "true"
    assert await _count(app, "case_file") == 1
    different = await client.post("/cases", json=case_form(facts="另一件事"), headers=clerk | key)
    assert different.status_code == 422 and different.json()["errors"][0]["field"] == "Idempotency-Key"


async def test_concurrent_registrations_never_share_a_number(client, app, test_keys, futian):
    clerk = test_keys.headers(roles=["clerk"], center_id="futian")
    forms = [case_form(applicants=[applicant(i)]) for i in range(1, 26)]
    responses = await asyncio.gather(*[client.post("/cases", json=f, headers=clerk) for f in forms])
    assert all(r.status_code == 201 for r in responses), [r.text for r in responses if r.status_code != 201]
    numbers = sorted(r.json()["case_no"] for r in responses)
    assert len(set(numbers)) == 25
    async with app.state.db.transaction(read_only=True) as session:
        seqs = sorted((await session.execute(text("SELECT seq FROM case_file"))).scalars())
    assert seqs == list(range(1, 26))  # unique and gap-free


async def test_another_centres_clerk_gets_404(client, test_keys, futian):
    case = (
        await client.post("/cases", json=case_form(), headers=test_keys.headers(roles=["clerk"], center_id="futian"))
    ).json()
    other = test_keys.headers(roles=["clerk"], center_id="luohu")
    assert (await client.get(f"/cases/{case['id']}", headers=other)).status_code == 404
    assert (await client.get(f"/cases/{case['id']}/timeline", headers=other)).status_code == 404
    assert (await client.get("/cases", headers=other)).json()["items"] == []
    assert (
        await client.get(f"/cases/{case['id']}", headers=test_keys.headers(roles=["admin"], center_id="luohu"))
    ).status_code == 200


async def test_routing_needs_if_match_and_a_reason_to_override(client, app, test_keys, futian):
    clerk = test_keys.headers(roles=["clerk"], center_id="futian")
    case = (await client.post("/cases", json=case_form(), headers=clerk)).json()
    url = f"/cases/{case['id']}/route"
    assert (await client.post(url, json={"route": "mediation"}, headers=clerk)).status_code == 428
    assert (await client.post(url, json={"route": "mediation"}, headers=clerk | {"If-Match": '"7"'})).status_code == 412
    no_reason = await client.post(url, json={"route": "arbitration"}, headers=clerk | {"If-Match": '"1"'})
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "reason"
    routed = await client.post(
        url, json={"route": "arbitration", "reason": "劳动者明确拒绝调解"}, headers=clerk | {"If-Match": '"1"'}
    )
    assert routed.status_code == 200 and routed.headers["etag"] == '"2"'
    body = routed.json()
    assert (
        body["status"] == "routed"
        and body["route"] == "arbitration"
        and body["route_override_reason"] == "劳动者明确拒绝调解"
    )
    [event] = [e for e in await _events(app) if e.type == "intake.case.routed"]
    assert event.data["route"] == "arbitration" and event.data["claims"][0]["category"] == "wage_arrears"
    assert "applicants" not in event.data
    illegal = await client.post(
        f"/cases/{case['id']}/transitions", json={"status": "resolved"}, headers=clerk | {"If-Match": '"2"'}
    )
    assert illegal.status_code == 409
    assert illegal.json()["allowed"] == ["closed"] and "只能手动结案" in illegal.json()["detail"]
    timeline = (await client.get(f"/cases/{case['id']}/timeline", headers=clerk)).json()
    assert [t["kind"] for t in timeline] == ["case.registered", "case.routed"]
    assert "拒绝调解" in timeline[1]["summary"]


async def test_partner_events_land_on_the_timeline_and_move_the_status(client, test_keys, futian):
    clerk = test_keys.headers(roles=["clerk"], center_id="futian")
    case = (await client.post("/cases", json=case_form(route={"route": "mediation"}), headers=clerk)).json()
    assert case["status"] == "routed"
    service = test_keys.headers(roles=["service"], sub="svc-mediation")
    for type_ in ("mediation.proceeding.opened", "mediation.proceeding.agreed"):
        envelope = {
            "id": str(uuid.uuid4()),
            "type": type_,
            "occurred_at": datetime.now(UTC).isoformat(),
            "source": "mediation",
            "case_id": case["id"],
            "data": {"proceeding_id": "p1", "recovered_amount": "9000.00"},
        }
        envelope["data"]["deadline_on"] = "2026-12-08"
        assert (await client.post("/internal/events", json=envelope, headers=service)).json()["status"] == "handled"
    after = (await client.get(f"/cases/{case['id']}", headers=clerk)).json()
    assert after["deadline_on"] == "2026-12-08"  # the proceeding's clock, for a window case
    # Agreed is not recovered: 挽回金额 counts money paid (DOMAIN.md §7).
    assert after["status"] == "resolved" and after["agreed_amount"] == "9000.00" and after["recovered"] == "0.00"
    kinds = [t["kind"] for t in (await client.get(f"/cases/{case['id']}/timeline", headers=clerk)).json()]
    assert kinds[-2:] == ["mediation.proceeding.opened", "mediation.proceeding.agreed"]


async def test_search_by_id_number_employer_and_pages(client, test_keys, futian):
    clerk = test_keys.headers(roles=["clerk"], center_id="futian")
    created = []
    for i in range(1, 6):
        created.append((await client.post("/cases", json=case_form(applicants=[applicant(i)]), headers=clerk)).json())
    target = case_form(applicants=[applicant(3)])["applicants"][0]["id_number"]
    found = (await client.post("/cases/search", json={"id_number": target}, headers=clerk)).json()["items"]
    assert [c["id"] for c in found] == [created[2]["id"]]
    assert found[0]["applicant_id_numbers"][0].count("*") == 10
    by_name = (await client.get("/cases", params={"employer": "某某电子"}, headers=clerk)).json()
    assert len(by_name["items"]) == 5
    page1 = (await client.get("/cases", params={"limit": 2}, headers=clerk)).json()
    page2 = (await client.get("/cases", params={"limit": 2, "cursor": page1["next_cursor"]}, headers=clerk)).json()
    page3 = (await client.get("/cases", params={"limit": 2, "cursor": page2["next_cursor"]}, headers=clerk)).json()
    ids = [c["id"] for c in page1["items"] + page2["items"] + page3["items"]]
    assert ids == [c["id"] for c in reversed(created)] and page3["next_cursor"] is None
    by_code = (await client.get("/cases", params={"credit_code": EMPLOYER_CODE}, headers=clerk)).json()
    assert len(by_code["items"]) == 5
    bad = await client.post("/cases/search", json={"id_number": "123"}, headers=clerk)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "id_number"


async def test_full_personal_data_is_role_bound_and_logged(client, app, test_keys, futian):
    clerk = test_keys.headers(roles=["clerk"], center_id="futian", sub="clerk-7")
    case = (await client.post("/cases", json=case_form(), headers=clerk)).json()
    full = await client.get(f"/cases/{case['id']}/pii", headers=clerk)
    assert full.status_code == 200
    assert full.json()[0]["id_number"] == case_form()["applicants"][0]["id_number"]
    assert (await client.get(f"/cases/{case['id']}/pii", headers=test_keys.headers(roles=["admin"]))).status_code == 403
    async with app.state.db.transaction(read_only=True) as session:
        log = (await session.execute(text("SELECT actor, fields FROM pii_access"))).all()
    assert log == [("clerk-7", "id_number,phone")]


async def test_id_numbers_never_reach_the_logs(client, test_keys, futian, caplog):
    caplog.set_level(logging.DEBUG)
    form = case_form()
    form["applicants"][0]["id_number"] = (
        "bad" + form["applicants"][0]["id_number"]
    )  # a failing one is logged nowhere either
    clerk = test_keys.headers(roles=["clerk"], center_id="futian")
    await client.post("/cases", json=form, headers=clerk)
    good = case_form()
    await client.post("/cases", json=good, headers=clerk)
    await client.post("/cases/search", json={"id_number": good["applicants"][0]["id_number"]}, headers=clerk)
    text_logged = "\n".join(r.getMessage() for r in caplog.records)
    assert good["applicants"][0]["id_number"] not in text_logged
    assert good["applicants"][0]["phone"] not in text_logged


async def test_statistics_for_a_centre(client, test_keys, futian):
    clerk = test_keys.headers(roles=["clerk"], center_id="futian")
    await client.post("/cases", json=case_form(workers=12), headers=clerk)
    await client.post(
        "/cases",
        json=case_form(channel="phone", respondents=[{"name": "乙公司", "credit_code": OTHER_EMPLOYER_CODE}]),
        headers=clerk,
    )
    stats = (await client.get("/stats", headers=test_keys.headers(roles=["supervisor"], center_id="futian"))).json()
    assert stats["cases"] == 2 and stats["collective_cases"] == 1
    assert stats["by_channel"] == {"walk_in": 1, "phone": 1}
    assert stats["amount_claimed"] == "24000.00"
    other = (await client.get("/stats", headers=test_keys.headers(roles=["supervisor"], center_id="luohu"))).json()
    assert other["cases"] == 0


async def test_registration_queues_each_applicants_notice_in_its_own_statements(client, app, test_keys, futian):
    """The 受理通知 rows are part of registration's writes (decision 0028): on PostgreSQL they go in
    the statement that writes the parties — no INSERT of their own, no ORM flush at the commit."""
    from sqlalchemy import event

    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        statements.append(" ".join(statement.split()))

    engine = app.state.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        response = await client.post(
            "/cases", json=case_form(workers=2), headers=test_keys.headers(roles=["clerk"], center_id="futian")
        )
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert response.status_code == 201, response.text
    case = response.json()
    async with app.state.db.transaction(read_only=True) as session:
        notices = (
            await session.execute(
                text(
                    "SELECT n.purpose, n.variables, n.to_masked, n.status, n.attempts, p.position, n.dedupe_key"
                    " FROM sms_notice n JOIN case_party p ON p.id = n.party_id"
                    " WHERE n.case_id = :id ORDER BY p.position"
                ),
                {"id": case["id"]},
            )
        ).all()
    masked = [a["phone_masked"] for a in case["applicants"]]
    assert [(n[0], n[2], n[3], n[4], n[5]) for n in notices] == [
        ("registration", masked[0], "pending", 0, 0),
        ("registration", masked[1], "pending", 0, 1),
    ]
    assert all(json_of(n[1]) == {"case_number": case["case_no"]} for n in notices)
    assert all(n[6].startswith("registration:") and n[6].endswith(case["id"]) for n in notices)
    if app.state.db.engine.dialect.name == "postgresql":
        own = [s for s in statements if s.startswith("INSERT INTO sms_notice")]
        assert own == [], own
        [parties] = [s for s in statements if "INSERT INTO case_party" in s]
        assert "INSERT INTO sms_notice" in parties


def json_of(value):  # type: ignore[no-untyped-def]
    import json

    return json.loads(value) if isinstance(value, str) else value
