"""The service boots on a migrated database with health, OpenAPI, auth and the event endpoint."""

import pytest

pytestmark = pytest.mark.anyio


async def test_health_and_readiness(client):
    assert (await client.get("/healthz")).json()["status"] == "ok"
    ready = await client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["database"] == "ok"


async def test_openapi_leaves_out_the_event_endpoint(client):
    # Served (below) but not public: other services call it, partners and the SPA never do.
    spec = (await client.get("/openapi.json")).json()
    assert not [path for path in spec["paths"] if path.startswith("/internal")]


async def test_event_endpoint_needs_a_service_token(client, test_keys):
    assert (await client.post("/internal/events", json={})).status_code == 401
    clerk = await client.post("/internal/events", json={}, headers=test_keys.headers(roles=["clerk"]))
    assert clerk.status_code == 403
    bad = await client.post("/internal/events", json={"id": "nope"}, headers=test_keys.headers(roles=["service"]))
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} >= {"id", "type", "source", "occurred_at"}


async def test_unknown_route_is_a_problem(client):
    response = await client.get("/no/such/thing")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
