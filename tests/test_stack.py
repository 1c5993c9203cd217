"""The first cross-service tests: the real processes, driven through the gateway."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx
from conftest import wait_for


def test_health_through_the_gateway_shows_all_five_parts(gateway):
    body = gateway.http.get("/health").json()
    assert body["status"] == "ok", body
    assert set(body["services"]) == {"gateway", "intake", "mediation", "arbitration-bridge", "court-bridge"}
    assert all(part["status"] == "ok" for part in body["services"].values()), body


def test_a_clerk_logs_in_and_reads_an_intake_resource(gateway):
    with gateway.as_user("clerk") as clerk:
        response = clerk.get("/api/intake/centers/futian")
    assert response.status_code == 200, response.text
    assert response.json()["name"] == "福田区劳动纠纷一站式治理中心"
    assert response.headers["x-request-id"]


def test_no_token_is_refused_at_the_gateway(gateway):
    response = gateway.http.get("/api/intake/centers/futian")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")


def _mediation_centres(gateway) -> dict[str, dict]:
    with gateway.as_user("mediator1") as mediator:
        return {c["id"]: c for c in mediator.get("/api/mediation/centers").json()}


def test_an_event_reaches_its_consumer_exactly_once_across_a_consumer_outage(stack, gateway):
    # The seeded centre's event was published before mediation started: it arrives anyway.
    seeded = wait_for(lambda: _mediation_centres(gateway).get("futian"), what="seeded centre in mediation")
    assert seeded["version"] == 1

    stack.stop("mediation")
    try:
        with gateway.as_user("admin") as admin:
            created = admin.post(
                "/api/intake/centers",
                json={
                    "id": "luohu",
                    "name": "罗湖区劳动纠纷一站式治理中心",
                    "short_name": "罗湖",
                    "district": "深圳市罗湖区",
                },
            )
            assert created.status_code == 201, created.text

            def failing_attempts():
                subs = {s["subscriber"]: s for s in admin.get("/api/intake/admin/events").json()}
                head = subs["mediation"]
                return head["pending"] >= 1 and head["head_attempts"] >= 2 and head

            waiting = wait_for(failing_attempts, what="failed delivery attempts while mediation is down")
            assert waiting["head_last_error"]
            # Mediation is down: the gateway says so, naming it.
            down = admin.get("/api/mediation/centers")
            assert down.status_code == 503 and "mediation" in down.json()["detail"]
    finally:
        stack.start("mediation")
        stack.wait_ready("mediation")

    luohu = wait_for(lambda: _mediation_centres(gateway).get("luohu"), what="luohu in mediation after restart")
    assert luohu["version"] == 1
    with gateway.as_user("admin") as admin:
        subs = {s["subscriber"]: s for s in admin.get("/api/intake/admin/events").json()}
        assert subs["mediation"]["pending"] == 0 and subs["mediation"]["dead"] == 0

    # A redelivery (what the relay does when an acknowledgement is lost) has no second effect.
    token = gateway.client_token("svc-intake")
    envelope = {
        "id": str(uuid.uuid4()),
        "type": "intake.center.updated",
        "occurred_at": datetime.now(UTC).isoformat(),
        "source": "intake",
        "case_id": None,
        "schema_version": 1,
        "data": {
            "center_id": "luohu",
            "name": "罗湖区劳动纠纷一站式治理中心",
            "short_name": "罗湖",
            "district": "深圳市罗湖区",
            "active": True,
        },
    }
    mediation_url = stack.config.url("mediation")
    for expected in ("handled", "duplicate", "duplicate"):
        answer = httpx.post(
            f"{mediation_url}/internal/events", json=envelope, headers={"Authorization": f"Bearer {token}"}
        )
        assert answer.json()["status"] == expected
    assert _mediation_centres(gateway)["luohu"]["version"] == 2


def test_internal_endpoints_are_not_reachable_through_the_gateway(gateway):
    token = gateway.client_token("svc-intake")
    response = gateway.http.post(
        "/api/mediation/internal/events", json={}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 404
