"""Issue 6 through the real processes: an arbitration commission (the simulator, verifying every
webhook with the ``standardwebhooks`` package) refers a dispute through the gateway, mediation fails,
and the commission gets the result with the 无争议事实 and the parties' service addresses; a window
mediation that terminates is transferred and accepted, leaving the case in
``transferred_to_arbitration`` with the commission's case number on its timeline; an agreement asking
for 仲裁审查确认 is confirmed. With the commission's endpoint failing first too."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "services" / "intake" / "tests"))

from conftest import assigned_proceeding, book_session, partner_simulator, signatures, wait_for
from factories import applicant, case_form
from onewindow_domain.calendar import china_today

ROOT = Path(__file__).resolve().parents[1]
BRIDGE = "arbitration-bridge"
PARTNER = "futian-arbitration"


@pytest.fixture(scope="module")
def commission(stack, gateway, accounts) -> Iterator[httpx.Client]:
    """The simulator commission, registered at the bridge as futian-arbitration's webhook endpoint."""
    # Local runs reach the simulator on loopback over plain HTTP (deploy/stack.py should set this for
    # the arbitration bridge as it does for the court bridge; until then the bridge is restarted so).
    env = stack.env_for(BRIDGE)
    if env.get("ARBITRATION_WEBHOOKS__REQUIRE_HTTPS") != "false":
        stack.config.extra_env.setdefault(BRIDGE, {}).update(
            {
                "ARBITRATION_WEBHOOKS__REQUIRE_HTTPS": "false",
                "ARBITRATION_WEBHOOKS__ALLOWED_NETWORKS": json.dumps(["127.0.0.0/8"]),
            }
        )
        stack.stop(BRIDGE)
        stack.start(BRIDGE)
        stack.wait_ready(BRIDGE)
    with partner_simulator(stack, accounts, gateway.url, name="arbitration", client_id=PARTNER) as sim:
        hook = {"webhook_url": f"http://127.0.0.1:{sim.base_url.port}/webhooks"}
        with gateway.as_user("admin") as admin:
            if (
                admin.get(f"/api/arbitration/admin/partners/{PARTNER}").status_code == 404
            ):  # stack does not seed it (yet)
                created = admin.post(
                    "/api/arbitration/admin/partners",
                    json={
                        "partner_id": PARTNER,
                        "name": "深圳市福田区劳动人事争议仲裁院",
                        "center_id": "futian",
                        **hook,
                    },
                )
                assert created.status_code == 201, created.text
                webhook_secret = created.json()["webhook_secret"]
            else:
                assert admin.patch(f"/api/arbitration/admin/partners/{PARTNER}", json=hook).status_code == 200
                rotated = admin.post(
                    f"/api/arbitration/admin/partners/{PARTNER}/rotate-secret", json={"overlap_hours": 0}
                )
                assert rotated.status_code == 200, rotated.text
                webhook_secret = rotated.json()["webhook_secret"]
        assert sim.post("/control", json={"webhook_secrets": [webhook_secret]}).status_code == 200
        yield sim


def _as_assigned_mediator(gateway, proceeding_id: str) -> httpx.Client:
    for username in ("mediator1", "mediator2"):
        client = gateway.as_user(username)
        if client.get(f"/api/mediation/proceedings/{proceeding_id}").status_code == 200:
            return client
        client.close()
    raise AssertionError("no demo mediator holds the proceeding")


def _terminate(gateway, case_id: str) -> dict:
    with gateway.as_user("supervisor") as supervisor:
        proceeding = wait_for(lambda: assigned_proceeding(supervisor, case_id), what="proceeding assigned")
    mediator = _as_assigned_mediator(gateway, proceeding["id"])
    try:
        pid = proceeding["id"]
        assert mediator.post(f"/api/mediation/proceedings/{pid}/accept", json={}).status_code == 200
        ended = mediator.post(
            f"/api/mediation/proceedings/{pid}/terminate",
            json={
                "reason_code": "no_agreement",
                "reason": "双方对加班费数额分歧较大",
                "undisputed_facts": "双方确认申请人月工资8000元",
                "undisputed_facts_signed": True,
                "dispute_focus": "加班时长的认定",
                "arbitration_notice_given": True,
            },
        )
        assert ended.status_code == 200, ended.text
    finally:
        mediator.close()
    return proceeding


def _agree_with_review(gateway, case_id: str, hour: int, *, review: bool = True) -> None:
    with gateway.as_user("supervisor") as supervisor:
        proceeding = wait_for(lambda: assigned_proceeding(supervisor, case_id), what="proceeding assigned")
    mediator = _as_assigned_mediator(gateway, proceeding["id"])
    try:
        pid = proceeding["id"]
        assert mediator.post(f"/api/mediation/proceedings/{pid}/accept", json={}).status_code == 200
        book_session(
            mediator, pid, day_offset=2, hour=hour, mode="online", meeting_link="https://meeting.example.cn/r/2"
        )
        today = china_today()
        recorded = mediator.post(
            f"/api/mediation/proceedings/{pid}/agreement",
            json={
                "signed_on": today.isoformat(),
                "effective_on": today.isoformat(),
                "terms": "被申请人一次性支付加班费8600元",
                "total_amount": "8600.00",
                "payments": [
                    {
                        "due_on": (today + timedelta(days=10)).isoformat(),
                        "amount": "8600.00",
                        "payer": "被申请人",
                        "payee": "申请人",
                    }
                ],
                "parties_request_arbitration_review": review,
                "signatures": signatures(today),
            },
        )
        assert recorded.status_code in (200, 201), recorded.text
    finally:
        mediator.close()


def _received(sim: httpx.Client, key: str, value: str) -> list[dict]:
    return [e for e in sim.get("/received").json()["events"] if e["data"].get(key) == value]


def _timeline(clerk, case_id: str) -> list[dict]:
    return clerk.get(f"/api/intake/cases/{case_id}/timeline").json()


@pytest.mark.parametrize("failures", [0, 3], ids=["commission-up", "commission-fails-first"])
def test_a_referral_that_fails_returns_undisputed_facts_and_service_addresses(commission, gateway, failures):
    assert commission.post("/control", json={"fail_first": failures, "reset": True}).status_code == 200
    sent = commission.post("/referrals", json={}).json()
    assert sent["status_code"] == 201, sent
    referral_id = sent["body"]["referral_id"]
    # The 201 carries the case number when intake answered at once; otherwise the read shows it later.
    case_no = sent["body"]["case_no"] or wait_for(
        lambda: commission.get(f"/referrals/{referral_id}").json()["body"]["case_no"], what="the case number"
    )
    with gateway.as_user("clerk") as clerk:
        cases = clerk.get("/api/intake/cases", params={"channel": "arbitration_referral", "limit": 100}).json()["items"]
        case = next(c for c in cases if c["case_no"] == case_no)
        detail = clerk.get(f"/api/intake/cases/{case['id']}").json()
        assert "【仲裁院调解建议书】" in detail["facts"]
        proceeding = _terminate(gateway, case["id"])
        with gateway.as_user("supervisor") as supervisor:  # the mediator sees the commission's 调解建议书
            shown = supervisor.get(f"/api/mediation/proceedings/{proceeding['id']}").json()
            assert shown["external_ref"]["mediation_suggestion"].startswith("建议双方")
        events = wait_for(
            lambda: (lambda ev: len(ev) >= 3 and ev)(_received(commission, "referral_id", referral_id)),
            timeout=60,
            what="three webhooks at the commission",
        )
        assert [e["type"] for e in events] == ["referral.accepted", "referral.mediator_assigned", "referral.failed"]
        assert len({e["webhook_id"] for e in events}) == 3
        failed = events[2]["data"]
        assert (
            failed["undisputed_facts"] == "双方确认申请人月工资8000元" and failed["dispute_focus"] == "加班时长的认定"
        )
        request = sent["request"]
        assert failed["applicants"][0]["address"] == request["applicants"][0]["address"]
        assert failed["applicants"][0]["id_number"] == request["applicants"][0]["id_number"]
        if failures:
            assert commission.get("/received").json()["failed_on_purpose"] >= failures
        kinds = [t["kind"] for t in _timeline(clerk, case["id"])]
        assert "arbitration.referral.received" in kinds and "mediation.proceeding.terminated" in kinds


def test_a_failed_window_mediation_is_transferred_and_accepted(commission, gateway):
    assert commission.post("/control", json={"transfer_answer": "accepted"}).status_code == 200
    with gateway.as_user("clerk") as clerk:
        case = clerk.post("/api/intake/cases", json=case_form(applicants=[applicant(61)], route={"route": "mediation"}))
        assert case.status_code == 201, case.text
        case_id = case.json()["id"]
        _terminate(gateway, case_id)
        # Back at the window with next steps, never left in mediation nor overdue (issue 10).
        back = wait_for(
            lambda: (lambda c: c["status"] == "returned" and c)(clerk.get(f"/api/intake/cases/{case_id}").json()),
            what="the case back at the window",
        )
        assert back["overdue"] is False and "arbitration" in [s["route"] for s in back["next_steps"]]
        moved = wait_for(
            lambda: (lambda r: r.status_code == 201 and r)(
                clerk.post("/api/arbitration/transfers", json={"case_id": case_id, "reason": "申请人选择申请仲裁"})
            ),
            what="the transfer (once the bridge heard the mediation ended)",
        )
        transfer_id = moved.json()["transfer_id"]
        [requested] = wait_for(
            lambda: _received(commission, "transfer_id", transfer_id), timeout=60, what="transfer.requested"
        )
        assert requested["type"] == "transfer.requested"
        assert requested["data"]["undisputed_facts"] == "双方确认申请人月工资8000元"
        assert (
            requested["data"]["mediation"]["outcome"] == "terminated" and requested["data"]["applicants"][0]["address"]
        )
        view = wait_for(
            lambda: (lambda v: v["state"] == "accepted" and v)(
                clerk.get(f"/api/arbitration/transfers/{transfer_id}").json()
            ),
            timeout=30,
            what="the commission's acceptance",
        )
        case_no = view["arbitration_case_no"]
        assert case_no.startswith("深劳人仲案")
        final = wait_for(
            lambda: (lambda c: c["status"] == "transferred_to_arbitration" and c)(
                clerk.get(f"/api/intake/cases/{case_id}").json()
            ),
            timeout=30,
            what="the case transferred",
        )
        assert final["status"] == "transferred_to_arbitration"
        timeline = _timeline(clerk, case_id)
        accepted = [t for t in timeline if t["kind"] == "arbitration.transfer.accepted"]
        assert len(accepted) == 1 and case_no in accepted[0]["summary"]
        assert "arbitration.transfer.requested" in [t["kind"] for t in timeline]


def test_an_agreement_asking_for_review_is_confirmed(commission, gateway):
    with gateway.as_user("clerk") as clerk:
        case = clerk.post("/api/intake/cases", json=case_form(applicants=[applicant(62)], route={"route": "mediation"}))
        case_id = case.json()["id"]
        _agree_with_review(gateway, case_id, hour=15)
        timeline = wait_for(
            lambda: (lambda kinds: "arbitration.review.decided" in kinds and kinds)(
                [t["kind"] for t in _timeline(clerk, case_id)]
            ),
            timeout=60,
            what="the review decided on the timeline",
        )
        assert timeline.count("arbitration.review.requested") == 1 and timeline.count("arbitration.review.decided") == 1
