"""Centres: the first resource of intake, and the first event it publishes."""

import pytest
from onewindow_kit.events import OutboxDelivery, OutboxEvent
from sqlalchemy import select

pytestmark = pytest.mark.anyio

FUTIAN = {"id": "futian", "name": "福田区劳动纠纷一站式治理中心", "short_name": "福田", "district": "深圳市福田区"}


async def test_admin_registers_a_centre_and_the_event_waits_in_the_outbox(client, app, test_keys):
    admin = test_keys.headers(roles=["admin"])
    response = await client.post("/centers", json=FUTIAN, headers=admin)
    assert response.status_code == 201, response.text
    assert response.json()["case_no_format"] == "{short_name}一窗〔{year}〕{seq:05d}号"

    got = await client.get("/centers/futian", headers=test_keys.headers(roles=["clerk"]))
    assert got.status_code == 200
    assert got.json()["name"] == FUTIAN["name"]

    async with app.state.db.transaction(read_only=True) as session:
        events = (await session.execute(select(OutboxEvent))).scalars().all()
        deliveries = (await session.execute(select(OutboxDelivery))).scalars().all()
    assert [e.type for e in events] == ["intake.center.created"]
    assert events[0].data["center_id"] == "futian"
    assert [(d.subscriber, d.status) for d in deliveries] == [("mediation", "pending")]


async def test_a_clerk_cannot_register_centres(client, test_keys):
    response = await client.post("/centers", json=FUTIAN, headers=test_keys.headers(roles=["clerk"]))
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"


async def test_bad_input_names_the_field_and_writes_nothing(client, app, test_keys):
    admin = test_keys.headers(roles=["admin"])
    bad = {**FUTIAN, "id": "Bad Id!", "case_no_format": "{short_name}-{oops}"}
    response = await client.post("/centers", json=bad, headers=admin)
    assert response.status_code == 422
    body = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    fields = {e["field"] for e in body["errors"]}
    assert fields == {"id", "case_no_format"}
    async with app.state.db.transaction(read_only=True) as session:
        assert (await session.execute(select(OutboxEvent))).first() is None
    listed = await client.get("/centers", headers=admin)
    assert listed.json() == []


async def test_duplicate_centre_is_a_conflict(client, test_keys):
    admin = test_keys.headers(roles=["admin"])
    assert (await client.post("/centers", json=FUTIAN, headers=admin)).status_code == 201
    again = await client.post("/centers", json=FUTIAN, headers=admin)
    assert again.status_code == 409
    assert again.json()["type"].endswith("/already-exists")


async def test_unknown_centre_is_404_problem(client, test_keys):
    response = await client.get("/centers/nowhere", headers=test_keys.headers(roles=["clerk"]))
    assert response.status_code == 404
    assert response.json()["status"] == 404


async def test_update_publishes_an_update_event(client, app, test_keys):
    admin = test_keys.headers(roles=["admin"])
    await client.post("/centers", json=FUTIAN, headers=admin)
    response = await client.patch("/centers/futian", json={"short_name": "福田区"}, headers=admin)
    assert response.status_code == 200
    assert response.json()["short_name"] == "福田区"
    async with app.state.db.transaction(read_only=True) as session:
        types = (await session.execute(select(OutboxEvent.type).order_by(OutboxEvent.seq))).scalars().all()
    assert types == ["intake.center.created", "intake.center.updated"]
