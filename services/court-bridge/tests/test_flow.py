"""Mediation's events become the referral's status and the court's webhooks, in order, once each,
signed (verified with ``standardwebhooks``); 司法确认 within and after 30 days; the court's ruling;
clerks accepting and declining."""

import json
from datetime import timedelta

import pytest
from conftest import published
from factories import agreement, event, referral_form
from onewindow_domain.calendar import china_today
from onewindow_kit.bridge.testing import deliver, mediated_to_agreement, mediator, wait_for
from sqlalchemy import text

pytestmark = pytest.mark.anyio

REFERRALS = "/partner/court/v1/referrals"


async def refer(client, courts, court_a, intake, form=None, idem="k1") -> tuple[str, str]:
    response = await client.post(
        REFERRALS, json=form or referral_form(), headers=courts["a"] | {"Idempotency-Key": idem}
    )
    assert response.status_code == 201, response.text
    referral_id = response.json()["referral_id"]
    case_id = intake.by_key[f"court-referral:{referral_id}"]
    return referral_id, case_id


async def run_to_agreement(client, test_keys, courts, court_a, intake, *, effective_on=None, confirm=True):
    referral_id, case_id = await refer(client, courts, court_a, intake)
    body = agreement(effective_on=effective_on or china_today(), confirm=confirm)
    await mediated_to_agreement(client, test_keys, event, referral_id, case_id, agreement=body)
    return referral_id, case_id


async def test_the_court_hears_every_step_in_order_and_rules_on_the_confirmation(
    client, app, test_keys, courts, court_a, intake
):
    referral_id, case_id = await run_to_agreement(client, test_keys, courts, court_a, intake)
    expected = ["referral.accepted", "referral.mediator_assigned", "referral.agreed", "confirmation.requested"]
    await wait_for(lambda: court_a.types == expected, what="the four webhooks")
    bodies = {b["type"]: b for _, b in court_a.delivered}
    assert all(b["data"]["referral_id"] == referral_id for b in bodies.values())
    assert bodies["referral.mediator_assigned"]["data"]["mediator"] == {
        "name": "张敏",
        "organisation": "福田区劳动争议人民调解委员会",
    }
    agreed = bodies["referral.agreed"]["data"]["agreement"]
    assert set(agreed) == {
        "agreement_no",
        "signed_on",
        "terms",
        "total_amount",
        "payments",
        "parties_request_judicial_confirmation",
    }
    assert agreed["total_amount"] == "12000.00" and agreed["payments"][0]["amount"] == "12000.00"
    request = bodies["confirmation.requested"]["data"]
    form = json.loads(intake.registrations[0].content)
    assert request["applicants"] == [
        {
            "name": "李四",
            "id_number": form["applicants"][0]["id_number"],
            "phone": "13800138000",
            "address": form["applicants"][0]["address"],
        }
    ]
    assert request["respondents"][0]["credit_code"] == form["respondents"][0]["credit_code"]
    assert request["agreement"] == agreed and request["application_id"].startswith("cfa_")
    assert intake.pii_reads and "司法确认" in intake.pii_reads[0].url.params["purpose"]
    read = (await client.get(f"{REFERRALS}/{referral_id}", headers=courts["a"])).json()
    assert (
        read["status"] == "agreed" and read["result"]["outcome"] == "agreed" and read["result"]["agreement"] == agreed
    )
    assert read["mediator"]["name"] == "张敏"

    # The court rules.
    path = f"/partner/court/v1/confirmations/{request['application_id']}/ruling"
    ruling = {
        "ruling": "valid",
        "ruling_no": "（2026）粤0304诉前调确12号",
        "ruled_on": china_today().isoformat(),
        "reason": "协议合法有效",
    }
    assert (await client.post(path, json=ruling, headers=courts["a"])).status_code == 400
    assert (await client.post(path, json=ruling, headers=courts["b"] | {"Idempotency-Key": "r1"})).status_code == 404
    answer = await client.post(path, json=ruling, headers=courts["a"] | {"Idempotency-Key": "r1"})
    assert answer.status_code == 200, answer.text
    assert answer.json() | {} == {
        "application_id": request["application_id"],
        "referral_id": referral_id,
        "court_case_no": bodies["referral.accepted"]["data"]["court_case_no"],
        "status": "ruled",
        "ruling": "valid",
        "ruling_no": ruling["ruling_no"],
        "ruled_on": ruling["ruled_on"],
        "reason": "协议合法有效",
    }
    replay = await client.post(path, json=ruling, headers=courts["a"] | {"Idempotency-Key": "r1"})
    assert replay.status_code == 200 and replay.json() == answer.json()
    second = await client.post(
        path, json=ruling | {"ruling": "dismissed"}, headers=courts["a"] | {"Idempotency-Key": "r2"}
    )
    assert second.status_code == 409
    events = await published(app)
    assert [e.type for e in events] == [
        "court.referral.received",
        "court.referral.accepted",
        "court.confirmation.requested",
        "court.confirmation.ruled",
    ]
    ruled = events[-1]
    assert (
        ruled.case_id == case_id and ruled.data["ruling"] == "valid" and ruled.data["ruling_no"] == ruling["ruling_no"]
    )
    assert "裁定调解协议有效" in ruled.data["summary_zh"]
    staff = (
        await client.get(
            f"/referrals/{referral_id}/confirmation", headers=test_keys.headers(roles=["clerk"], center_id="futian")
        )
    ).json()
    assert staff["state"] == "ruled" and staff["ruling_no"] == ruling["ruling_no"]


async def test_a_failing_court_endpoint_gets_every_event_once_in_order(client, test_keys, courts, court_a, intake):
    court_a.fail_left = 5
    _referral_id, _ = await run_to_agreement(client, test_keys, courts, court_a, intake)
    expected = ["referral.accepted", "referral.mediator_assigned", "referral.agreed", "confirmation.requested"]
    await wait_for(lambda: court_a.types == expected, timeout=15, what="the four webhooks after the failures")
    ids = [i for i, _ in court_a.delivered]
    assert len(set(ids)) == 4  # once per webhook-id
    assert sum(court_a.attempts.values()) == 4 + 5 and court_a.attempts[ids[0]] == 6  # the first one bore the failures


async def test_failed_after_the_schedule_then_replayed_by_an_administrator(client, test_keys, courts, court_a, intake):
    court_a.fail_left = 10**6
    referral_id, case_id = await refer(client, courts, court_a, intake)
    admin = test_keys.headers(roles=["admin"])

    async def failed():
        items = (await client.get("/admin/webhooks/messages", params={"status": "failed"}, headers=admin)).json()[
            "items"
        ]
        return items

    [message] = await wait_for(failed, what="a failed delivery")
    assert (
        message["event_type"] == "referral.accepted" and message["attempts"] == 9 and message["last_status_code"] == 500
    )
    await deliver(client, test_keys, event("mediation.proceeding.assigned", referral_id, case_id, mediator=mediator()))
    detail = (await client.get(f"/admin/webhooks/messages/{message['msg_id']}", headers=admin)).json()
    assert len(detail["attempt_log"]) == 9 and detail["attempt_log"][-1]["outcome"] == "failed"
    court_a.fail_left = 0
    assert (await client.post(f"/admin/webhooks/messages/{message['msg_id']}/replay", headers=admin)).status_code == 200
    await wait_for(
        lambda: court_a.types == ["referral.accepted", "referral.mediator_assigned"], what="replay then the rest"
    )
    assert court_a.delivered[0][0] == message["msg_id"]  # the same webhook-id after the replay


async def test_mediation_ending_without_agreement_is_referral_failed(client, test_keys, courts, court_a, intake):
    referral_id, case_id = await refer(client, courts, court_a, intake)
    await deliver(client, test_keys, event("mediation.proceeding.assigned", referral_id, case_id, mediator=mediator()))
    await deliver(
        client,
        test_keys,
        event(
            "mediation.proceeding.terminated",
            referral_id,
            case_id,
            reason="被申请人拒绝调解方案",
            undisputed_facts="双方确认劳动关系存续至2026年9月30日",
            dispute_focus="加班费计算基数",
        ),
    )
    await wait_for(lambda: court_a.types[-1:] == ["referral.failed"], what="referral.failed")
    data = court_a.delivered[-1][1]["data"]
    assert data["reason"] == "被申请人拒绝调解方案" and data["undisputed_facts"].startswith("双方确认")
    assert data["dispute_focus"] == "加班费计算基数"
    read = (await client.get(f"{REFERRALS}/{referral_id}", headers=courts["a"])).json()
    assert read["status"] == "failed" and read["result"]["outcome"] == "failed"
    # A result is final: a withdrawal is refused and later events change nothing.
    assert (
        await client.post(f"{REFERRALS}/{referral_id}/withdraw", json={"reason": "x"}, headers=courts["a"])
    ).status_code == 409
    await deliver(client, test_keys, event("mediation.proceeding.expired", referral_id, case_id))
    assert court_a.types == ["referral.accepted", "referral.mediator_assigned", "referral.failed"]


async def test_an_expired_mediation_is_referral_expired(client, test_keys, courts, court_a, intake):
    referral_id, case_id = await refer(client, courts, court_a, intake)
    await deliver(client, test_keys, event("mediation.proceeding.expired", referral_id, case_id, reason="期限届满"))
    await wait_for(lambda: court_a.types == ["referral.accepted", "referral.expired"], what="referral.expired")
    assert set(court_a.delivered[-1][1]["data"]) == {"referral_id", "court_case_no"}


async def test_events_are_applied_once_and_only_to_referred_cases(client, app, test_keys, courts, court_a, intake):
    referral_id, case_id = await refer(client, courts, court_a, intake)
    assigned = event("mediation.proceeding.assigned", referral_id, case_id, mediator=mediator())
    assert (await deliver(client, test_keys, assigned))["status"] == "handled"
    assert (await deliver(client, test_keys, assigned))["status"] == "duplicate"
    window_case = event("mediation.proceeding.agreed", None, "f" * 32, agreement=agreement(effective_on=china_today()))
    await deliver(client, test_keys, window_case)
    other_court = event(
        "mediation.proceeding.assigned", referral_id, case_id, partner_id="luohu-court", mediator=mediator()
    )
    await deliver(client, test_keys, other_court)
    await wait_for(lambda: len(court_a.delivered) == 2, what="two webhooks")
    assert court_a.types == ["referral.accepted", "referral.mediator_assigned"]
    async with app.state.db.transaction(read_only=True) as session:
        assert (await session.execute(text("SELECT count(*) FROM webhook_message"))).scalar_one() == 2


async def test_confirmation_past_30_days_is_refused_with_the_reason(client, app, test_keys, courts, court_a, intake):
    effective = china_today() - timedelta(days=45)
    referral_id, _ = await run_to_agreement(client, test_keys, courts, court_a, intake, effective_on=effective)
    await wait_for(lambda: court_a.types[-1:] == ["referral.agreed"], what="referral.agreed")
    clerk = test_keys.headers(roles=["clerk"], center_id="futian")
    assert (await client.get(f"/referrals/{referral_id}/confirmation", headers=clerk)).status_code == 404
    late = await client.post(f"/referrals/{referral_id}/confirmation", json={}, headers=clerk)
    assert late.status_code == 409, late.text
    problem = late.json()
    assert "30日" in problem["detail"] and problem["effective_on"] == effective.isoformat()
    assert problem["apply_by"] < china_today().isoformat()
    assert "confirmation.requested" not in court_a.types


async def test_staff_apply_later_within_30_days(client, test_keys, courts, court_a, intake):
    effective = china_today() - timedelta(days=10)
    referral_id, _ = await run_to_agreement(
        client, test_keys, courts, court_a, intake, effective_on=effective, confirm=False
    )
    await wait_for(lambda: court_a.types[-1:] == ["referral.agreed"], what="referral.agreed")
    clerk = test_keys.headers(roles=["clerk"], center_id="futian")
    elsewhere = test_keys.headers(roles=["clerk"], center_id="luohu")
    assert (await client.post(f"/referrals/{referral_id}/confirmation", json={}, headers=elsewhere)).status_code == 404
    assert (
        await client.post(f"/referrals/{referral_id}/confirmation", headers=test_keys.headers(roles=["mediator"]))
    ).status_code == 403
    applied = await client.post(
        f"/referrals/{referral_id}/confirmation", json={"note": "双方当事人共同申请"}, headers=clerk
    )
    assert applied.status_code == 201, applied.text
    assert applied.json()["apply_by"] >= china_today().isoformat() and applied.json()["state"] == "preparing"
    await wait_for(lambda: court_a.types[-1:] == ["confirmation.requested"], what="confirmation.requested")
    assert (await client.post(f"/referrals/{referral_id}/confirmation", json={}, headers=clerk)).status_code == 409


async def test_a_confirmation_waits_for_intake_and_a_ruling_in_the_future_is_refused(
    client, test_keys, courts, court_a, intake
):
    referral_id, case_id = await refer(client, courts, court_a, intake)
    intake.down = 3  # the identities cannot be read for a while
    await deliver(
        client,
        test_keys,
        event("mediation.proceeding.agreed", referral_id, case_id, agreement=agreement(effective_on=china_today())),
    )
    await wait_for(
        lambda: court_a.types[-1:] == ["confirmation.requested"], what="confirmation.requested after intake recovered"
    )
    # Agreed straight from received: the court still hears "accepted" first.
    assert court_a.types == ["referral.accepted", "referral.agreed", "confirmation.requested"]
    application_id = court_a.delivered[-1][1]["data"]["application_id"]
    future = (china_today() + timedelta(days=2)).isoformat()
    response = await client.post(
        f"/partner/court/v1/confirmations/{application_id}/ruling",
        json={"ruling": "dismissed", "ruling_no": "（2026）粤0304诉前调确13号", "ruled_on": future},
        headers=courts["a"] | {"Idempotency-Key": "r"},
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "ruled_on"
    bad = await client.post(
        f"/partner/court/v1/confirmations/{application_id}/ruling",
        json={"ruling": "maybe"},
        headers=courts["a"] | {"Idempotency-Key": "r2"},
    )
    assert bad.status_code == 422 and {e["field"] for e in bad.json()["errors"]} >= {"ruling", "ruling_no", "ruled_on"}


@pytest.mark.parametrize("settings_overrides", [{"auto_accept": False, "auto_accept_when_due": False}])
async def test_clerks_accept_or_decline_within_3_working_days(client, app, test_keys, courts, court_a, intake):
    first, _ = await refer(client, courts, court_a, intake, idem="a")
    second, _ = await refer(client, courts, court_a, intake, idem="b")
    clerk = test_keys.headers(roles=["clerk"], center_id="futian", name="王芳")
    desk = (await client.get("/referrals", params={"awaiting_decision": "true"}, headers=clerk)).json()["items"]
    assert {r["referral_id"] for r in desk} == {first, second}
    assert all(r["accept_due_on"] > r["received_on"] and r["accept_overdue"] is False for r in desk)
    assert (await client.get("/referrals", headers=test_keys.headers(roles=["clerk"], center_id="luohu"))).json()[
        "items"
    ] == []
    assert (
        await client.get(f"/referrals/{first}", headers=test_keys.headers(roles=["clerk"], center_id="luohu"))
    ).status_code == 404
    assert (
        await client.post(
            f"/referrals/{first}/accept", headers=test_keys.headers(roles=["mediator"], center_id="futian")
        )
    ).status_code == 403
    accepted = await client.post(f"/referrals/{first}/accept", headers=clerk)
    assert (
        accepted.status_code == 200
        and accepted.json()["status"] == "accepted"
        and accepted.json()["decided_by"] == "王芳"
    )
    assert (await client.post(f"/referrals/{first}/accept", headers=clerk)).status_code == 409
    assert (await client.post(f"/referrals/{second}/decline", json={}, headers=clerk)).status_code == 422
    declined = await client.post(
        f"/referrals/{second}/decline", json={"reason": "不属于劳动争议受案范围"}, headers=clerk
    )
    assert declined.status_code == 200 and declined.json()["result"]["outcome"] == "declined"
    await wait_for(lambda: sorted(court_a.types) == ["referral.accepted", "referral.declined"], what="both answers")
    declined_hook = next(b for _, b in court_a.delivered if b["type"] == "referral.declined")
    assert (
        declined_hook["data"]["reason"] == "不属于劳动争议受案范围" and declined_hook["data"]["referral_id"] == second
    )
    read = (await client.get(f"{REFERRALS}/{second}", headers=courts["a"])).json()
    assert read["status"] == "declined" and read["result"]["reason"] == "不属于劳动争议受案范围"
    assert "court.referral.declined" in [e.type for e in await published(app)]


async def test_withdrawal_before_registration_reaches_mediation_once_the_case_exists(
    client, app, test_keys, courts, court_a, intake
):
    intake.down = 10**6
    response = await client.post(REFERRALS, json=referral_form(), headers=courts["a"] | {"Idempotency-Key": "w"})
    referral_id = response.json()["referral_id"]
    withdrawn = await client.post(f"{REFERRALS}/{referral_id}/withdraw", json={"reason": "已和解"}, headers=courts["a"])
    assert withdrawn.status_code == 200
    assert [e.type for e in await published(app)] == []  # no case yet: nobody to tell
    async with app.state.db.transaction(read_only=True) as session:
        assert (await session.execute(text("SELECT case_state FROM referral"))).scalar_one() == "cancelled"
    # But intake had registered it before it went quiet: its event tells us the case, and the
    # withdrawal follows at once so mediation does not start on it.
    registered = event("intake.case.registered", referral_id, "c" * 32)
    registered["source"] = "intake"
    await deliver(client, test_keys, registered)
    events = await published(app)
    assert [e.type for e in events] == ["court.referral.received", "court.referral.withdrawn"]
    assert all(e.case_id == "c" * 32 for e in events)
    assert court_a.types == []  # the court withdrew: it is not told anything
