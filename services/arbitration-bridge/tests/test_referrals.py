"""The arbitration partner API v1, referrals: create (idempotent, unique pre_filing_no), read, list,
withdraw; commission scoping, roles, validation; the 调解建议书 carried to the mediator; registration
at intake, also when intake is down or refuses."""

import asyncio
import json

import httpx
import pytest
from conftest import published
from factories import event, referral_form
from onewindow_kit.bridge.testing import (
    DELETE,
    INVALID_PARTIES_AND_CLAIMS,
    assert_problem_naming,
    change,
    deliver,
    wait_for,
)
from onewindow_kit.idempotency import claim, fingerprint
from sqlalchemy import text

pytestmark = pytest.mark.anyio

REFERRALS = "/partner/arbitration/v1/referrals"


async def create(client, headers, form=None, idem="k1"):
    return await client.post(REFERRALS, json=form or referral_form(), headers=headers | {"Idempotency-Key": idem})


async def test_a_commission_refers_a_dispute_and_the_case_is_registered_at_intake(
    client, app, commissions, intake, arb_a
):
    form = referral_form()
    response = await create(client, commissions["a"], form)
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == {"referral_id", "status", "case_no", "deadline"}
    assert body["status"] == "received" and body["case_no"] == "福田一窗〔2026〕00001号"
    assert body["deadline"] == "2026-12-07"  # 15 days after 2026-11-20 is Saturday 12-05: rolled to Monday
    assert response.headers["location"] == f"{REFERRALS}/{body['referral_id']}"
    # Intake got the case through its API, with our service token and a key derived from the referral.
    [registration] = intake.registrations
    assert registration.url.params["center_id"] == "futian"
    assert registration.headers["idempotency-key"] == f"arbitration-referral:{body['referral_id']}"
    sent = json.loads(registration.content)
    assert sent["channel"] == "arbitration_referral" and sent["route"]["route"] == "mediation"
    assert "深圳市福田区劳动人事争议仲裁院" in sent["route"]["reason"]
    assert sent["deadline_on"] == "2026-12-07"
    # The 调解建议书 reaches the mediator: in the facts, and in the external_ref mediation receives,
    # where (it travels in events) phone- and ID-shaped strings are masked.
    assert sent["facts"].startswith(form["facts"]) and "【仲裁院调解建议书】" in sent["facts"]
    assert form["mediation_suggestion"] in sent["facts"]
    ref = sent["external_ref"]
    assert {k: ref[k] for k in ("partner", "partner_id", "referral_id", "partner_case_no", "kind")} == {
        "partner": "arbitration",
        "partner_id": "futian-arbitration",
        "referral_id": body["referral_id"],
        "partner_case_no": form["pre_filing_no"],
        "kind": "pre_filing",
    }
    assert ref["mediation_suggestion"].startswith("建议双方围绕欠薪数额核对考勤记录")
    assert "13912345678" not in ref["mediation_suggestion"] and "139****5678" in ref["mediation_suggestion"]
    assert sent["applicants"][0]["id_number"] == form["applicants"][0]["id_number"]
    assert sent["claims"] == [{"category": "wage_arrears", "amount": "12000.00", "description": "拖欠2026年8–9月工资"}]
    # Accepted right after (auto-accept): the commission hears it with the case number.
    await wait_for(lambda: arb_a.types == ["referral.accepted"], what="referral.accepted")
    assert arb_a.delivered[0][1]["data"] == {
        "referral_id": body["referral_id"],
        "pre_filing_no": form["pre_filing_no"],
        "case_no": "福田一窗〔2026〕00001号",
        "deadline": "2026-12-07",
    }
    read = (await client.get(f"{REFERRALS}/{body['referral_id']}", headers=commissions["a"])).json()
    assert set(read) == {
        "referral_id",
        "pre_filing_no",
        "status",
        "case_no",
        "deadline",
        "mediator",
        "result",
        "updated_at",
    }
    assert read["status"] == "accepted" and read["mediator"] is None and read["result"] is None
    events = await published(app)
    assert [e.type for e in events] == ["arbitration.referral.received", "arbitration.referral.accepted"]
    assert events[0].case_id == intake.by_key[f"arbitration-referral:{body['referral_id']}"]
    assert "附调解建议书" in events[0].data["summary_zh"] and form["pre_filing_no"] in events[0].data["summary_zh"]
    # Identities, facts and the suggestion are at rest only encrypted.
    async with app.state.db.transaction(read_only=True) as session:
        row = (await session.execute(text("SELECT * FROM referral"))).mappings().one()
        bodies = (await session.execute(text("SELECT body FROM webhook_message"))).scalars().all()
    dump = " ".join(str(v) for v in row.values()) + " ".join(bodies)
    for secret in (form["applicants"][0]["id_number"], "13800138000", form["facts"], "核对考勤记录"):
        assert secret not in dump


async def test_default_and_explicit_deadline(client, commissions):
    response = await create(
        client, commissions["a"], referral_form(referred_on="2026-11-02", mediation_suggestion=None)
    )
    assert response.json()["deadline"] == "2026-11-17"
    explicit = await create(client, commissions["a"], referral_form(deadline="2026-12-30"), idem="k2")
    assert explicit.json()["deadline"] == "2026-12-30"


async def test_the_same_key_and_body_answer_the_same_referral(client, app, commissions, intake):
    form = referral_form()
    first = await create(client, commissions["a"], form)
    again = await create(client, commissions["a"], form)
    assert first.status_code == 201 and again.status_code == 201
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    reordered = json.loads(json.dumps(form, sort_keys=True))  # key order is not a different body
    assert (await create(client, commissions["a"], reordered)).json()["referral_id"] == first.json()["referral_id"]
    async with app.state.db.transaction(read_only=True) as session:
        assert (await session.execute(text("SELECT count(*) FROM referral"))).scalar_one() == 1
    assert len(intake.registrations) == 1


async def test_the_same_key_with_another_body_is_422(client, commissions):
    form = referral_form()
    assert (await create(client, commissions["a"], form)).status_code == 201
    other = await create(client, commissions["a"], form | {"facts": "完全不同的事实"})
    assert other.status_code == 422 and other.json()["errors"][0]["field"] == "Idempotency-Key"


async def test_a_key_still_in_flight_is_409(client, app, commissions):
    raw = json.dumps(referral_form()).encode()
    assert (
        await claim(
            app.state.db,
            scope="arbitration:futian-arbitration:referrals",
            key="busy",
            fingerprint=fingerprint("POST", REFERRALS, raw),
        )
        is None
    )
    response = await client.post(
        REFERRALS,
        content=raw,
        headers=commissions["a"] | {"Idempotency-Key": "busy", "content-type": "application/json"},
    )
    assert response.status_code == 409 and response.headers["retry-after"] == "1"


async def test_concurrent_duplicates_create_one_referral(client, app, commissions):
    form = referral_form()
    answers = await asyncio.gather(*[create(client, commissions["a"], form, idem="same") for _ in range(5)])
    assert {a.status_code for a in answers} <= {201, 409}
    assert len({a.json()["referral_id"] for a in answers if a.status_code == 201}) == 1
    async with app.state.db.transaction(read_only=True) as session:
        assert (await session.execute(text("SELECT count(*) FROM referral"))).scalar_one() == 1


async def test_idempotency_key_is_required(client, commissions):
    response = await client.post(REFERRALS, json=referral_form(), headers=commissions["a"])
    assert response.status_code == 400 and response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"] == [{"field": "Idempotency-Key", "message": "缺少幂等键"}]
    assert (await client.post(REFERRALS, json={"facts": 1}, headers=commissions["a"])).status_code == 400
    assert (await create(client, commissions["a"], idem="x" * 256)).status_code == 422


async def test_pre_filing_no_is_unique_per_commission(client, commissions):
    form = referral_form()
    first = await create(client, commissions["a"], form, idem="one")
    dup = await create(client, commissions["a"], form | {"facts": "再次委托"}, idem="two")
    assert dup.status_code == 409 and dup.json()["referral_id"] == first.json()["referral_id"]
    assert dup.headers["content-type"] == "application/problem+json"
    assert (await create(client, commissions["b"], form, idem="one")).status_code == 201  # another commission may


async def test_concurrent_pre_filing_no_with_different_keys(client, commissions):
    form = referral_form()
    answers = await asyncio.gather(*[create(client, commissions["a"], form, idem=f"k{i}") for i in range(4)])
    assert sorted(a.status_code for a in answers) == [201, 409, 409, 409]
    winner = next(a for a in answers if a.status_code == 201).json()["referral_id"]
    assert all(a.json()["referral_id"] == winner for a in answers)


async def test_a_commission_sees_only_its_own_referrals(client, commissions):
    mine = (await create(client, commissions["a"])).json()["referral_id"]
    assert (await client.get(f"{REFERRALS}/{mine}", headers=commissions["b"])).status_code == 404
    withdraw = await client.post(
        f"{REFERRALS}/{mine}/withdraw", json={"reason": "x"}, headers=commissions["b"] | {"Idempotency-Key": "w"}
    )
    assert withdraw.status_code == 404
    assert (await client.get(REFERRALS, headers=commissions["b"])).json()["items"] == []
    assert (await client.get(f"{REFERRALS}/ref_nope", headers=commissions["a"])).status_code == 404


async def test_roles_and_registry(client, test_keys, commissions):
    for headers in (
        test_keys.headers(roles=["clerk"], center_id="futian"),
        test_keys.headers(roles=["admin"]),
        test_keys.headers(roles=["court_partner"], partner_id="futian-court"),
        test_keys.headers(roles=["service"]),
    ):
        assert (await create(client, headers)).status_code == 403
        assert (await client.get(REFERRALS, headers=headers)).status_code == 403
    # A court registered nowhere here, or a commission unknown to the registry: 403 as well.
    assert (
        await create(client, test_keys.headers(roles=["arbitration_partner"], partner_id="nowhere"))
    ).status_code == 403
    assert (await create(client, test_keys.headers(roles=["arbitration_partner"]))).status_code == 403
    assert (await client.post(REFERRALS, json=referral_form())).status_code == 401
    bad = await client.post(
        REFERRALS, json=referral_form(), headers={"Authorization": "Bearer junk", "Idempotency-Key": "k"}
    )
    assert bad.status_code == 401 and "www-authenticate" in bad.headers
    await client.post("/admin/partners/futian-arbitration/disable", headers=test_keys.headers(roles=["admin"]))
    disabled = await create(client, commissions["a"])
    assert disabled.status_code == 403 and "disabled" in disabled.json()["detail"]


INVALID = [
    *INVALID_PARTIES_AND_CLAIMS,
    (change("kind", "in_litigation"), "kind"),
    (change("mediation_suggestion", "议" * 5001), "mediation_suggestion"),
    (change("pre_filing_no", DELETE), "pre_filing_no"),
    (change("commission_name", DELETE), "commission_name"),
    (change("court_case_no", "（2026）粤0304民诉前调1号"), "court_case_no"),  # a court's field: unknown here
]


async def test_invalid_referrals_name_the_field_and_write_nothing(client, app, commissions, intake):
    for n, (edit, field) in enumerate(INVALID):
        form = referral_form()
        edit(form)
        assert_problem_naming(await create(client, commissions["a"], form, idem=f"bad-{n}"), field)
    async with app.state.db.transaction(read_only=True) as session:  # nothing half-written
        assert (await session.execute(text("SELECT count(*) FROM referral"))).scalar_one() == 0
        assert (await session.execute(text("SELECT count(*) FROM idempotency_record"))).scalar_one() == 0
    assert intake.registrations == []


@pytest.mark.parametrize("settings_overrides", [{"max_body_bytes": 4096}])
async def test_an_oversize_body_is_413(client, commissions):
    response = await create(client, commissions["a"], referral_form(facts="事" * 5000))
    assert response.status_code == 413 and response.headers["content-type"] == "application/problem+json"


async def test_list_paginates_filters_and_syncs(client, commissions, arb_a):
    ids = [(await create(client, commissions["a"], idem=f"k{i}")).json()["referral_id"] for i in range(4)]
    await wait_for(lambda: len(arb_a.delivered) == 4, what="four acceptances")
    page1 = (await client.get(REFERRALS, params={"limit": 3}, headers=commissions["a"])).json()
    assert len(page1["items"]) == 3 and page1["next_cursor"]
    page2 = (
        await client.get(REFERRALS, params={"limit": 3, "cursor": page1["next_cursor"]}, headers=commissions["a"])
    ).json()
    assert page2["next_cursor"] is None
    seen = [i["referral_id"] for p in (page1, page2) for i in p["items"]]
    assert sorted(seen) == sorted(ids)
    await client.post(
        f"{REFERRALS}/{ids[1]}/withdraw",
        json={"reason": "当事人已和解"},
        headers=commissions["a"] | {"Idempotency-Key": "w1"},
    )
    withdrawn = (await client.get(REFERRALS, params={"status": "withdrawn"}, headers=commissions["a"])).json()["items"]
    assert [i["referral_id"] for i in withdrawn] == [ids[1]]
    changed = (
        await client.get(REFERRALS, params={"updated_since": withdrawn[0]["updated_at"]}, headers=commissions["a"])
    ).json()["items"]
    assert [i["referral_id"] for i in changed] == [ids[1]]
    assert (await client.get(REFERRALS, params={"limit": 101}, headers=commissions["a"])).status_code == 422
    assert (await client.get(REFERRALS, params={"status": "lost"}, headers=commissions["a"])).status_code == 422
    naive = await client.get(REFERRALS, params={"updated_since": "2026-11-20T08:00:00"}, headers=commissions["a"])
    assert naive.status_code == 422 and naive.json()["errors"][0]["field"] == "updated_since"
    assert (await client.get(REFERRALS, params={"cursor": "garbage"}, headers=commissions["a"])).status_code == 422


async def test_withdraw_before_a_result_stops_mediation(client, app, commissions):
    referral_id = (await create(client, commissions["a"])).json()["referral_id"]
    path = f"{REFERRALS}/{referral_id}/withdraw"
    assert (await client.post(path, json={"reason": "x"}, headers=commissions["a"])).status_code == 400  # no key
    response = await client.post(
        path, json={"reason": "双方已自行和解，联系13912345678"}, headers=commissions["a"] | {"Idempotency-Key": "w"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "withdrawn" and body["result"]["outcome"] == "withdrawn"
    replay = await client.post(
        path, json={"reason": "双方已自行和解，联系13912345678"}, headers=commissions["a"] | {"Idempotency-Key": "w"}
    )
    assert replay.status_code == 200 and replay.json() == body
    [withdrawn] = [e for e in await published(app) if e.type == "arbitration.referral.withdrawn"]
    assert withdrawn.case_id and withdrawn.data["referral_id"] == referral_id
    assert "13912345678" not in json.dumps(withdrawn.data, ensure_ascii=False)  # free text is scrubbed for events
    again = await client.post(path, json={"reason": "再撤"}, headers=commissions["a"] | {"Idempotency-Key": "w2"})
    assert again.status_code == 409
    assert (await client.post(path, json={}, headers=commissions["a"] | {"Idempotency-Key": "w3"})).status_code == 422


async def test_intake_down_keeps_the_referral_and_registers_it_later(client, commissions, intake, arb_a):
    intake.down = 10**6
    response = await create(client, commissions["a"])
    assert response.status_code == 201
    body = response.json()
    assert body["case_no"] is None and body["status"] == "received"
    await wait_for(lambda: len(intake.registrations) >= 3, what="retries")
    intake.down = 0
    await wait_for(lambda: arb_a.types == ["referral.accepted"], what="registration after intake recovered")
    read = (await client.get(f"{REFERRALS}/{body['referral_id']}", headers=commissions["a"])).json()
    assert read["case_no"] == "福田一窗〔2026〕00001号" and read["status"] == "accepted"
    assert len(intake.by_key) == 1  # one case, however many tries


async def test_a_pending_registration_survives_a_restart(app_factory, database_url, test_keys, mock, intake, arb_a):
    first = app_factory(database_url)
    intake.down = 10**6
    async with first.router.lifespan_context(first):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=first), base_url="http://t") as c:
            created = await c.post(
                "/admin/partners",
                headers=test_keys.headers(roles=["admin"]),
                json={
                    "partner_id": "futian-arbitration",
                    "name": "福田仲裁院",
                    "center_id": "futian",
                    "webhook_url": "https://futian-arb.test/onewindow/webhooks",
                },
            )
            arb_a.secret = created.json()["webhook_secret"]
            commission = test_keys.headers(roles=["arbitration_partner"], partner_id="futian-arbitration")
            referral_id = (await create(c, commission)).json()["referral_id"]
    intake.down = 0
    second = app_factory(database_url)  # a new process on the same database
    async with second.router.lifespan_context(second):
        await wait_for(lambda: arb_a.types == ["referral.accepted"], what="registration by the restarted bridge")
    assert arb_a.delivered[0][1]["data"]["referral_id"] == referral_id


async def test_intake_refusing_the_case_is_visible_and_retryable(client, test_keys, commissions, intake, arb_a):
    intake.refuse = {
        "title": "Validation failed",
        "errors": [{"field": "center_id", "message": "受理中心不存在或已停用"}],
    }
    referral_id = (await create(client, commissions["a"])).json()["referral_id"]
    admin = test_keys.headers(roles=["admin"])
    rejected = (await client.get("/referrals", params={"case_state": "rejected"}, headers=admin)).json()["items"]
    assert [r["referral_id"] for r in rejected] == [referral_id] and "422" in rejected[0]["case_last_error"]
    intake.refuse = None
    retried = await client.post(f"/admin/referrals/{referral_id}/register", headers=admin)
    assert retried.status_code == 200 and retried.json()["case_state"] == "pending"
    await wait_for(lambda: arb_a.types == ["referral.accepted"], what="registration after the fix")
    clerk = test_keys.headers(roles=["clerk"], center_id="futian")
    assert (await client.post(f"/admin/referrals/{referral_id}/register", headers=clerk)).status_code == 403


async def test_withdrawal_before_registration_reaches_mediation_once_the_case_exists(
    client, app, test_keys, commissions, arb_a, intake
):
    intake.down = 10**6
    referral_id = (await create(client, commissions["a"])).json()["referral_id"]
    withdrawn = await client.post(
        f"{REFERRALS}/{referral_id}/withdraw",
        json={"reason": "已和解"},
        headers=commissions["a"] | {"Idempotency-Key": "w"},
    )
    assert withdrawn.status_code == 200
    assert await published(app) == []  # no case yet: nobody to tell
    registered = event("intake.case.registered", referral_id, "c" * 32)
    registered["source"] = "intake"
    await deliver(client, test_keys, registered, source="svc-intake")
    events = await published(app)
    assert [e.type for e in events] == ["arbitration.referral.received", "arbitration.referral.withdrawn"]
    assert all(e.case_id == "c" * 32 for e in events)
    assert arb_a.types == []  # the commission withdrew: it is not told anything


@pytest.mark.parametrize("settings_overrides", [{"auto_accept": False, "auto_accept_when_due": False}])
async def test_clerks_accept_or_decline(client, app, test_keys, commissions, arb_a):
    first = (await create(client, commissions["a"], idem="a")).json()["referral_id"]
    second = (await create(client, commissions["a"], idem="b")).json()["referral_id"]
    clerk = test_keys.headers(roles=["clerk"], center_id="futian", name="王芳")
    desk = (await client.get("/referrals", params={"awaiting_decision": "true"}, headers=clerk)).json()["items"]
    assert {r["referral_id"] for r in desk} == {first, second}
    assert all(r["accept_due_on"] > r["received_on"] and r["has_suggestion"] for r in desk)
    luohu = test_keys.headers(roles=["clerk"], center_id="luohu")
    assert (await client.get("/referrals", headers=luohu)).json()["items"] == []
    assert (await client.get(f"/referrals/{first}", headers=luohu)).status_code == 404
    assert (
        await client.post(f"/referrals/{first}/accept", headers=test_keys.headers(roles=["mediator"]))
    ).status_code == 403
    accepted = await client.post(f"/referrals/{first}/accept", headers=clerk)
    assert (
        accepted.status_code == 200
        and accepted.json()["status"] == "accepted"
        and accepted.json()["decided_by"] == "王芳"
    )
    assert (await client.post(f"/referrals/{first}/accept", headers=clerk)).status_code == 409
    assert (await client.post(f"/referrals/{second}/decline", json={}, headers=clerk)).status_code == 422
    declined = await client.post(f"/referrals/{second}/decline", json={"reason": "不属于本中心受理范围"}, headers=clerk)
    assert declined.status_code == 200 and declined.json()["result"]["outcome"] == "declined"
    await wait_for(lambda: sorted(arb_a.types) == ["referral.accepted", "referral.declined"], what="both answers")
    assert arb_a.last("referral.declined") == {
        "referral_id": second,
        "pre_filing_no": declined.json()["pre_filing_no"],
        "reason": "不属于本中心受理范围",
    }
    assert "arbitration.referral.declined" in [e.type for e in await published(app)]
