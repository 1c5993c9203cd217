"""Issue 10 through the real processes: one case along each agency route (inspection 立案 → closed,
legal aid granted in time, petition 办结, negotiation failed → back at the window, never to
arbitration), each with its clocks and status at every step and the timeline in order; a red case
notifies the supervisor once. (Mediation failed → arbitration: test_arbitration_flow.)"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "services" / "intake" / "tests"))

from conftest import wait_for
from factories import applicant, case_form


def _register(clerk, route: str, n: int, **form) -> dict:
    body = case_form(applicants=[applicant(n, **form.pop("worker", {}))], **form)
    response = clerk.post("/api/intake/cases", json=body | {"route": {"route": route, "reason": "窗口分流至进驻部门"}})
    assert response.status_code == 201, response.text
    return response.json()


def _handoff(desk_client, desk: str, case_id: str) -> dict:
    items = desk_client.get(f"/api/intake/desks/{desk}/handoffs").json()["items"]
    [item] = [h for h in items if h["case_id"] == case_id]
    return item


def _outcome(desk_client, item: dict, **body) -> dict:
    response = desk_client.post(
        f"/api/intake/handoffs/{item['id']}/outcome", json=body, headers={"If-Match": f'"{item["case_version"]}"'}
    )
    assert response.status_code == 200, response.text
    return response.json()


def _status(clerk, case_id: str) -> str:
    return clerk.get(f"/api/intake/cases/{case_id}").json()["status"]


def _kinds(clerk, case_id: str) -> list[str]:
    timeline = clerk.get(f"/api/intake/cases/{case_id}/timeline").json()
    assert [t["at"] for t in timeline] == sorted(t["at"] for t in timeline)  # oldest first
    return [t["kind"] for t in timeline]


def test_inspection_files_and_orders_correction_and_the_case_closes(gateway):
    with gateway.as_user("clerk") as clerk, gateway.as_user("inspector") as inspector:
        case = _register(clerk, "inspection", 71)
        assert case["status"] == "referred_to_inspection" and case["worked_by"] == "inspection"
        item = _handoff(inspector, "inspection", case["id"])
        [clock] = item["clocks"]
        assert clock["code"] == "inspection_accept_5wd" and clock["remaining_days"] >= 5 and clock["source"]
        accepted = inspector.post(
            f"/api/intake/handoffs/{item['id']}/accept", json={}, headers={"If-Match": f'"{item["case_version"]}"'}
        ).json()
        filed = _outcome(inspector, accepted, outcome="filed")
        assert (
            filed["clocks"][-1]["code"] == "inspection_investigate_60wd" and filed["clocks"][-1]["remaining_days"] > 60
        )
        assert _status(clerk, case["id"]) == "referred_to_inspection"
        done = _outcome(inspector, filed, outcome="ordered_correction", reason="责令限期支付拖欠工资")
        assert done["status"] == "concluded"
        closed = clerk.get(f"/api/intake/cases/{case['id']}").json()
        assert closed["status"] == "closed" and closed["close_reason"] == "handled_by_agency"
        assert _kinds(clerk, case["id"]) == [
            "case.registered",
            "case.routed",
            "handoff.accepted",
            "handoff.inspection.filed",
            "handoff.inspection.ordered_correction",
        ]


def test_legal_aid_for_a_migrant_worker_is_granted_within_the_promise(gateway):
    with gateway.as_user("clerk") as clerk, gateway.as_user("legalaid") as officer:
        case = _register(clerk, "legal_aid", 72, worker={"migrant_worker": True})
        assert case["status"] == "legal_aid"
        item = _handoff(officer, "legal_aid", case["id"])
        assert item["green_channel"] is True
        promise, statutory = item["clocks"]
        assert promise["code"] == "legal_aid_promise" and 0 <= promise["remaining_days"] <= 5
        assert statutory["source"] == "法律援助法 第43条"
        granted = _outcome(officer, item, outcome="granted", aid_lawyer="广东某律师事务所 陈律师")
        assert granted["decided_on"] and all(c["stopped_on"] for c in granted["clocks"])
        assert _status(clerk, case["id"]) == "legal_aid"
        summary = officer.get("/api/intake/desks/legal_aid/summary").json()
        assert summary["share_within_promise"] == 1.0 and summary["decided"] >= 1
        result = officer.post(
            f"/api/intake/handoffs/{item['id']}/aid-result",
            json={"result": "仲裁裁决支持劳动者全部请求"},
            headers={"If-Match": f'"{granted["case_version"]}"'},
        )
        assert result.status_code == 200, result.text
        assert _status(clerk, case["id"]) == "closed"
        assert _kinds(clerk, case["id"])[-2:] == ["handoff.legal_aid.granted", "handoff.legal_aid.result"]


def test_a_petition_is_accepted_and_concluded_with_a_reply(gateway):
    with gateway.as_user("clerk") as clerk, gateway.as_user("petition") as officer:
        case = _register(clerk, "petition", 73)
        assert case["status"] == "referred_to_petition"
        item = _handoff(officer, "petition", case["id"])
        assert item["clocks"][0]["code"] == "petition_accept_15d"
        accepted = _outcome(officer, item, outcome="accepted")
        assert accepted["clocks"][-1]["code"] == "petition_conclude_60d"
        assert _status(clerk, case["id"]) == "referred_to_petition"
        _outcome(officer, accepted, outcome="concluded", reply="经协调，企业已承诺支付，答复信访人")
        assert _status(clerk, case["id"]) == "closed"
        assert _kinds(clerk, case["id"])[-2:] == ["handoff.petition.accepted", "handoff.petition.concluded"]


def test_failed_negotiation_comes_back_to_the_window_and_stays_out_of_arbitration(gateway):
    with gateway.as_user("clerk") as clerk, gateway.as_user("coordinator") as coordinator:
        claims = [{"category": "raise_demand", "amount": "0", "description": "要求集体协商工资调整"}]
        case = _register(clerk, "negotiation", 74, claims=claims)
        assert case["dispute_type"] == "interest" and case["status"] == "in_negotiation"
        item = _handoff(coordinator, "negotiation", case["id"])
        assert item["clocks"][0]["source"] == "集体合同规定 第32条"
        _outcome(coordinator, item, outcome="failed", reason="企业拒绝调整工资标准")
        back = clerk.get(f"/api/intake/cases/{case['id']}").json()
        assert back["status"] == "returned" and back["worked_by"] == "window" and not back["overdue"]
        assert "arbitration" not in back["allowed_routes"]
        assert [s["route"] for s in back["next_steps"]] == ["negotiation", "petition"]
        refused = clerk.post(
            f"/api/intake/cases/{case['id']}/route",
            json={"route": "arbitration", "reason": "申请仲裁"},
            headers={"If-Match": f'"{back["version"]}"'},
        )
        assert refused.status_code == 409 and "劳动法第84条" in refused.json()["detail"]
        assert _kinds(clerk, case["id"])[-2:] == ["handoff.negotiation.failed", "case.returned"]


def test_a_red_case_notifies_the_supervisor_once(gateway):
    with gateway.as_user("clerk") as clerk, gateway.as_user("supervisor") as supervisor:
        case = clerk.post(
            "/api/intake/cases", json=case_form(applicants=[applicant(75)], signals={"employer_absconded": True})
        ).json()
        assert case["risk_grade"] == "red"
        mine = wait_for(
            lambda: [
                n for n in supervisor.get("/api/intake/notifications").json()["items"] if n["case_id"] == case["id"]
            ],
            what="the red alert in the supervisor's inbox",
        )
        assert [n["kind"] for n in mine] == ["red_alert"]
        with gateway.as_user("mediator1") as mediator:
            assert case["id"] not in [n["case_id"] for n in mediator.get("/api/intake/notifications").json()["items"]]
