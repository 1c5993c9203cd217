"""Issue 5 through the real processes: a court (the simulator, verifying every webhook with the
``standardwebhooks`` package) refers a dispute through the gateway; a mediator is assigned; the
agreement asks for 司法确认; the court gets the contract's webhooks in order and rules; the ruling
reaches the case timeline. Then the same with the court's endpoint failing first."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from conftest import assigned_proceeding, book_session, partner_simulator, signatures, wait_for
from onewindow_domain.calendar import china_today

ROOT = Path(__file__).resolve().parents[1]
EXPECTED = ["referral.accepted", "referral.mediator_assigned", "referral.agreed", "confirmation.requested"]


@pytest.fixture(scope="module")
def court(stack, gateway, accounts) -> Iterator[httpx.Client]:
    """The simulator court, registered at the bridge as futian-court's webhook endpoint."""
    with partner_simulator(stack, accounts, gateway.url, name="court", client_id="futian-court") as sim:
        with gateway.as_user("admin") as admin:
            patched = admin.patch(
                "/api/court/admin/partners/futian-court",
                json={"webhook_url": f"http://127.0.0.1:{sim.base_url.port}/webhooks"},
            )
            assert patched.status_code == 200, patched.text
            rotated = admin.post("/api/court/admin/partners/futian-court/rotate-secret", json={})
            assert rotated.status_code in (200, 201), rotated.text
        assert sim.post("/control", json={"webhook_secrets": [rotated.json()["webhook_secret"]]}).status_code == 200
        yield sim


def _events_for(sim: httpx.Client, referral_id: str) -> list[dict]:
    return [e for e in sim.get("/received").json()["events"] if e["data"].get("referral_id") == referral_id]


def _mediate_to_agreement(gateway, case_id: str, hour: int) -> None:
    """The assigned demo mediator accepts, schedules and records an agreement asking for 司法确认."""
    with gateway.as_user("supervisor") as supervisor:
        proceeding = wait_for(lambda: assigned_proceeding(supervisor, case_id), what="proceeding assigned")
    for username in ("mediator1", "mediator2"):
        mediator = gateway.as_user(username)
        try:
            if mediator.get(f"/api/mediation/proceedings/{proceeding['id']}").status_code != 200:
                continue
            pid = proceeding["id"]
            assert mediator.post(f"/api/mediation/proceedings/{pid}/accept", json={}).status_code == 200
            book_session(
                mediator, pid, day_offset=1, hour=hour, mode="online", meeting_link="https://meeting.example.cn/r/1"
            )
            today = china_today()
            agreement = {
                "signed_on": today.isoformat(),
                "effective_on": today.isoformat(),
                "terms": "被申请人一次性支付工资12000元",
                "total_amount": "12000.00",
                "payments": [
                    {
                        "due_on": (today + timedelta(days=10)).isoformat(),
                        "amount": "12000.00",
                        "payer": "被申请人",
                        "payee": "申请人",
                    }
                ],
                "parties_request_judicial_confirmation": True,
                "signatures": signatures(today),
            }
            recorded = mediator.post(f"/api/mediation/proceedings/{pid}/agreement", json=agreement)
            assert recorded.status_code in (200, 201), recorded.text
            return
        finally:
            mediator.close()
    raise AssertionError("no demo mediator holds the proceeding")


@pytest.mark.parametrize("failures", [0, 3], ids=["court-up", "court-fails-first"])
def test_a_court_referral_ends_in_a_ruling_on_the_timeline(court, gateway, failures):
    assert court.post("/control", json={"fail_first": failures}).status_code == 200
    sent = court.post("/referrals", json={}).json()
    assert sent["status_code"] == 201, sent
    referral_id = sent["body"]["referral_id"]
    assert sent["body"]["status"] == "received"

    with gateway.as_user("clerk") as clerk:
        case = wait_for(
            lambda: next(
                iter(
                    clerk.get("/api/intake/cases", params={"channel": "court_referral", "limit": 100}).json()["items"]
                    and [
                        c
                        for c in clerk.get(
                            "/api/intake/cases", params={"channel": "court_referral", "limit": 100}
                        ).json()["items"]
                        if c["case_no"] == sent["body"]["case_no"]
                    ]
                ),
                None,
            ),
            what="case registered at intake",
        )
        _mediate_to_agreement(gateway, case["id"], hour=10 + failures)  # one slot per booking: no double booking

        events = wait_for(
            lambda: (lambda ev: len(ev) >= 4 and ev)(_events_for(court, referral_id)),
            timeout=60,
            what="the four webhooks at the court",
        )
        assert [e["type"] for e in events] == EXPECTED
        assert len({e["webhook_id"] for e in events}) == 4  # once each, by webhook-id
        assert events[1]["data"]["mediator"]["name"]
        assert events[3]["data"]["application_id"] and events[3]["data"]["agreement"]["total_amount"] == "12000.00"
        if failures:
            assert court.get("/received").json()["failed_on_purpose"] >= failures

        # The ruling (from the bridge) and the agreement (from mediation) reach intake on two relays:
        # wait for both, in whichever order they arrive.
        timeline = wait_for(
            lambda: (
                lambda kinds: "court.confirmation.ruled" in kinds and "mediation.proceeding.agreed" in kinds and kinds
            )([t["kind"] for t in clerk.get(f"/api/intake/cases/{case['id']}/timeline").json()]),
            timeout=60,
            what="the ruling on the case timeline",
        )
        assert timeline.count("court.confirmation.ruled") == 1
        assert "mediation.proceeding.agreed" in timeline
