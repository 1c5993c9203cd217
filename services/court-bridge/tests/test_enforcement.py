"""司法确认 of any centre agreement (window cases too) and 支付令 on an overdue agreement: the court
chosen by CPL 205 from the registry, the 30 days, the partner down first, a ruling or decision for
another court's application (404), a duplicate (idempotent), and the order of CPL 226–227."""

import uuid
from datetime import timedelta

import pytest
from conftest import published
from court_bridge.agreements.service import canonical_digest
from factories import agreement, event, referral_form
from onewindow_domain.calendar import china_today
from onewindow_kit.bridge.testing import deliver, wait_for

pytestmark = pytest.mark.anyio

PARTNER = "/partner/court/v1"


def window_case(intake, *, worker_address="深圳市罗湖区东门街道某小区", category="wage_arrears") -> str:
    form = referral_form()
    form["applicants"][0]["address"] = worker_address
    form["claims"] = [{"category": category, "amount": "12000.00", "description": "…"}]
    case_id = uuid.uuid4().hex
    intake.cases[case_id] = {"id": case_id, "case_no": "福田一窗〔2026〕00077号", "form": form, "center_id": "futian"}
    return case_id


async def window_agreement(client, test_keys, intake, *, effective_on=None, due_on=None, **case) -> tuple[str, dict]:
    """A window case's agreement as mediation announces it (no referral)."""
    case_id = window_case(intake, **case)
    effective_on = effective_on or china_today()
    body = agreement(
        effective_on=effective_on,
        confirm=False,
        payments=[
            {
                "due_on": (due_on or effective_on + timedelta(days=20)).isoformat(),
                "amount": "12000.00",
                "payer": "深圳市某某电子有限公司",
                "payee": "李四",
            }
        ],
    )
    proceeding_id = uuid.uuid4().hex
    await deliver(
        client,
        test_keys,
        event(
            "mediation.proceeding.agreed",
            None,
            case_id,
            proceeding_id=proceeding_id,
            source="window",
            center_id="futian",
            center_district="福田区",
            agreement=body,
        ),
    )
    return proceeding_id, body


async def areas(client, test_keys):
    admin = test_keys.headers(roles=["admin"])
    for pid, district in (("futian-court", "福田区"), ("luohu-court", "罗湖区")):
        r = await client.put(f"/admin/courts/{pid}/jurisdiction", json={"districts": [district]}, headers=admin)
        assert r.status_code == 200, r.text


async def test_a_window_agreement_goes_to_a_court_of_cpl_205_and_is_ruled_valid_once(
    client, app, test_keys, courts, court_a, court_b, intake
):
    await areas(client, test_keys)
    clerk = test_keys.headers(roles=["clerk"], center_id="futian")
    proceeding_id, body = await window_agreement(client, test_keys, intake)

    listed = await client.get(f"/agreements/{proceeding_id}/courts", headers=clerk)
    assert listed.status_code == 200, listed.text
    choices = listed.json()
    assert [c["partner_id"] for c in choices] == ["futian-court", "luohu-court"]
    assert "调解组织所在地在福田区" in choices[0]["reasons"]
    assert choices[1]["reasons"] == ["申请人（劳动者）住所地在罗湖区"]
    assert all("东门街道" not in r for c in choices for r in c["reasons"])  # the address itself stays at intake

    wrong = await client.post(f"/agreements/{proceeding_id}/confirmation", json={"court_id": "nowhere"}, headers=clerk)
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "court_id"
    elsewhere = test_keys.headers(roles=["clerk"], center_id="luohu")
    assert (
        await client.post(f"/agreements/{proceeding_id}/confirmation", json={}, headers=elsewhere)
    ).status_code == 404

    court_b.fail_left = 1  # the court's system is down for the first delivery
    mediator = test_keys.headers(roles=["mediator"], center_id="futian")
    applied = await client.post(
        f"/agreements/{proceeding_id}/confirmation", json={"court_id": "luohu-court"}, headers=mediator
    )
    assert applied.status_code == 201, applied.text
    application = applied.json()
    assert application["origin"] == "agreement" and application["referral_id"] is None
    assert application["court_name"] == "深圳市罗湖区人民法院"
    assert application["documents"][0]["sha256"] == canonical_digest(body)
    again = await client.post(f"/agreements/{proceeding_id}/confirmation", json={}, headers=clerk)
    assert again.status_code == 409

    await wait_for(lambda: court_b.types == ["confirmation.applied"], what="confirmation.applied delivered")
    assert court_a.types == []
    ((msg_id, sent),) = court_b.delivered
    assert court_b.attempts[msg_id] == 2  # failed once, then delivered once
    data = sent["data"]
    assert data["application_id"] == application["application_id"] and data["agreement"] == body
    assert data["applicants"][0]["id_number"] and data["respondents"][0]["credit_code"]
    assert data["documents"][0]["sha256"] == canonical_digest(body)
    read = (await client.get(f"/agreements/{proceeding_id}", headers=clerk)).json()
    assert read["confirmation"]["state"] == "requested" and read["confirmation"]["decide_by"]

    path = f"{PARTNER}/confirmations/{application['application_id']}/ruling"
    ruling = {"ruling": "valid", "ruling_no": "（2026）粤0303诉前调确5号", "ruled_on": china_today().isoformat()}
    foreign = await client.post(path, json=ruling, headers=courts["a"] | {"Idempotency-Key": "r1"})
    assert foreign.status_code == 404  # not this court's application
    first = await client.post(path, json=ruling, headers=courts["b"] | {"Idempotency-Key": "r1"})
    assert first.status_code == 200, first.text
    assert first.json()["referral_id"] is None and first.json()["status"] == "ruled"
    replay = await client.post(path, json=ruling, headers=courts["b"] | {"Idempotency-Key": "r1"})
    assert replay.status_code == 200 and replay.json() == first.json()
    assert replay.headers.get("idempotent-replayed") == "true"
    other_key = await client.post(path, json=ruling, headers=courts["b"] | {"Idempotency-Key": "r2"})
    assert other_key.status_code == 409

    events = await published(app)
    ruled = [e for e in events if e.type == "court.confirmation.ruled"]
    assert len(ruled) == 1 and ruled[0].data["proceeding_id"] == proceeding_id
    assert "强制执行" in ruled[0].data["summary_zh"]
    assert [e.type for e in events] == ["court.confirmation.requested", "court.confirmation.ruled"]


async def test_an_application_after_the_30_days_is_refused_with_the_dates_and_the_rule(
    client, test_keys, courts, intake
):
    await areas(client, test_keys)
    clerk = test_keys.headers(roles=["clerk"], center_id="futian")
    effective = china_today() - timedelta(days=45)
    proceeding_id, _ = await window_agreement(client, test_keys, intake, effective_on=effective)
    late = await client.post(f"/agreements/{proceeding_id}/confirmation", json={}, headers=clerk)
    assert late.status_code == 409
    problem = late.json()
    assert problem["type"].endswith("confirmation-too-late")
    assert problem["errors"][0]["field"] == "effective_on"
    assert effective.isoformat() in problem["detail"] and "第二百零五条" in problem["detail"]
    assert problem["effective_on"] == effective.isoformat() and problem["apply_by"] < china_today().isoformat()
    read = (await client.get(f"/agreements/{proceeding_id}", headers=clerk)).json()
    assert read["confirmation_open"] is False and read["confirmation"] is None


async def test_an_overdue_wage_instalment_offers_a_payment_order_that_ends_paid(
    client, app, test_keys, courts, court_a, intake
):
    await areas(client, test_keys)
    clerk = test_keys.headers(roles=["clerk"], center_id="futian")
    today = china_today()
    proceeding_id, body = await window_agreement(
        client, test_keys, intake, effective_on=today - timedelta(days=20), due_on=today - timedelta(days=2)
    )
    offer = (await client.get(f"/agreements/{proceeding_id}", headers=clerk)).json()["payment_order_offer"]
    assert offer["eligible"] is False and offer["reasons_zh"]
    early = await client.post(f"/agreements/{proceeding_id}/payment-order", json={}, headers=clerk)
    assert early.status_code == 409 and early.json()["type"].endswith("payment-order-not-available")

    instalment = {"position": 1, "due_on": body["payments"][0]["due_on"], "amount": "12000.00"}
    overdue = event(
        "mediation.agreement.payment_overdue", None, None, proceeding_id=proceeding_id, instalment=instalment
    )
    await deliver(client, test_keys, overdue)
    await deliver(client, test_keys, overdue | {"id": str(uuid.uuid4())})  # announced twice: counted once
    offer = (await client.get(f"/agreements/{proceeding_id}", headers=clerk)).json()["payment_order_offer"]
    assert offer["eligible"] is True and offer["categories"] == ["wage_arrears"]
    assert offer["overdue"] == [instalment]

    court_a.fail_left = 1
    applied = await client.post(f"/agreements/{proceeding_id}/payment-order", json={}, headers=clerk)
    assert applied.status_code == 201, applied.text
    order = applied.json()
    assert order["partner_id"] == "futian-court" and order["amount"] == "12000.00"
    assert order["accept_by"] > today.isoformat()
    assert (await client.post(f"/agreements/{proceeding_id}/payment-order", json={}, headers=clerk)).status_code == 409
    await wait_for(lambda: court_a.types == ["payment_order.requested"], what="payment_order.requested")
    sent = court_a.delivered[0][1]["data"]
    assert sent["claim"]["amount"] == "12000.00" and sent["applicants"][0]["id_number"]

    path = f"{PARTNER}/payment-orders/{order['application_id']}/decision"
    too_soon = {"decision": "objected", "decided_on": today.isoformat()}
    assert (await client.post(path, json=too_soon, headers=courts["a"] | {"Idempotency-Key": "d0"})).status_code == 409
    accept = {"decision": "accepted", "decided_on": today.isoformat()}
    assert (await client.post(path, json=accept, headers=courts["b"] | {"Idempotency-Key": "d1"})).status_code == 404
    ok = await client.post(path, json=accept, headers=courts["a"] | {"Idempotency-Key": "d1"})
    assert ok.status_code == 200 and ok.json()["status"] == "accepted"
    again = await client.post(path, json=accept, headers=courts["a"] | {"Idempotency-Key": "d1"})
    assert again.status_code == 200 and again.headers.get("idempotent-replayed") == "true"
    no_number = {"decision": "issued", "decided_on": today.isoformat()}
    bad = await client.post(path, json=no_number, headers=courts["a"] | {"Idempotency-Key": "d2"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "order_no"
    issued = {"decision": "issued", "decided_on": today.isoformat(), "order_no": "（2026）粤0304民督3号"}
    issued["served_on"] = today.isoformat()
    assert (await client.post(path, json=issued, headers=courts["a"] | {"Idempotency-Key": "d3"})).status_code == 200
    read = (await client.get(f"/agreements/{proceeding_id}/payment-orders", headers=clerk)).json()[0]
    assert read["state"] == "issued" and read["issue_by"] and read["object_by"] > today.isoformat()

    paid = event(
        "mediation.agreement.instalment_paid",
        None,
        None,
        proceeding_id=proceeding_id,
        instalment=instalment,
        paid_on=today.isoformat(),
    )
    await deliver(client, test_keys, paid)
    read = (await client.get(f"/agreements/{proceeding_id}/payment-orders", headers=clerk)).json()[0]
    assert read["state"] == "paid" and read["closed_on"] == today.isoformat()
    await wait_for(lambda: court_a.types[-1:] == ["payment_order.satisfied"], what="payment_order.satisfied")
    types = [e.type for e in await published(app)]
    assert types == [
        "court.payment_order.requested",
        "court.payment_order.accepted",
        "court.payment_order.issued",
        "court.payment_order.paid",
    ]


async def test_an_objection_ends_the_payment_order_and_points_to_arbitration(client, app, test_keys, courts, intake):
    clerk = test_keys.headers(roles=["clerk"], center_id="futian")
    today = china_today()
    proceeding_id, body = await window_agreement(
        client, test_keys, intake, effective_on=today - timedelta(days=20), due_on=today - timedelta(days=2)
    )
    instalment = {"position": 1, "due_on": body["payments"][0]["due_on"], "amount": "12000.00"}
    await deliver(
        client,
        test_keys,
        event("mediation.agreement.payment_overdue", None, None, proceeding_id=proceeding_id, instalment=instalment),
    )
    # No district registered: the court linked to the centre is offered, with a warning to check.
    choices = (await client.get(f"/agreements/{proceeding_id}/courts", headers=clerk)).json()
    assert [c["partner_id"] for c in choices] == ["futian-court"] and "核实管辖" in choices[0]["reasons"][0]
    order = (await client.post(f"/agreements/{proceeding_id}/payment-order", json={}, headers=clerk)).json()
    await wait_for(lambda: _state(client, clerk, proceeding_id, "requested"), what="payment order requested")
    path = f"{PARTNER}/payment-orders/{order['application_id']}/decision"
    issued = {"decision": "issued", "decided_on": today.isoformat(), "order_no": "（2026）粤0304民督4号"}
    assert (await client.post(path, json=issued, headers=courts["a"] | {"Idempotency-Key": "x1"})).status_code == 200
    objected = {"decision": "objected", "decided_on": today.isoformat(), "reason": "用人单位提出书面异议"}
    assert (await client.post(path, json=objected, headers=courts["a"] | {"Idempotency-Key": "x2"})).status_code == 200
    last = (await published(app))[-1]
    assert last.type == "court.payment_order.objected" and "仲裁" in last.data["summary_zh"]
    # Ended: the way on is arbitration or suit, not a second order on the same agreement.
    read = (await client.get(f"/agreements/{proceeding_id}", headers=clerk)).json()
    assert read["payment_orders"][0]["state"] == "objected"
    assert read["payment_order_offer"]["eligible"] is False and "仲裁" in read["payment_order_offer"]["reasons_zh"][-1]
    again = await client.post(f"/agreements/{proceeding_id}/payment-order", json={}, headers=clerk)
    assert again.status_code == 409 and "第二百二十八条" in again.json()["detail"]


async def test_a_wage_agreement_only_other_items_cannot_have_a_payment_order(client, test_keys, courts, intake):
    clerk = test_keys.headers(roles=["clerk"], center_id="futian")
    today = china_today()
    proceeding_id, body = await window_agreement(
        client,
        test_keys,
        intake,
        effective_on=today - timedelta(days=20),
        due_on=today - timedelta(days=2),
        category="social_insurance",
    )
    instalment = {"position": 1, "due_on": body["payments"][0]["due_on"], "amount": "12000.00"}
    await deliver(
        client,
        test_keys,
        event("mediation.agreement.payment_overdue", None, None, proceeding_id=proceeding_id, instalment=instalment),
    )
    refused = await client.post(f"/agreements/{proceeding_id}/payment-order", json={}, headers=clerk)
    assert refused.status_code == 409 and "第16条" in refused.json()["detail"]
    assert refused.json()["errors"][0]["field"] == "agreement"


async def _state(client, headers, proceeding_id, state):
    rows = (await client.get(f"/agreements/{proceeding_id}/payment-orders", headers=headers)).json()
    return rows and rows[0]["state"] == state
