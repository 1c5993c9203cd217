"""Direct arbitration (decision 0018): a worker who refuses mediation — at the window, or by
declining — and a worker whose employer breached the agreement are sent to the commission with the
申请书; the commission's acceptance is clocked at 5 working days; a duplicate decision is idempotent.
And the 仲裁审查确认 request carries the agreement's digest and the commission's 5-working-day clock."""

from datetime import timedelta

import pytest
from conftest import clerk, published, window_agreement
from factories import envelope, event, routed, window_case
from onewindow_domain.calendar import china_today, default_calendar
from onewindow_domain.clocks import compute_due
from onewindow_kit.bridge.documents import sha256_of
from onewindow_kit.bridge.testing import deliver, wait_for

pytestmark = pytest.mark.anyio

TRANSFER_DECISION = "/partner/arbitration/v1/transfers/{}/decision"
REVIEW_DECISION = "/partner/arbitration/v1/reviews/{}/decision"


def routed_to_arbitration(case_id: str) -> dict:
    ev = routed(case_id)
    ev["data"]["route"] = "arbitration"
    return ev


async def sent(arb, key: str, value: str) -> dict:
    await wait_for(lambda: any(b["data"].get(key) == value for _, b in arb.delivered), what=f"webhook for {value}")
    return next(b for _, b in arb.delivered if b["data"].get(key) == value)


async def test_a_worker_who_refuses_mediation_at_the_window_goes_to_arbitration(
    client, app, test_keys, commissions, arb_a, intake
):
    case_id = intake.add_case(window_case())
    await deliver(client, test_keys, routed_to_arbitration(case_id), source="svc-intake")
    created = await client.post(
        "/transfers",
        json={
            "case_id": case_id,
            "kind": "refused_mediation",
            "reason": "申请人表示不愿调解，要求直接申请仲裁",
            "undisputed_facts": "双方确认申请人于2024年3月入职",
        },
        headers=clerk(test_keys),
    )
    assert created.status_code == 201, created.text
    transfer_id = created.json()["transfer_id"]
    assert created.json()["kind"] == "refused_mediation"
    body = await sent(arb_a, "transfer_id", transfer_id)
    data = body["data"]
    assert body["type"] == "transfer.requested" and data["kind"] == "refused_mediation"
    assert data["undisputed_facts"] == "双方确认申请人于2024年3月入职"
    assert data["applicants"][0]["address"] == "深圳市福田区沙头街道某村"  # the service address
    assert data["application"]["requests"] == [
        {"category": "overtime", "amount": "8600.00", "description": "2026年加班费"}
    ]
    today = china_today()
    due = compute_due("arbitration_acceptance_5d", today, calendar=default_calendar().lenient()).due_on
    assert data["accept_due_on"] == due.isoformat()  # 5 working days
    view = (await client.get(f"/transfers/{transfer_id}", headers=clerk(test_keys))).json()
    assert view["kind"] == "refused_mediation" and view["application"]["kind_zh"].startswith("申请人拒绝调解")

    # The commission accepts; the same decision under another key is the same answer, a different one 409.
    path = TRANSFER_DECISION.format(transfer_id)
    decision = {
        "decision": "accepted",
        "arbitration_case_no": "深劳人仲案〔2026〕201号",
        "decided_on": today.isoformat(),
    }
    first = await client.post(path, json=decision, headers=commissions["a"] | {"Idempotency-Key": "k1"})
    assert first.status_code == 200, first.text
    again = await client.post(path, json=decision, headers=commissions["a"] | {"Idempotency-Key": "k2"})
    assert again.status_code == 200 and again.json() == first.json()
    other = await client.post(
        path,
        json=decision | {"arbitration_case_no": "深劳人仲案〔2026〕202号"},
        headers=commissions["a"] | {"Idempotency-Key": "k3"},
    )
    assert other.status_code == 409
    not_ours = await client.post(path, json=decision, headers=commissions["b"] | {"Idempotency-Key": "k4"})
    assert not_ours.status_code == 404
    events = await published(app)
    assert [e.type for e in events] == ["arbitration.transfer.requested", "arbitration.transfer.accepted"]
    assert events[0].data["kind"] == "refused_mediation" and "不愿调解" in events[0].data["summary_zh"]
    assert "深劳人仲案〔2026〕201号" in events[1].data["summary_zh"]


async def test_a_case_the_bridge_never_heard_of_is_read_from_intake(client, test_keys, commissions, arb_a, intake):
    case_id = intake.add_case(window_case())  # intake's routed event has not arrived yet
    created = await client.post(
        "/transfers", json={"case_id": case_id, "kind": "refused_mediation"}, headers=clerk(test_keys)
    )
    assert created.status_code == 201, created.text
    assert created.json()["center_id"] == "futian"
    assert (
        await client.post("/transfers", json={"case_id": "nope", "kind": "refused_mediation"}, headers=clerk(test_keys))
    ).status_code == 404
    # An interest dispute is not arbitrated (劳动法 第84条), whoever asks.
    interest = intake.add_case(window_case(dispute_type="interest"))
    refused = await client.post(
        "/transfers", json={"case_id": interest, "kind": "refused_mediation"}, headers=clerk(test_keys)
    )
    assert refused.status_code == 409 and "劳动法第84条" in refused.json()["detail_zh"]
    # A failed-mediation transfer still needs a mediation the bridge knows.
    other = intake.add_case(window_case())
    assert (await client.post("/transfers", json={"case_id": other}, headers=clerk(test_keys))).status_code == 404


async def test_refusal_while_mediating_or_after_agreement_is_409_with_the_reason(
    client, test_keys, commissions, intake
):
    case_id = intake.add_case(window_case())
    await deliver(client, test_keys, routed(case_id), source="svc-intake")
    await deliver(client, test_keys, event("mediation.proceeding.opened", None, case_id))
    running = await client.post(
        "/transfers", json={"case_id": case_id, "kind": "refused_mediation"}, headers=clerk(test_keys)
    )
    assert running.status_code == 409 and "人民调解法第十七条" in running.json()["detail_zh"]
    await deliver(client, test_keys, event("mediation.proceeding.declined", None, case_id, reason="申请人拒绝调解"))
    declined = await client.post(
        "/transfers", json={"case_id": case_id, "kind": "refused_mediation"}, headers=clerk(test_keys)
    )
    assert declined.status_code == 201, declined.text
    agreed = await window_agreement(client, test_keys, intake)
    after = await client.post(
        "/transfers", json={"case_id": agreed, "kind": "refused_mediation"}, headers=clerk(test_keys)
    )
    assert after.status_code == 409 and "不履行调解协议" in after.json()["detail_zh"]


async def test_a_breached_agreement_goes_to_arbitration_with_the_agreement_and_its_digest(
    client, app, test_keys, commissions, arb_a, intake
):
    case_id = await window_agreement(client, test_keys, intake)
    early = await client.post(
        "/transfers", json={"case_id": case_id, "kind": "breached_agreement"}, headers=clerk(test_keys)
    )
    assert early.status_code == 409 and "逾期未履行" in early.json()["detail_zh"]
    overdue = envelope(
        "mediation.agreement.payment_overdue",
        case_id,
        {
            "case_id": case_id,
            "proceeding_id": "proc-1",
            "agreement_no": "福田调协〔2026〕00088号",
            "instalment": {"due_on": "2026-12-31", "amount": "12000.00"},
            "summary_zh": "…",
        },
    )
    await deliver(client, test_keys, overdue)
    await deliver(client, test_keys, overdue)  # redelivered: once in effect
    created = await client.post(
        "/transfers",
        json={"case_id": case_id, "kind": "breached_agreement", "reason": "被申请人逾期未支付"},
        headers=clerk(test_keys),
    )
    assert created.status_code == 201, created.text
    data = (await sent(arb_a, "transfer_id", created.json()["transfer_id"]))["data"]
    assert data["kind"] == "breached_agreement"
    assert data["application"]["breach"]["due_on"] == "2026-12-31"
    stored = data["application"]["agreement"]
    document = next(d for d in data["documents"] if d["kind"] == "agreement")
    assert document["title"] == "调解协议书" and document["sha256"] == sha256_of(stored)
    events = await published(app)
    assert "未按调解协议履行" in events[0].data["summary_zh"]


async def test_a_review_request_carries_the_agreement_digest_and_the_commissions_clock(
    client, app, test_keys, commissions, arb_a, intake
):
    case_id = await window_agreement(client, test_keys, intake, review=True)
    await wait_for(lambda: arb_a.types == ["review.requested"], what="review.requested")
    data = arb_a.last("review.requested")
    [document] = data["documents"]
    assert document["kind"] == "agreement" and document["sha256"] == sha256_of(data["agreement"])
    today = china_today()
    decide_by = compute_due("arbitration_review_decision_5wd", today, calendar=default_calendar().lenient()).due_on
    assert data["decide_by"] == decide_by.isoformat() and decide_by - today >= timedelta(days=5)
    view = (await client.get(f"/reviews/{data['review_id']}", headers=clerk(test_keys))).json()
    assert view["decision_due_on"] == decide_by.isoformat() and view["days_left"] == (decide_by - today).days
    assert view["overdue"] is False and view["documents"] == [document]
    path = REVIEW_DECISION.format(data["review_id"])
    confirmed = {"decision": "confirmed", "document_no": "深劳人仲调字〔2026〕46号", "decided_on": today.isoformat()}
    first = await client.post(path, json=confirmed, headers=commissions["a"] | {"Idempotency-Key": "r1"})
    again = await client.post(path, json=confirmed, headers=commissions["a"] | {"Idempotency-Key": "r2"})
    assert first.status_code == again.status_code == 200 and first.json() == again.json()
    events = await published(app)
    assert [e.type for e in events].count("arbitration.review.decided") == 1
    assert case_id == events[-1].case_id
