"""The case lifecycle (issue 10): one table for every route and event; no case ends where nobody
works it; re-routing from the window and from the desks; a failed mediation comes back."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from factories import case_form
from hypothesis import given, settings
from hypothesis import strategies as st
from intake.lifecycle import service as lifecycle
from onewindow_domain import clock

MEDIATION_EVENTS = [
    "mediation.proceeding.opened",
    "mediation.proceeding.assigned",
    "mediation.proceeding.agreed",
    "mediation.proceeding.declined",
    "mediation.proceeding.terminated",
    "mediation.proceeding.expired",
    "mediation.proceeding.withdrawn",
    "mediation.agreement.payment_overdue",
    "mediation.agreement.instalment_paid",
    "mediation.agreement.fulfilled",
    "arbitration.transfer.requested",
    "arbitration.transfer.accepted",
    "arbitration.transfer.rejected",
    "court.referral.withdrawn",
    "intake.handoff.declined",
    "intake.handoff.returned",
    "intake.handoff.closed",
]
STEPS = st.one_of(
    st.sampled_from(MEDIATION_EVENTS).map(lambda e: ("event", e)),
    st.sampled_from(sorted(lifecycle.ROUTE_STATUS)).map(lambda r: ("route", r)),
    st.just(("close", "")),
)


def _walk(dispute_type: str, steps: list[tuple[str, str]]) -> list[str]:
    status, route, seen = "registered", None, ["registered"]
    for kind, value in steps:
        if kind == "event":
            status = lifecycle.after_event(status, value) or status
        elif kind == "route":
            if value in lifecycle.allowed_routes(status, dispute_type=dispute_type, current_route=route):
                status, route = (
                    lifecycle.check_route(status, value, dispute_type=dispute_type, current_route=route),
                    value,
                )
        elif status in lifecycle.CLOSABLE_FROM:
            status = "closed"
        seen.append(status)
    return seen


@settings(max_examples=400, deadline=None)
@given(dispute_type=st.sampled_from(["rights", "interest"]), steps=st.lists(STEPS, max_size=30))
def test_no_event_sequence_leaves_a_case_where_nobody_works_it(dispute_type, steps):
    seen = _walk(dispute_type, steps)
    for status in seen:
        assert status in lifecycle.STATUSES
        assert status == "closed" or lifecycle.WORKED_BY[status], status
    # Whoever holds it, a way on exists: a re-route, a close or an event the holder sends.
    last = seen[-1]
    assert (
        last == "closed"
        or lifecycle.allowed_routes(last, dispute_type=dispute_type, current_route=None)
        or last in lifecycle.CLOSABLE_FROM
        or any(lifecycle.after_event(last, e) for e in MEDIATION_EVENTS)
        or last in ("transferred_to_arbitration", "referred_to_court")  # the partner has it
    )
    if dispute_type == "interest":  # 劳动法 第84条: never routed to arbitration, from anywhere
        assert all(
            "arbitration" not in lifecycle.allowed_routes(s, dispute_type="interest", current_route=None) for s in seen
        )


@settings(max_examples=200, deadline=None)
@given(steps=st.lists(STEPS, max_size=20), end=st.sampled_from(MEDIATION_EVENTS[3:7]))
def test_a_mediation_that_ends_without_agreement_never_stays_in_mediation(steps, end):
    status = _walk("rights", steps)[-1]
    if status == "in_mediation":
        assert lifecycle.after_event(status, end) == "returned"


def test_direct_arbitration_waits_for_the_commission_then_is_transferred():
    # Refused at the window (registered or routed to arbitration), after declining (returned), or a
    # breached agreement (resolved): sent → waits at routed; accepted → transferred; rejected → back.
    for start in ("registered", "routed", "returned", "resolved"):
        sent = lifecycle.after_event(start, "arbitration.transfer.requested") or start
        assert sent == "routed"
        assert lifecycle.after_event(sent, "arbitration.transfer.accepted") == "transferred_to_arbitration"
        assert lifecycle.after_event(sent, "arbitration.transfer.rejected") == "returned"
    assert lifecycle.after_event("in_mediation", "arbitration.transfer.requested") is None  # end it first
    assert lifecycle.after_event("closed", "arbitration.transfer.accepted") is None


def test_interest_disputes_cannot_be_routed_to_arbitration():
    assert "arbitration" not in lifecycle.allowed_routes("returned", dispute_type="interest", current_route=None)
    with pytest.raises(Exception) as refused:
        lifecycle.check_route("returned", "arbitration", dispute_type="interest", current_route=None)
    assert "劳动法第84条" in str(refused.value) and "三方协调" in str(refused.value)
    steps = lifecycle.next_steps(dispute_type="interest")
    assert [s.route for s in steps] == ["negotiation", "petition"]


# --- through the API ----------------------------------------------------------------------


def _envelope(case_id: str, type_: str, **data) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "type": type_,
        "occurred_at": datetime.now(UTC).isoformat(),
        "source": type_.split(".")[0],
        "case_id": case_id,
        "data": {"proceeding_id": "p1", **data},
    }


@pytest.mark.anyio
@pytest.mark.parametrize("route,status", [("inspection", "referred_to_inspection"), ("legal_aid", "legal_aid")])
async def test_registering_with_another_route_goes_straight_to_the_desk(client, test_keys, futian, route, status):
    clerk = test_keys.headers(roles=["clerk"], center_id="futian")
    response = await client.post(
        "/cases", json=case_form(route={"route": route, "reason": "证据清楚，属明显违法"}), headers=clerk
    )
    assert response.status_code == 201, response.text
    case = response.json()
    assert case["status"] == status and case["worked_by"] == route and case["deadline_on"]


@pytest.mark.anyio
async def test_illegal_route_is_refused_in_chinese_naming_the_allowed_ones(client, test_keys, futian):
    clerk = test_keys.headers(roles=["clerk"], center_id="futian")
    case = (await client.post("/cases", json=case_form(route={"route": "mediation"}), headers=clerk)).json()
    service = test_keys.headers(roles=["service"], sub="svc-mediation")
    opened = _envelope(case["id"], "mediation.proceeding.opened", deadline_on="2026-12-08")
    assert (await client.post("/internal/events", json=opened, headers=service)).status_code == 200
    now = (await client.get(f"/cases/{case['id']}", headers=clerk)).json()
    assert now["status"] == "in_mediation" and now["allowed_routes"] == []
    refused = await client.post(
        f"/cases/{case['id']}/route",
        json={"route": "inspection", "reason": "改为监察"},
        headers=clerk | {"If-Match": f'"{now["version"]}"'},
    )
    assert refused.status_code == 409
    assert "须先由调解员终结调解" in refused.json()["detail"]


@pytest.mark.anyio
@pytest.mark.parametrize("ending", ["terminated", "expired", "withdrawn", "declined"])
async def test_a_failed_mediation_comes_back_to_the_window_and_is_never_overdue(client, test_keys, futian, ending):
    clerk = test_keys.headers(roles=["clerk"], center_id="futian")
    case = (await client.post("/cases", json=case_form(route={"route": "mediation"}), headers=clerk)).json()
    service = test_keys.headers(roles=["service"], sub="svc-mediation")
    past = (clock.today() - timedelta(days=3)).isoformat()  # the mediation's clock has run out
    for type_ in ("mediation.proceeding.opened", f"mediation.proceeding.{ending}"):
        envelope = _envelope(
            case["id"], type_, deadline_on=past, reason="被申请人拒绝继续调解", undisputed_facts="欠薪金额"
        )
        assert (await client.post("/internal/events", json=envelope, headers=service)).json()["status"] == "handled"
    back = (await client.get(f"/cases/{case['id']}", headers=clerk)).json()
    assert back["status"] == "returned" and back["worked_by"] == "window" and back["overdue"] is False
    assert back["return_reason"] == "被申请人拒绝继续调解"
    assert {s["route"] for s in back["next_steps"]} >= {"arbitration", "legal_aid"}
    assert "arbitration" in back["allowed_routes"]
    overdue = (await client.get("/cases", params={"overdue": True}, headers=clerk)).json()["items"]
    assert case["id"] not in [c["id"] for c in overdue]
    stats = (await client.get("/stats", headers=clerk)).json()
    assert stats["overdue"] == 0
    kinds = [t["kind"] for t in (await client.get(f"/cases/{case['id']}/timeline", headers=clerk)).json()]
    assert kinds.count("case.returned") == 1 and kinds.count(f"mediation.proceeding.{ending}") == 1
    # The window routes it on: arbitration (rights dispute) with a reason.
    routed = await client.post(
        f"/cases/{case['id']}/route",
        json={"route": "legal_aid", "reason": "调解不成，申请法律援助"},
        headers=clerk | {"If-Match": f'"{back["version"]}"'},
    )
    assert routed.status_code == 200, routed.text
    assert routed.json()["status"] == "legal_aid"


@pytest.mark.anyio
async def test_events_out_of_order_are_reconciled_and_shown_once_in_order(client, test_keys, futian):
    clerk = test_keys.headers(roles=["clerk"], center_id="futian")
    case = (await client.post("/cases", json=case_form(route={"route": "mediation"}), headers=clerk)).json()
    service = test_keys.headers(roles=["service"], sub="svc-mediation")
    opened = _envelope(case["id"], "mediation.proceeding.opened", deadline_on="2026-12-30")
    agreed = _envelope(case["id"], "mediation.proceeding.agreed", recovered_amount="5000.00")
    agreed["occurred_at"] = (datetime.now(UTC) + timedelta(seconds=5)).isoformat()
    for envelope in (agreed, opened, agreed):  # the agreement first, then the opening, then a redelivery
        assert (await client.post("/internal/events", json=envelope, headers=service)).status_code == 200
    after = (await client.get(f"/cases/{case['id']}", headers=clerk)).json()
    assert after["status"] == "resolved" and after["agreed_amount"] == "5000.00"
    kinds = [t["kind"] for t in (await client.get(f"/cases/{case['id']}/timeline", headers=clerk)).json()]
    assert kinds[-2:] == ["mediation.proceeding.opened", "mediation.proceeding.agreed"]
    assert kinds.count("mediation.proceeding.agreed") == 1


@pytest.mark.anyio
async def test_a_partners_period_counted_from_acceptance_replaces_the_provisional_deadline(
    app, client, test_keys, futian
):
    """人民法院在线调解规则 第24条: the court's period runs from the confirmation of acceptance; the bridge
    says so in ``court.referral.accepted`` and the case file (and then mediation) follows."""
    from onewindow_kit.events import OutboxEvent
    from sqlalchemy import select

    clerk = test_keys.headers(roles=["clerk"], center_id="futian")
    case = (await client.post("/cases", json=case_form(route={"route": "mediation"}), headers=clerk)).json()
    service = test_keys.headers(roles=["service"], sub="svc-court-bridge")
    opened = _envelope(case["id"], "mediation.proceeding.opened", deadline_on="2026-12-21")
    assert (await client.post("/internal/events", json=opened, headers=service)).status_code == 200
    accepted = _envelope(case["id"], "court.referral.accepted", deadline_on="2026-12-23", referral_id="r1")
    assert (await client.post("/internal/events", json=accepted, headers=service)).json()["status"] == "handled"
    assert (await client.get(f"/cases/{case['id']}", headers=clerk)).json()["deadline_on"] == "2026-12-23"
    async with app.state.db.transaction(read_only=True) as session:
        events = list((await session.execute(select(OutboxEvent).order_by(OutboxEvent.seq))).scalars())
    [changed] = [e for e in events if e.type == "intake.case.deadline_changed"]
    assert changed.data["deadline_on"] == "2026-12-23" and changed.data["previous_deadline_on"] == "2026-12-21"
    # The same deadline again changes nothing and tells nobody.
    again = _envelope(case["id"], "court.referral.accepted", deadline_on="2026-12-23", referral_id="r1")
    assert (await client.post("/internal/events", json=again, headers=service)).status_code == 200
    async with app.state.db.transaction(read_only=True) as session:
        events = list((await session.execute(select(OutboxEvent).order_by(OutboxEvent.seq))).scalars())
    assert [e.type for e in events].count("intake.case.deadline_changed") == 1
