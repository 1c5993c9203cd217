"""Agency desks (issue 10, DOMAIN.md §10): queues sorted by deadline, accept / decline / notes /
outcome on statutory clocks, the legal-aid green channel and promise, ETag races and 404s."""

import pytest
from factories import applicant, case_form

pytestmark = pytest.mark.anyio


async def _to_desk(client, clerk, route: str, **form) -> dict:
    response = await client.post(
        "/cases", json=case_form(route={"route": route, "reason": "窗口分流至进驻部门"}, **form), headers=clerk
    )
    assert response.status_code == 201, response.text
    return response.json()


async def _only(client, headers, desk: str) -> dict:
    [item] = (await client.get(f"/desks/{desk}/handoffs", headers=headers)).json()["items"]
    return item


def _if(item: dict) -> dict:
    return {"If-Match": f'"{item["case_version"]}"'}


async def test_inspection_files_then_orders_correction_and_the_case_closes(client, test_keys, futian):
    clerk = test_keys.headers(roles=["clerk"], center_id="futian")
    inspector = test_keys.headers(roles=["inspector"], center_id="futian", sub="inspector")
    case = await _to_desk(client, clerk, "inspection")
    item = await _only(client, inspector, "inspection")
    assert item["case_id"] == case["id"] and item["status"] == "pending"
    [clock] = item["clocks"]
    assert clock["code"] == "inspection_accept_5wd" and "劳动保障监察" in clock["source"]
    assert clock["remaining_days"] >= 5 and item["due_on"] == case["deadline_on"]
    accepted = await client.post(f"/handoffs/{item['id']}/accept", json={}, headers=inspector | _if(item))
    assert accepted.status_code == 200, accepted.text
    note = await client.post(f"/handoffs/{item['id']}/notes", json={"text": "已调取考勤记录"}, headers=inspector)
    assert note.status_code == 201
    filed = await client.post(
        f"/handoffs/{item['id']}/outcome", json={"outcome": "filed"}, headers=inspector | _if(accepted.json())
    )
    assert filed.status_code == 200, filed.text
    body = filed.json()
    assert body["outcome_label"] == "立案" and body["stage"] == "filed"
    assert [c["code"] for c in body["clocks"]] == ["inspection_accept_5wd", "inspection_investigate_60wd"]
    assert body["clocks"][0]["stopped_on"] and body["clocks"][1]["remaining_days"] > 60
    assert body["allowed_outcomes"] == ["ordered_correction", "penalised", "transferred"]
    assert [n["text"] for n in body["notes"]] == ["已调取考勤记录"]
    done = await client.post(
        f"/handoffs/{item['id']}/outcome", json={"outcome": "ordered_correction"}, headers=inspector | _if(body)
    )
    assert done.status_code == 200 and done.json()["status"] == "concluded"
    closed = (await client.get(f"/cases/{case['id']}", headers=clerk)).json()
    assert closed["status"] == "closed" and closed["close_reason"] == "handled_by_agency"
    kinds = [t["kind"] for t in (await client.get(f"/cases/{case['id']}/timeline", headers=clerk)).json()]
    assert kinds == [
        "case.registered",
        "case.routed",
        "handoff.accepted",
        "handoff.inspection.filed",
        "handoff.inspection.ordered_correction",
    ]
    assert (await client.get("/desks/inspection/handoffs", headers=inspector)).json()["items"] == []


async def test_a_declined_hand_off_goes_back_to_the_window_with_the_reason(client, test_keys, futian):
    clerk = test_keys.headers(roles=["clerk"], center_id="futian")
    officer = test_keys.headers(roles=["petition_officer"], center_id="futian")
    case = await _to_desk(client, clerk, "petition")
    item = await _only(client, officer, "petition")
    no_reason = await client.post(f"/handoffs/{item['id']}/decline", json={"reason": ""}, headers=officer | _if(item))
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "reason"
    declined = await client.post(
        f"/handoffs/{item['id']}/decline", json={"reason": "属劳动争议，应先调解"}, headers=officer | _if(item)
    )
    assert declined.status_code == 200 and declined.json()["status"] == "declined"
    back = (await client.get(f"/cases/{case['id']}", headers=clerk)).json()
    assert back["status"] == "returned" and "属劳动争议，应先调解" in back["return_reason"]
    assert back["next_steps"] and back["deadline_on"] is None and not back["overdue"]


async def test_petition_is_accepted_then_concluded_with_a_reply(client, test_keys, futian):
    clerk = test_keys.headers(roles=["clerk"], center_id="futian")
    officer = test_keys.headers(roles=["petition_officer"], center_id="futian")
    case = await _to_desk(client, clerk, "petition")
    item = await _only(client, officer, "petition")
    assert item["allowed_outcomes"] == ["accepted", "not_accepted"]
    early = await client.post(
        f"/handoffs/{item['id']}/outcome", json={"outcome": "concluded"}, headers=officer | _if(item)
    )
    assert early.status_code == 409 and "受理" in early.json()["detail"]
    accepted = (
        await client.post(f"/handoffs/{item['id']}/outcome", json={"outcome": "accepted"}, headers=officer | _if(item))
    ).json()
    assert accepted["clocks"][-1]["code"] == "petition_conclude_60d"
    no_reply = await client.post(
        f"/handoffs/{item['id']}/outcome", json={"outcome": "concluded"}, headers=officer | _if(accepted)
    )
    assert no_reply.status_code == 422 and no_reply.json()["errors"][0]["field"] == "reply"
    done = await client.post(
        f"/handoffs/{item['id']}/outcome",
        json={"outcome": "concluded", "reply": "已督促企业支付，答复信访人"},
        headers=officer | _if(accepted),
    )
    assert done.status_code == 200 and done.json()["reply"] == "已督促企业支付，答复信访人"
    assert (await client.get(f"/cases/{case['id']}", headers=clerk)).json()["status"] == "closed"


async def test_legal_aid_green_channel_priority_and_the_share_within_the_promise(client, test_keys, futian):
    clerk = test_keys.headers(roles=["clerk"], center_id="futian")
    officer = test_keys.headers(roles=["legal_aid_officer"], center_id="futian")
    case = await _to_desk(client, clerk, "legal_aid", applicants=[applicant(1, migrant_worker=True)])
    item = await _only(client, officer, "legal_aid")
    assert item["green_channel"] is True
    assert [c["code"] for c in item["clocks"]] == ["legal_aid_promise", "legal_aid_review_7d"]
    assert item["clocks"][0]["remaining_days"] <= 5 and item["clocks"][1]["source"] == "法律援助法 第43条"
    no_lawyer = await client.post(
        f"/handoffs/{item['id']}/outcome", json={"outcome": "granted"}, headers=officer | _if(item)
    )
    assert no_lawyer.status_code == 422 and no_lawyer.json()["errors"][0]["field"] == "aid_lawyer"
    granted = await client.post(
        f"/handoffs/{item['id']}/outcome",
        json={"outcome": "granted", "aid_lawyer": "广东某律师事务所 陈律师"},
        headers=officer | _if(item),
    )
    assert granted.status_code == 200
    assert (await client.get(f"/cases/{case['id']}", headers=clerk)).json()["status"] == "legal_aid"
    summary = (await client.get("/desks/legal_aid/summary", headers=officer)).json()
    assert summary["decided"] == 1 and summary["share_within_promise"] == 1.0 and summary["promise_days"] == 5
    result = await client.post(
        f"/handoffs/{item['id']}/aid-result",
        json={"result": "仲裁裁决支持全部请求"},
        headers=officer | _if(granted.json()),
    )
    assert result.status_code == 200 and result.json()["status"] == "concluded"
    assert (await client.get(f"/cases/{case['id']}", headers=clerk)).json()["status"] == "closed"
    # A worker who is not a migrant worker goes through the means test.
    await _to_desk(client, clerk, "legal_aid")
    [other] = (await client.get("/desks/legal_aid/handoffs", headers=officer)).json()["items"]
    assert other["green_channel"] is False


async def test_failed_negotiation_comes_back_without_arbitration(client, test_keys, futian):
    clerk = test_keys.headers(roles=["clerk"], center_id="futian")
    coordinator = test_keys.headers(roles=["coordinator"], center_id="futian")
    form = case_form(claims=[{"category": "raise_demand", "amount": "0", "description": "要求集体加薪"}])
    response = await client.post("/cases", json=form | {"route": {"route": "negotiation"}}, headers=clerk)
    assert response.status_code == 201, response.text
    case = response.json()
    assert case["dispute_type"] == "interest" and case["status"] == "in_negotiation"
    item = await _only(client, coordinator, "negotiation")
    assert item["clocks"][0]["source"] == "集体合同规定 第32条"
    failed = await client.post(
        f"/handoffs/{item['id']}/outcome",
        json={"outcome": "failed", "reason": "企业拒绝调整工资标准"},
        headers=coordinator | _if(item),
    )
    assert failed.status_code == 200
    back = (await client.get(f"/cases/{case['id']}", headers=clerk)).json()
    assert back["status"] == "returned" and "arbitration" not in back["allowed_routes"]
    refused = await client.post(
        f"/cases/{case['id']}/route",
        json={"route": "arbitration", "reason": "申请仲裁"},
        headers=clerk | {"If-Match": f'"{back["version"]}"'},
    )
    assert refused.status_code == 409 and "劳动法第84条" in refused.json()["detail"]


async def test_outcome_and_reroute_race_one_wins_the_other_412(client, test_keys, futian):
    clerk = test_keys.headers(roles=["clerk"], center_id="futian")
    inspector = test_keys.headers(roles=["inspector"], center_id="futian")
    case = await _to_desk(client, clerk, "inspection")
    item = await _only(client, inspector, "inspection")
    rerouted = await client.post(
        f"/cases/{case['id']}/route",
        json={"route": "legal_aid", "reason": "劳动者申请法律援助"},
        headers=clerk | {"If-Match": f'"{case["version"]}"'},
    )
    assert rerouted.status_code == 200 and rerouted.json()["status"] == "legal_aid"
    late = await client.post(
        f"/handoffs/{item['id']}/outcome", json={"outcome": "filed"}, headers=inspector | _if(item)
    )
    assert late.status_code == 412
    [old] = (await client.get("/desks/inspection/handoffs?include_ended=true", headers=inspector)).json()["items"]
    assert old["status"] == "withdrawn"


async def test_a_hand_off_of_another_desk_or_centre_is_404(client, test_keys, futian):
    clerk = test_keys.headers(roles=["clerk"], center_id="futian")
    inspector = test_keys.headers(roles=["inspector"], center_id="futian")
    elsewhere = test_keys.headers(roles=["legal_aid_officer"], center_id="luohu")
    await _to_desk(client, clerk, "legal_aid")
    item = await _only(client, test_keys.headers(roles=["legal_aid_officer"], center_id="futian"), "legal_aid")
    for who in (inspector, elsewhere):
        response = await client.post(
            f"/handoffs/{item['id']}/outcome", json={"outcome": "refused", "reason": "x"}, headers=who | _if(item)
        )
        assert response.status_code == 404
    assert (await client.get("/desks/legal_aid/handoffs", headers=inspector)).status_code == 404
    assert (await client.get("/desks/legal_aid/handoffs", headers=clerk)).status_code == 403
