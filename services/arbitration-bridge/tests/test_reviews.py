"""仲裁审查确认: an agreement asking for review is sent to the commission (the referring one, or the
centre's), staff can ask within 15 days of the agreement taking effect and are refused with the
reason after; the commission confirms (仲裁调解书 number) or refuses; the timeline hears both."""

from datetime import timedelta

import pytest
from conftest import clerk, published, window_agreement
from factories import agreement, event, referral_form, routed, window_case
from onewindow_domain.calendar import china_today, default_calendar
from onewindow_domain.clocks import compute_due
from onewindow_kit.bridge.testing import deliver, wait_for

pytestmark = pytest.mark.anyio

DECISION = "/partner/arbitration/v1/reviews/{}/decision"


async def test_an_agreement_asking_for_review_is_sent_and_confirmed(
    client, app, test_keys, commissions, arb_a, arb_b, intake
):
    form = window_case()
    case_id = await window_agreement(client, test_keys, intake, effective_on=china_today(), review=True, form=form)
    await wait_for(lambda: arb_a.types == ["review.requested"], what="review.requested")
    data = arb_a.last("review.requested")
    assert data["review_id"].startswith("rvw_") and data["case_no"] == intake.cases[case_id]["case_no"]
    assert (
        data["agreement"]["agreement_no"] == "福田调协〔2026〕00088号"
        and data["agreement"]["total_amount"] == "12000.00"
    )
    assert data["effective_on"] == china_today().isoformat()
    assert (
        data["apply_by"]
        == compute_due(
            "arbitration_review_application_15d", china_today(), calendar=default_calendar().lenient()
        ).due_on.isoformat()
    )
    assert data["applicants"] == form["applicants"]  # decrypted: as registered at the window
    assert data["respondents"][0]["credit_code"] == form["respondents"][0]["credit_code"]
    assert "仲裁审查确认" in intake.pii_reads[-1].url.params["purpose"]
    review_id = data["review_id"]
    listed = (await client.get("/reviews", params={"case_id": case_id}, headers=clerk(test_keys))).json()["items"]
    assert [r["review_id"] for r in listed] == [review_id] and listed[0]["state"] == "requested"
    assert listed[0]["requested_by"] == "mediation"

    path = DECISION.format(review_id)
    today = china_today().isoformat()
    assert (
        await client.post(
            path,
            json={"decision": "confirmed", "decided_on": today},
            headers=commissions["a"] | {"Idempotency-Key": "x"},
        )
    ).status_code == 422
    assert (
        await client.post(
            path, json={"decision": "refused", "decided_on": today}, headers=commissions["a"] | {"Idempotency-Key": "y"}
        )
    ).status_code == 422
    confirmed = {"decision": "confirmed", "document_no": "深劳人仲调字〔2026〕45号", "decided_on": today}
    assert (
        await client.post(path, json=confirmed, headers=commissions["b"] | {"Idempotency-Key": "c"})
    ).status_code == 404
    answer = await client.post(path, json=confirmed, headers=commissions["a"] | {"Idempotency-Key": "c"})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "review_id": review_id,
        "status": "decided",
        "decision": "confirmed",
        "document_no": "深劳人仲调字〔2026〕45号",
        "decided_on": today,
        "reason": None,
    }
    assert (
        await client.post(path, json=confirmed, headers=commissions["a"] | {"Idempotency-Key": "c"})
    ).json() == answer.json()
    assert (
        await client.post(
            path,
            json=confirmed | {"decision": "refused", "reason": "x"},
            headers=commissions["a"] | {"Idempotency-Key": "c2"},
        )
    ).status_code == 409
    events = await published(app)
    assert [e.type for e in events] == ["arbitration.review.requested", "arbitration.review.decided"]
    decided = events[1]
    assert decided.case_id == case_id and decided.data["decision"] == "confirmed"
    assert (
        decided.data["document_no"] == "深劳人仲调字〔2026〕45号"
        and "仲裁调解书（深劳人仲调字〔2026〕45号）" in decided.data["summary_zh"]
    )
    view = (await client.get(f"/reviews/{review_id}", headers=clerk(test_keys))).json()
    assert view["state"] == "decided" and view["document_no"] == "深劳人仲调字〔2026〕45号"
    assert (await client.get(f"/reviews/{review_id}", headers=clerk(test_keys, "luohu"))).status_code == 404
    assert arb_b.types == []


async def test_a_referred_case_is_reviewed_by_its_commission_after_referral_agreed(
    client, test_keys, commissions, arb_a, intake
):
    form = referral_form()
    response = await client.post(
        "/partner/arbitration/v1/referrals", json=form, headers=commissions["a"] | {"Idempotency-Key": "r"}
    )
    referral_id = response.json()["referral_id"]
    case_id = intake.by_key[f"arbitration-referral:{referral_id}"]
    await deliver(
        client,
        test_keys,
        event(
            "mediation.proceeding.agreed",
            referral_id,
            case_id,
            agreement=agreement(effective_on=china_today(), review=True),
        ),
    )
    expected = ["referral.accepted", "referral.agreed", "review.requested"]
    await wait_for(lambda: arb_a.types == expected, what="the agreement then the review request, in order")
    data = arb_a.last("review.requested")
    assert data["referral_id"] == referral_id and data["pre_filing_no"] == form["pre_filing_no"]
    assert data["agreement"] == arb_a.last("referral.agreed")["agreement"]


async def test_staff_ask_within_15_days_and_the_commission_refuses(client, app, test_keys, commissions, arb_a, intake):
    effective = china_today() - timedelta(days=10)
    case_id = await window_agreement(client, test_keys, intake, effective_on=effective, review=False)
    assert (
        await client.post("/reviews", json={"case_id": case_id}, headers=clerk(test_keys, "luohu"))
    ).status_code == 404
    assert (
        await client.post(
            "/reviews", json={"case_id": case_id}, headers=test_keys.headers(roles=["mediator"], center_id="futian")
        )
    ).status_code == 403
    assert (await client.post("/reviews", json={}, headers=clerk(test_keys))).status_code == 422
    created = await client.post(
        "/reviews", json={"case_id": case_id, "note": "双方当事人共同申请"}, headers=clerk(test_keys)
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert (
        body["state"] == "preparing"
        and body["apply_by"] >= china_today().isoformat()
        and body["requested_by"] == "王芳"
    )
    await wait_for(lambda: arb_a.types == ["review.requested"], what="review.requested")
    again = await client.post("/reviews", json={"case_id": case_id}, headers=clerk(test_keys))
    assert again.status_code == 409 and again.json()["review_id"] == body["review_id"]
    refused = await client.post(
        DECISION.format(body["review_id"]),
        headers=commissions["a"] | {"Idempotency-Key": "r"},
        json={"decision": "refused", "reason": "协议内容违反法律规定", "decided_on": china_today().isoformat()},
    )
    assert refused.status_code == 200 and refused.json()["document_no"] is None
    decided = next(e for e in await published(app) if e.type == "arbitration.review.decided")
    assert decided.data["decision"] == "refused" and "协议内容违反法律规定" in decided.data["summary_zh"]


async def test_past_15_days_the_request_is_refused_with_the_reason(client, test_keys, commissions, arb_a, intake):
    effective = china_today() - timedelta(days=30)
    case_id = await window_agreement(client, test_keys, intake, effective_on=effective, review=True)
    late = await client.post("/reviews", json={"case_id": case_id}, headers=clerk(test_keys))
    assert late.status_code == 409, late.text
    problem = late.json()
    assert "15日" in problem["detail"] and problem["effective_on"] == effective.isoformat()
    assert problem["apply_by"] < china_today().isoformat()
    assert (await client.get("/reviews", params={"case_id": case_id}, headers=clerk(test_keys))).json()["items"] == []
    assert "review.requested" not in arb_a.types  # the automatic request was refused as well


async def test_only_an_agreement_can_be_reviewed(client, test_keys, commissions, intake):
    case_id = intake.add_case(window_case())
    await deliver(client, test_keys, routed(case_id), source="svc-intake")
    await deliver(client, test_keys, event("mediation.proceeding.terminated", None, case_id, reason="调解不成"))
    response = await client.post("/reviews", json={"case_id": case_id}, headers=clerk(test_keys))
    assert response.status_code == 409 and "无可申请仲裁审查确认的调解协议" in response.json()["detail_zh"]
    assert (await client.post("/reviews", json={"case_id": "0" * 32}, headers=clerk(test_keys))).status_code == 404
