"""Staff notifications (issue 10): red alert → every supervisor once; hand-off → the desk;
assignment and overdue payment → the mediator; clock at risk → desk and supervisors; read per person."""

import uuid

import pytest
from factories import case_form, mediation_event

pytestmark = pytest.mark.anyio

RED = {"employer_absconded": True}


async def test_a_red_case_notifies_each_supervisor_once_and_reads_are_per_person(client, test_keys, futian):
    clerk = test_keys.headers(roles=["clerk"], center_id="futian")
    sup1 = test_keys.headers(roles=["supervisor"], center_id="futian", sub="sup1")
    sup2 = test_keys.headers(roles=["supervisor"], center_id="futian", sub="sup2")
    other_centre = test_keys.headers(roles=["supervisor"], center_id="luohu", sub="sup3")
    case = (await client.post("/cases", json=case_form(signals=RED), headers=clerk)).json()
    assert case["risk_grade"] == "red"
    for sup in (sup1, sup2):
        page = (await client.get("/notifications", headers=sup)).json()
        [item] = page["items"]
        assert item["kind"] == "red_alert" and case["case_no"] in item["title"] and page["unread"] == 1
        assert item["link"] == f"/cases/{case['id']}" and item["read"] is False
    assert (await client.get("/notifications", headers=other_centre)).json()["items"] == []
    assert (await client.get("/notifications", headers=clerk)).json()["items"] == []
    [item] = (await client.get("/notifications", headers=sup1)).json()["items"]
    assert (await client.post(f"/notifications/{item['id']}/read", headers=sup1)).json() == {"marked": 1}
    assert (await client.get("/notifications/unread-count", headers=sup1)).json() == {"unread": 0}
    assert (await client.get("/notifications/unread-count", headers=sup2)).json() == {"unread": 1}
    assert (await client.post(f"/notifications/{item['id']}/read", headers=other_centre)).status_code == 404


async def test_assignment_and_overdue_payment_reach_the_mediator_once(client, test_keys, futian):
    clerk = test_keys.headers(roles=["clerk"], center_id="futian")
    mediator = test_keys.headers(roles=["mediator"], center_id="futian", sub="mediator1")
    service = test_keys.headers(roles=["service"], sub="svc-mediation")
    case = (await client.post("/cases", json=case_form(route={"route": "mediation"}), headers=clerk)).json()
    assigned = mediation_event(
        case["id"], "mediation.proceeding.assigned", mediator={"id": "m1", "name": "张敏", "user_subject": "mediator1"}
    )
    for _ in range(2):  # a redelivery is a duplicate for the inbox: nothing twice
        await client.post("/internal/events", json=assigned, headers=service)
    # Another event with the same cause (a second delivery attempt with a new id) adds nothing either.
    await client.post("/internal/events", json=assigned | {"id": str(uuid.uuid4())}, headers=service)
    overdue = mediation_event(
        case["id"], "mediation.agreement.payment_overdue", instalment={"due_on": "2026-11-01", "amount": "4000.00"}
    )
    await client.post("/internal/events", json=overdue, headers=service)
    kinds = [n["kind"] for n in (await client.get("/notifications", headers=mediator)).json()["items"]]
    assert kinds == ["payment_overdue", "assignment"]


async def test_a_hand_off_notifies_its_desk_and_a_clock_at_risk_the_supervisors(client, test_keys, futian):
    clerk = test_keys.headers(roles=["clerk"], center_id="futian")
    officer = test_keys.headers(roles=["legal_aid_officer"], center_id="futian")
    supervisor = test_keys.headers(roles=["supervisor"], center_id="futian")
    inspector = test_keys.headers(roles=["inspector"], center_id="futian")
    await client.post("/cases", json=case_form(route={"route": "legal_aid", "reason": "申请法律援助"}), headers=clerk)
    kinds = [n["kind"] for n in (await client.get("/notifications", headers=officer)).json()["items"]]
    # 7 days to decide and 3 days' warning: not at risk yet, only the hand-off itself.
    assert kinds == ["handoff"]
    assert (await client.get("/notifications", headers=inspector)).json()["items"] == []
    assert (await client.get("/notifications", headers=supervisor)).json()["items"] == []


class TestWithAWiderWarning:
    @pytest.fixture
    def settings_overrides(self) -> dict:
        return {"desks": {"at_risk_days": 7}}

    async def test_at_risk_clock_is_announced_once_to_desk_and_supervisors(self, client, test_keys, futian):
        await _at_risk(client, test_keys)


async def _at_risk(client, test_keys) -> None:
    clerk = test_keys.headers(roles=["clerk"], center_id="futian")
    officer = test_keys.headers(roles=["legal_aid_officer"], center_id="futian")
    supervisor = test_keys.headers(roles=["supervisor"], center_id="futian")
    await client.post("/cases", json=case_form(route={"route": "legal_aid", "reason": "申请法律援助"}), headers=clerk)
    for _ in range(3):  # every poll sweeps; the cause is the same
        await client.get("/notifications/unread-count", headers=officer)
    officer_kinds = sorted(n["kind"] for n in (await client.get("/notifications", headers=officer)).json()["items"])
    assert officer_kinds == ["clock_at_risk", "handoff"]
    sup_kinds = [n["kind"] for n in (await client.get("/notifications", headers=supervisor)).json()["items"]]
    assert sup_kinds == ["clock_at_risk"]
