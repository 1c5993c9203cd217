"""Mediation learns of centres from intake's events, once per event."""

import pytest
from factories import envelope

pytestmark = pytest.mark.anyio


def _event(type_: str, **data) -> dict:
    centre = {
        "center_id": "futian",
        "name": "福田区劳动纠纷一站式治理中心",
        "short_name": "福田",
        "district": "深圳市福田区",
        "active": True,
    }
    return envelope(type_, centre | data)


async def test_centre_events_build_the_read_model_once(client, test_keys):
    service = test_keys.headers(roles=["service"], sub="svc-intake")
    created = _event("intake.center.created")
    assert (await client.post("/internal/events", json=created, headers=service)).json()["status"] == "handled"
    assert (await client.post("/internal/events", json=created, headers=service)).json()["status"] == "duplicate"
    updated = _event("intake.center.updated", short_name="福田区")
    assert (await client.post("/internal/events", json=updated, headers=service)).status_code == 200

    listed = await client.get("/centers", headers=test_keys.headers(roles=["mediator"]))
    assert listed.status_code == 200
    [center] = listed.json()
    assert center["short_name"] == "福田区"
    assert center["version"] == 2  # two distinct events, the duplicate had no effect


async def test_partners_cannot_read_centres(client, test_keys):
    response = await client.get("/centers", headers=test_keys.headers(roles=["court_partner"], partner_id="c1"))
    assert response.status_code == 403
