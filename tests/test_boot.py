"""Every domain service boots on its migrated database with health, OpenAPI, auth and the event
endpoint: one test per concern, parametrised over the services (the real processes of the stack,
each asked directly on its own port, not through the gateway)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

pytestmark = pytest.mark.crossservice

SERVICES = ["intake", "mediation", "arbitration-bridge", "court-bridge"]


@dataclass
class Service:
    name: str
    http: httpx.Client


@pytest.fixture(params=SERVICES)
def service(request: pytest.FixtureRequest, stack) -> Iterator[Service]:
    with httpx.Client(base_url=stack.config.url(request.param), timeout=15.0) as client:
        yield Service(request.param, client)


def test_health_and_readiness(service: Service) -> None:
    live = service.http.get("/healthz").json()
    assert live["status"] == "ok" and live["service"] == service.name
    ready = service.http.get("/readyz")
    assert ready.status_code == 200 and ready.json()["database"] == "ok"


def test_openapi_leaves_out_the_event_endpoint(service: Service) -> None:
    # Served (below) but not public: other services call it, partners and the SPA never do.
    spec = service.http.get("/openapi.json").json()
    assert not [path for path in spec["paths"] if path.startswith("/internal")]


def test_event_endpoint_needs_a_service_token(service: Service, gateway) -> None:
    assert service.http.post("/internal/events", json={}).status_code == 401
    as_clerk = {"Authorization": f"Bearer {gateway.password_token('clerk')}"}
    clerk = service.http.post("/internal/events", json={}, headers=as_clerk)
    assert clerk.status_code == 403
    token = gateway.client_token(f"svc-{service.name}")
    bad = service.http.post("/internal/events", json={"id": "nope"}, headers={"Authorization": f"Bearer {token}"})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} >= {"id", "type", "source", "occurred_at"}


def test_unknown_route_is_a_problem(service: Service) -> None:
    response = service.http.get("/no/such/thing")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
