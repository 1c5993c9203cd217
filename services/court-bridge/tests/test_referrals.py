"""The court partner API v1: create (idempotent, unique court_case_no), read, list, withdraw;
partner scoping, roles, validation; registration at intake, also when intake is down."""

import asyncio
import json
from datetime import UTC, datetime

import pytest
from conftest import published
from factories import referral_form
from onewindow_domain import clock
from onewindow_kit.bridge.testing import DELETE, INVALID_PARTIES_AND_CLAIMS, assert_problem_naming, change, wait_for
from onewindow_kit.idempotency import claim, fingerprint
from sqlalchemy import text

pytestmark = pytest.mark.anyio

REFERRALS = "/partner/court/v1/referrals"


def key(n: object = None) -> dict[str, str]:
    return {"Idempotency-Key": f"key-{n if n is not None else id(object())}"}


async def create(client, headers, form=None, idem="k1"):
    return await client.post(REFERRALS, json=form or referral_form(), headers=headers | {"Idempotency-Key": idem})


@pytest.fixture
def monday_23_november():
    # 10:00 in Beijing on Monday 2026-11-23: the referral (dated Friday 11-20) arrives and is accepted today.
    with clock.frozen(datetime(2026, 11, 23, 2, 0, tzinfo=UTC)):
        yield


async def test_a_court_refers_a_dispute_and_the_case_is_registered_at_intake(
    client, app, courts, intake, court_a, monday_23_november
):
    form = referral_form()
    response = await create(client, courts["a"], form)
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == {"referral_id", "status", "case_no", "deadline"}
    assert body["status"] == "received" and body["case_no"] == "福田一窗〔2026〕00001号"
    # Provisional until acceptance: 30 days after the referral date 2026-11-20 is a Sunday → Monday 12-21.
    assert body["deadline"] == "2026-12-21"
    assert response.headers["location"] == f"{REFERRALS}/{body['referral_id']}"
    # Intake got the case through its API, with our service token and a key derived from the referral.
    [registration] = intake.registrations
    assert registration.url.params["center_id"] == "futian"
    assert registration.headers["idempotency-key"] == f"court-referral:{body['referral_id']}"
    sent = json.loads(registration.content)
    assert sent["channel"] == "court_referral" and sent["route"]["route"] == "mediation"
    assert sent["deadline_on"] == "2026-12-21" and sent["facts"] == form["facts"]
    assert sent["external_ref"] == {
        "partner": "court",
        "partner_id": "futian-court",
        "referral_id": body["referral_id"],
        "partner_case_no": form["court_case_no"],
        "kind": "pre_filing",
    }
    assert sent["applicants"][0]["id_number"] == form["applicants"][0]["id_number"]
    assert sent["claims"] == [{"category": "wage_arrears", "amount": "12000.00", "description": "拖欠2026年8–9月工资"}]
    # Accepted right after (auto-accept): the court hears it with the case number and the period now
    # counted from today's confirmation (在线调解规则 第24条): 2026-11-23 + 30 days = Wednesday 2026-12-23.
    await wait_for(lambda: court_a.types == ["referral.accepted"], what="referral.accepted")
    data = court_a.delivered[0][1]["data"]
    assert data == {
        "referral_id": body["referral_id"],
        "court_case_no": form["court_case_no"],
        "case_no": "福田一窗〔2026〕00001号",
        "deadline": "2026-12-23",
    }
    read = (await client.get(f"{REFERRALS}/{body['referral_id']}", headers=courts["a"])).json()
    assert set(read) == {
        "referral_id",
        "court_case_no",
        "status",
        "case_no",
        "deadline",
        "mediator",
        "result",
        "updated_at",
    }
    assert read["status"] == "accepted" and read["mediator"] is None and read["result"] is None
    assert read["deadline"] == "2026-12-23"
    types = [e.type for e in await published(app)]
    assert types == ["court.referral.received", "court.referral.accepted"]
    received = (await published(app))[0]
    assert received.case_id == intake.by_key[f"court-referral:{body['referral_id']}"]
    # Identities are at rest only encrypted.
    async with app.state.db.transaction(read_only=True) as session:
        row = (await session.execute(text("SELECT * FROM referral"))).mappings().one()
        bodies = (await session.execute(text("SELECT body FROM webhook_message"))).scalars().all()
    dump = " ".join(str(v) for v in row.values()) + " ".join(bodies)
    assert form["applicants"][0]["id_number"] not in dump and "13800138000" not in dump and form["facts"] not in dump


async def test_in_litigation_default_deadline_is_15_days(client, courts):
    response = await create(client, courts["a"], referral_form(kind="in_litigation", referred_on="2026-11-20"))
    assert response.json()["deadline"] == "2026-12-07"  # 2026-12-05 is a Saturday
    explicit = await create(client, courts["a"], referral_form(deadline="2026-12-30"), idem="k2")
    assert explicit.json()["deadline"] == "2026-12-30"


async def test_summary_procedure_gives_seven_days_and_procedure_is_for_in_litigation_only(client, courts):
    # 在线调解规则 第24条: 委托调解 under 简易程序 7 days. 2026-11-20 (Fri) + 7 = Fri 11-27.
    summary = referral_form(kind="in_litigation", referred_on="2026-11-20", procedure="summary")
    response = await create(client, courts["a"], summary)
    assert response.status_code == 201, response.text
    assert response.json()["deadline"] == "2026-11-27"
    wrong = await create(client, courts["a"], referral_form(procedure="summary", court_case_no="X-2"), idem="k3")
    assert wrong.status_code == 422
    assert any(e["field"] == "procedure" for e in wrong.json()["errors"]), wrong.text


async def test_the_courts_own_deadline_is_kept_on_acceptance(client, app, courts, intake, court_a, monday_23_november):
    response = await create(client, courts["a"], referral_form(deadline="2026-12-30"))
    await wait_for(lambda: court_a.types == ["referral.accepted"], what="referral.accepted")
    assert court_a.delivered[0][1]["data"]["deadline"] == "2026-12-30"
    read = (await client.get(f"{REFERRALS}/{response.json()['referral_id']}", headers=courts["a"])).json()
    assert read["deadline"] == "2026-12-30"


async def test_the_same_key_and_body_answer_the_same_referral(client, app, courts, intake):
    form = referral_form()
    first = await create(client, courts["a"], form)
    again = await create(client, courts["a"], form)
    assert first.status_code == 201 and again.status_code == 201
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    reordered = json.loads(json.dumps(form, sort_keys=True))  # key order is not a different body
    assert (await create(client, courts["a"], reordered)).json()["referral_id"] == first.json()["referral_id"]
    async with app.state.db.transaction(read_only=True) as session:
        assert (await session.execute(text("SELECT count(*) FROM referral"))).scalar_one() == 1
    assert len(intake.registrations) == 1


async def test_the_same_key_with_another_body_is_422(client, courts):
    form = referral_form()
    assert (await create(client, courts["a"], form)).status_code == 201
    other = await create(client, courts["a"], form | {"facts": "完全不同的事实"})
    assert other.status_code == 422 and other.json()["errors"][0]["field"] == "Idempotency-Key"


async def test_a_key_still_in_flight_is_409(client, app, courts):
    form = referral_form()
    raw = json.dumps(form).encode()
    # The first request holds the key (its process is working on it right now).
    assert (
        await claim(
            app.state.db,
            scope="court:futian-court:referrals",
            key="busy",
            fingerprint=fingerprint("POST", REFERRALS, raw),
        )
        is None
    )
    response = await client.post(
        REFERRALS, content=raw, headers=courts["a"] | {"Idempotency-Key": "busy", "content-type": "application/json"}
    )
    assert response.status_code == 409 and response.headers["retry-after"] == "1"


async def test_concurrent_duplicates_create_one_referral(client, app, courts):
    form = referral_form()
    answers = await asyncio.gather(*[create(client, courts["a"], form, idem="same") for _ in range(6)])
    assert {a.status_code for a in answers} <= {201, 409}
    ids = {a.json()["referral_id"] for a in answers if a.status_code == 201}
    assert len(ids) == 1
    async with app.state.db.transaction(read_only=True) as session:
        assert (await session.execute(text("SELECT count(*) FROM referral"))).scalar_one() == 1


async def test_idempotency_key_is_required(client, courts):
    response = await client.post(REFERRALS, json=referral_form(), headers=courts["a"])
    assert response.status_code == 400 and response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"] == [{"field": "Idempotency-Key", "message": "缺少幂等键"}]
    invalid_too = await client.post(REFERRALS, json={"facts": 1}, headers=courts["a"])
    assert invalid_too.status_code == 400  # the missing key is reported first
    long = await create(client, courts["a"], idem="x" * 256)
    assert long.status_code == 422


async def test_court_case_no_is_unique_per_court(client, courts):
    form = referral_form()
    first = await create(client, courts["a"], form, idem="one")
    dup = await create(client, courts["a"], form | {"facts": "再次委派"}, idem="two")
    assert dup.status_code == 409 and dup.json()["referral_id"] == first.json()["referral_id"]
    assert dup.headers["content-type"] == "application/problem+json"
    # Another court may use the same number.
    assert (await create(client, courts["b"], form, idem="one")).status_code == 201


async def test_concurrent_court_case_no_with_different_keys(client, app, courts):
    form = referral_form()
    answers = await asyncio.gather(*[create(client, courts["a"], form, idem=f"k{i}") for i in range(5)])
    assert sorted(a.status_code for a in answers) == [201, 409, 409, 409, 409]
    winner = next(a for a in answers if a.status_code == 201).json()["referral_id"]
    assert all(a.json()["referral_id"] == winner for a in answers)


async def test_a_court_sees_only_its_own_referrals(client, courts):
    mine = (await create(client, courts["a"])).json()["referral_id"]
    theirs = await client.get(f"{REFERRALS}/{mine}", headers=courts["b"])
    assert theirs.status_code == 404
    assert (
        await client.post(f"{REFERRALS}/{mine}/withdraw", json={"reason": "x"}, headers=courts["b"])
    ).status_code == 404
    assert (await client.get(REFERRALS, headers=courts["b"])).json()["items"] == []
    assert (await client.get(f"{REFERRALS}/ref_nope", headers=courts["a"])).status_code == 404


async def test_roles_and_registry(client, test_keys, courts):
    for headers in (
        test_keys.headers(roles=["clerk"]),
        test_keys.headers(roles=["admin"]),
        test_keys.headers(roles=["arbitration_partner"], partner_id="futian-arbitration"),
        test_keys.headers(roles=["service"]),
    ):
        assert (await create(client, headers)).status_code == 403
        assert (await client.get(REFERRALS, headers=headers)).status_code == 403
    unknown = test_keys.headers(roles=["court_partner"], partner_id="nowhere-court")
    assert (await create(client, unknown)).status_code == 403
    assert (await client.post(REFERRALS, json=referral_form())).status_code == 401
    bad = await client.post(REFERRALS, json=referral_form(), headers={"Authorization": "Bearer junk", **key()})
    assert bad.status_code == 401 and "www-authenticate" in bad.headers
    await client.post("/admin/partners/futian-court/disable", headers=test_keys.headers(roles=["admin"]))
    disabled = await create(client, courts["a"])
    assert disabled.status_code == 403 and "disabled" in disabled.json()["detail"]


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        *INVALID_PARTIES_AND_CLAIMS,
        (change("claims[0].category", "bonus"), "claims[0].category"),
        (change("kind", "appeal"), "kind"),
        (change("court_case_no", DELETE), "court_case_no"),
        (change("surprise", "field"), "surprise"),
    ],
)
async def test_invalid_referrals_name_the_field(client, app, courts, intake, edit, field):
    form = referral_form()
    edit(form)
    assert_problem_naming(await create(client, courts["a"], form), field)
    async with app.state.db.transaction(read_only=True) as session:
        assert (await session.execute(text("SELECT count(*) FROM referral"))).scalar_one() == 0
    assert intake.registrations == []


@pytest.mark.parametrize("settings_overrides", [{"max_body_bytes": 4096}])
async def test_an_oversize_body_is_413(client, courts):
    response = await create(client, courts["a"], referral_form(facts="事" * 5000))
    assert response.status_code == 413 and response.headers["content-type"] == "application/problem+json"


async def test_list_paginates_filters_and_syncs(client, courts, court_a):
    ids = [(await create(client, courts["a"], idem=f"k{i}")).json()["referral_id"] for i in range(5)]
    await wait_for(lambda: len(court_a.delivered) == 5, what="five acceptances")
    page1 = (await client.get(REFERRALS, params={"limit": 2}, headers=courts["a"])).json()
    assert len(page1["items"]) == 2 and page1["next_cursor"]
    page2 = (
        await client.get(REFERRALS, params={"limit": 2, "cursor": page1["next_cursor"]}, headers=courts["a"])
    ).json()
    page3 = (
        await client.get(REFERRALS, params={"limit": 2, "cursor": page2["next_cursor"]}, headers=courts["a"])
    ).json()
    assert page3["next_cursor"] is None
    seen = [i["referral_id"] for p in (page1, page2, page3) for i in p["items"]]
    assert sorted(seen) == sorted(ids) and len(set(seen)) == 5
    await client.post(f"{REFERRALS}/{ids[1]}/withdraw", json={"reason": "当事人已和解"}, headers=courts["a"])
    withdrawn = (await client.get(REFERRALS, params={"status": "withdrawn"}, headers=courts["a"])).json()["items"]
    assert [i["referral_id"] for i in withdrawn] == [ids[1]]
    since = withdrawn[0]["updated_at"]
    changed = (await client.get(REFERRALS, params={"updated_since": since}, headers=courts["a"])).json()["items"]
    assert [i["referral_id"] for i in changed] == [ids[1]]
    assert (await client.get(REFERRALS, params={"limit": 101}, headers=courts["a"])).status_code == 422
    assert (await client.get(REFERRALS, params={"status": "lost"}, headers=courts["a"])).status_code == 422
    naive = await client.get(REFERRALS, params={"updated_since": "2026-11-20T08:00:00"}, headers=courts["a"])
    assert naive.status_code == 422 and naive.json()["errors"][0]["field"] == "updated_since"
    assert (await client.get(REFERRALS, params={"cursor": "garbage"}, headers=courts["a"])).status_code == 422


async def test_withdraw_before_a_result_stops_mediation(client, app, courts):
    referral_id = (await create(client, courts["a"])).json()["referral_id"]
    response = await client.post(
        f"{REFERRALS}/{referral_id}/withdraw", json={"reason": "双方已自行和解，联系13912345678"}, headers=courts["a"]
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "withdrawn" and body["result"]["outcome"] == "withdrawn"
    assert body["result"]["reason"].startswith("双方已自行和解")
    [event] = [e for e in await published(app) if e.type == "court.referral.withdrawn"]
    assert event.case_id and event.data["referral_id"] == referral_id
    assert "13912345678" not in json.dumps(event.data, ensure_ascii=False)  # free text is scrubbed for events
    again = await client.post(f"{REFERRALS}/{referral_id}/withdraw", json={"reason": "再撤"}, headers=courts["a"])
    assert again.status_code == 409
    assert (await client.post(f"{REFERRALS}/{referral_id}/withdraw", json={}, headers=courts["a"])).status_code == 422


async def test_intake_down_keeps_the_referral_and_registers_it_later(client, courts, intake, court_a):
    intake.down = 10**6
    response = await create(client, courts["a"])
    assert response.status_code == 201
    body = response.json()
    assert body["case_no"] is None and body["status"] == "received"
    await wait_for(lambda: len(intake.registrations) >= 3, what="retries")
    staff = await client.get(
        f"/referrals/{body['referral_id']}", headers={"Authorization": courts["a"]["Authorization"]}
    )
    assert staff.status_code == 403  # a court is not staff
    intake.down = 0
    await wait_for(lambda: court_a.types == ["referral.accepted"], what="registration after intake recovered")
    read = (await client.get(f"{REFERRALS}/{body['referral_id']}", headers=courts["a"])).json()
    assert read["case_no"] == "福田一窗〔2026〕00001号" and read["status"] == "accepted"
    assert len(intake.by_key) == 1  # one case, however many tries


async def test_a_pending_registration_survives_a_restart(app_factory, database_url, test_keys, mock, intake, court_a):
    import httpx

    first = app_factory(database_url)
    intake.down = 10**6
    async with first.router.lifespan_context(first):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=first), base_url="http://t") as c:
            created = await c.post(
                "/admin/partners",
                json={
                    "partner_id": "futian-court",
                    "name": "福田法院",
                    "center_id": "futian",
                    "webhook_url": "https://court-a.test/onewindow/webhooks",
                },
                headers=test_keys.headers(roles=["admin"]),
            )
            court_a.secret = created.json()["webhook_secret"]
            court = test_keys.headers(roles=["court_partner"], partner_id="futian-court")
            referral_id = (await create(c, court)).json()["referral_id"]
    intake.down = 0
    second = app_factory(database_url)  # a new process on the same database
    async with second.router.lifespan_context(second):
        await wait_for(lambda: court_a.types == ["referral.accepted"], what="registration by the restarted bridge")
    assert court_a.delivered[0][1]["data"]["referral_id"] == referral_id


async def test_intake_refusing_the_case_is_visible_and_retryable(client, app, test_keys, courts, intake, court_a):
    intake.refuse = {
        "title": "Validation failed",
        "errors": [{"field": "center_id", "message": "受理中心不存在或已停用"}],
    }
    referral_id = (await create(client, courts["a"])).json()["referral_id"]
    admin = test_keys.headers(roles=["admin"])
    rejected = (await client.get("/referrals", params={"case_state": "rejected"}, headers=admin)).json()["items"]
    assert [r["referral_id"] for r in rejected] == [referral_id]
    assert "422" in rejected[0]["case_last_error"]
    intake.refuse = None
    retried = await client.post(f"/admin/referrals/{referral_id}/register", headers=admin)
    assert retried.status_code == 200 and retried.json()["case_state"] == "pending"
    await wait_for(lambda: court_a.types == ["referral.accepted"], what="registration after the fix")
    clerk = test_keys.headers(roles=["clerk"], center_id="futian")
    assert (await client.post(f"/admin/referrals/{referral_id}/register", headers=clerk)).status_code == 403
