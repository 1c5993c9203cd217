"""Mediation's events become the referral's status and the commission's webhooks, in order, once
each, signed (verified with ``standardwebhooks``); a failed or expired result carries the 无争议事实
and the parties' service addresses read from intake; a failing endpoint gets everything after it
recovers; a delivery failed past the schedule is replayable."""

import json

import pytest
from conftest import published
from factories import agreement, event, mediator, referral_form
from onewindow_domain.calendar import china_today
from onewindow_kit.bridge.testing import deliver, mediated_to_agreement, wait_for
from sqlalchemy import text

pytestmark = pytest.mark.anyio

REFERRALS = "/partner/arbitration/v1/referrals"


async def refer(client, commissions, intake, form=None, idem="k1") -> tuple[str, str]:
    response = await client.post(
        REFERRALS, json=form or referral_form(), headers=commissions["a"] | {"Idempotency-Key": idem}
    )
    assert response.status_code == 201, response.text
    referral_id = response.json()["referral_id"]
    return referral_id, intake.by_key[f"arbitration-referral:{referral_id}"]


async def test_the_commission_hears_every_step_in_order(client, app, test_keys, commissions, arb_a, intake):
    referral_id, case_id = await refer(client, commissions, intake)
    body = agreement(effective_on=china_today(), review=False)
    await mediated_to_agreement(client, test_keys, event, referral_id, case_id, agreement=body)
    expected = ["referral.accepted", "referral.mediator_assigned", "referral.agreed"]
    await wait_for(lambda: arb_a.types == expected, what="three webhooks")
    assert all(b["data"]["referral_id"] == referral_id for _, b in arb_a.delivered)
    assert arb_a.last("referral.mediator_assigned")["mediator"] == {
        "name": "张敏",
        "organisation": "福田区劳动争议人民调解委员会",
    }
    agreed = arb_a.last("referral.agreed")["agreement"]
    assert agreed["total_amount"] == "12000.00" and agreed["payments"][0]["amount"] == "12000.00"
    assert agreed["effective_on"] == china_today().isoformat() and agreed["parties_request_arbitration_review"] is False
    read = (await client.get(f"{REFERRALS}/{referral_id}", headers=commissions["a"])).json()
    assert read["status"] == "agreed" and read["result"]["agreement"] == agreed and read["mediator"]["name"] == "张敏"
    assert read["result"]["applicants"] is None  # an agreement names no service addresses
    assert [e.type for e in await published(app)] == ["arbitration.referral.received", "arbitration.referral.accepted"]


async def test_a_failed_mediation_returns_undisputed_facts_and_service_addresses(
    client, test_keys, commissions, arb_a, intake
):
    form = referral_form()
    referral_id, case_id = await refer(client, commissions, intake, form)
    # The worker's address was corrected at the window: the commission files with the current one.
    intake.cases[case_id]["form"]["applicants"][0]["address"] = "深圳市福田区华强北街道新地址"
    await deliver(client, test_keys, event("mediation.proceeding.assigned", referral_id, case_id, mediator=mediator()))
    await deliver(
        client,
        test_keys,
        event(
            "mediation.proceeding.terminated",
            referral_id,
            case_id,
            reason="调解终结：被申请人拒绝调解方案",
            undisputed_facts="双方确认劳动关系存续至2026年9月30日",
            dispute_focus="加班费计算基数",
        ),
    )
    await wait_for(lambda: arb_a.types[-1:] == ["referral.failed"], what="referral.failed")
    data = arb_a.last("referral.failed")
    assert data["reason"] == "调解终结：被申请人拒绝调解方案" and data["undisputed_facts"].startswith("双方确认")
    assert data["dispute_focus"] == "加班费计算基数"
    assert data["applicants"] == [
        {
            "name": "李四",
            "id_number": form["applicants"][0]["id_number"],
            "phone": "13800138000",
            "address": "深圳市福田区华强北街道新地址",
        }
    ]
    assert data["respondents"] == [
        {
            "name": "深圳市某某电子有限公司",
            "credit_code": form["respondents"][0]["credit_code"],
            "address": "深圳市福田区某路1号",
            "legal_representative": "赵某",
            "phone": "0755-88888888",
        }
    ]
    assert "送达地址" in intake.pii_reads[-1].url.params["purpose"]
    read = (await client.get(f"{REFERRALS}/{referral_id}", headers=commissions["a"])).json()
    assert read["status"] == "failed" and read["result"]["outcome"] == "failed"
    assert (
        read["result"]["applicants"] == data["applicants"]
        and read["result"]["undisputed_facts"] == data["undisputed_facts"]
    )
    # Staff see the result without the identities; a result is final.
    staff = (
        await client.get(f"/referrals/{referral_id}", headers=test_keys.headers(roles=["clerk"], center_id="futian"))
    ).json()
    assert staff["result"]["applicants"] is None and staff["result_parties_state"] == "sent"
    again = await client.post(
        f"{REFERRALS}/{referral_id}/withdraw", json={"reason": "x"}, headers=commissions["a"] | {"Idempotency-Key": "w"}
    )
    assert again.status_code == 409
    await deliver(client, test_keys, event("mediation.proceeding.expired", referral_id, case_id))
    assert arb_a.types == ["referral.accepted", "referral.mediator_assigned", "referral.failed"]


async def test_an_expired_mediation_waits_for_intake_then_reports_with_addresses(
    client, app, test_keys, commissions, arb_a, intake
):
    referral_id, case_id = await refer(client, commissions, intake)
    intake.down = 3  # the addresses cannot be read for a while
    await deliver(
        client,
        test_keys,
        event(
            "mediation.proceeding.expired", referral_id, case_id, reason="期限届满", undisputed_facts="双方确认入职日期"
        ),
    )
    await wait_for(lambda: arb_a.types == ["referral.accepted", "referral.expired"], what="referral.expired")
    data = arb_a.last("referral.expired")
    assert data["undisputed_facts"] == "双方确认入职日期" and data["applicants"][0]["address"]
    async with app.state.db.transaction(read_only=True) as session:  # the identities sent are kept only encrypted
        row = (await session.execute(text("SELECT result, result_parties_enc FROM referral"))).mappings().one()
    assert data["applicants"][0]["id_number"] not in json.dumps(row["result"]) + row["result_parties_enc"]


async def test_a_failed_result_falls_back_to_the_referral_when_intake_lost_the_case(
    client, test_keys, commissions, arb_a, intake
):
    form = referral_form()
    referral_id, case_id = await refer(client, commissions, intake, form)
    del intake.cases[case_id]
    await deliver(client, test_keys, event("mediation.proceeding.declined", referral_id, case_id))
    await wait_for(lambda: arb_a.types[-1:] == ["referral.failed"], what="referral.failed")
    data = arb_a.last("referral.failed")
    assert data["reason"] == "当事人不同意调解"
    assert data["applicants"][0]["address"] == form["applicants"][0]["address"]


async def test_a_failing_endpoint_gets_every_event_once_in_order(client, test_keys, commissions, arb_a, intake):
    arb_a.fail_left = 5
    referral_id, case_id = await refer(client, commissions, intake)
    await deliver(client, test_keys, event("mediation.proceeding.assigned", referral_id, case_id, mediator=mediator()))
    await deliver(
        client,
        test_keys,
        event(
            "mediation.proceeding.terminated",
            referral_id,
            case_id,
            reason="调解不成",
            undisputed_facts="双方确认工资标准",
        ),
    )
    expected = ["referral.accepted", "referral.mediator_assigned", "referral.failed"]
    await wait_for(lambda: arb_a.types == expected, timeout=15, what="the three webhooks after the failures")
    ids = [i for i, _ in arb_a.delivered]
    assert len(set(ids)) == 3  # once per webhook-id
    assert sum(arb_a.attempts.values()) == 3 + 5 and arb_a.attempts[ids[0]] == 6  # the first one bore the failures


async def test_failed_after_the_schedule_then_replayed_by_an_administrator(
    client, test_keys, commissions, arb_a, intake
):
    arb_a.fail_left = 10**6
    referral_id, case_id = await refer(client, commissions, intake)
    admin = test_keys.headers(roles=["admin"])

    async def failed():
        return (await client.get("/admin/webhooks/messages", params={"status": "failed"}, headers=admin)).json()[
            "items"
        ]

    [message] = await wait_for(failed, what="a failed delivery")
    assert (
        message["event_type"] == "referral.accepted" and message["attempts"] == 9 and message["last_status_code"] == 500
    )
    await deliver(client, test_keys, event("mediation.proceeding.assigned", referral_id, case_id, mediator=mediator()))
    arb_a.fail_left = 0
    assert (await client.post(f"/admin/webhooks/messages/{message['msg_id']}/replay", headers=admin)).status_code == 200
    await wait_for(
        lambda: arb_a.types == ["referral.accepted", "referral.mediator_assigned"], what="replay then the rest"
    )
    assert arb_a.delivered[0][0] == message["msg_id"]  # the same webhook-id after the replay


async def test_events_are_applied_once_and_only_to_referred_cases(client, app, test_keys, commissions, arb_a, intake):
    referral_id, case_id = await refer(client, commissions, intake)
    assigned = event("mediation.proceeding.assigned", referral_id, case_id, mediator=mediator())
    assert (await deliver(client, test_keys, assigned))["status"] == "handled"
    assert (await deliver(client, test_keys, assigned))["status"] == "duplicate"
    await deliver(client, test_keys, event("mediation.proceeding.terminated", None, "f" * 32, reason="调解不成"))
    other = event(
        "mediation.proceeding.assigned", referral_id, case_id, partner_id="luohu-arbitration", mediator=mediator()
    )
    await deliver(client, test_keys, other)
    court = event("mediation.proceeding.assigned", referral_id, case_id, mediator=mediator())
    court["data"]["external_ref"]["partner"] = "court"
    await deliver(client, test_keys, court)
    await wait_for(lambda: len(arb_a.delivered) == 2, what="two webhooks")
    assert arb_a.types == ["referral.accepted", "referral.mediator_assigned"]
    async with app.state.db.transaction(read_only=True) as session:
        assert (await session.execute(text("SELECT count(*) FROM webhook_message"))).scalar_one() == 2
