"""The outbox, the relay and the inbox: at least once on the wire, exactly once in effect."""

import asyncio
import json
import uuid
from datetime import UTC, datetime

import httpx
import pytest
import respx
from conftest import GATEWAY, PEER
from onewindow_kit.bridge.testing import wait_for
from onewindow_kit.events import InboxEvent, OutboxDelivery, publish
from onewindow_kit.events.outbox import PersonalDataInEvent
from sqlalchemy import func, select

pytestmark = pytest.mark.anyio


async def _publish(app, n: int, type_: str = "probe.thing.happened") -> None:
    for i in range(n):
        async with app.state.db.transaction() as session:
            await publish(session, type=type_, data={"n": i})


async def _statuses(app):
    async with app.state.db.transaction(read_only=True) as session:
        return (await session.execute(select(OutboxDelivery.status).order_by(OutboxDelivery.id))).scalars().all()


@pytest.fixture
def mock_gateway():
    with respx.mock(assert_all_called=False) as router:
        router.post(f"{GATEWAY}/auth/token").mock(
            return_value=httpx.Response(
                200, json={"access_token": "svc-token", "token_type": "Bearer", "expires_in": 900}
            )
        )
        yield router


async def test_events_arrive_in_order_after_the_subscriber_recovers(app, mock_gateway):
    received: list[int] = []
    failures = {"left": 3}

    def subscriber(request: httpx.Request) -> httpx.Response:
        assert request.headers["authorization"] == "Bearer svc-token"
        if failures["left"] > 0:
            failures["left"] -= 1
            return httpx.Response(503)
        received.append(json.loads(request.content)["data"]["n"])
        return httpx.Response(200, json={"status": "handled"})

    mock_gateway.post(f"{PEER}/internal/events").mock(side_effect=subscriber)
    await _publish(app, 5)

    async def all_delivered():
        return await _statuses(app) == ["delivered"] * 5

    await wait_for(all_delivered, timeout=10.0)
    assert received == [0, 1, 2, 3, 4]
    async with app.state.db.transaction(read_only=True) as session:
        head = (await session.execute(select(OutboxDelivery).order_by(OutboxDelivery.id))).scalars().first()
    assert head.attempts == 4 and head.last_status_code == 200


async def test_connection_errors_are_retried_not_dropped(app, mock_gateway):
    calls = {"n": 0}

    def flaky(request):
        calls["n"] += 1
        if calls["n"] <= 2:
            raise httpx.ConnectError("refused")
        return httpx.Response(200)

    mock_gateway.post(f"{PEER}/internal/events").mock(side_effect=flaky)
    await _publish(app, 1)

    async def delivered():
        return await _statuses(app) == ["delivered"]

    await wait_for(delivered, timeout=10.0)


async def test_a_rejected_event_is_dead_and_does_not_block_the_rest(app, mock_gateway, test_keys, client):
    def subscriber(request):
        n = json.loads(request.content)["data"]["n"]
        return httpx.Response(422, json={"detail": "nope"}) if n == 0 else httpx.Response(200)

    mock_gateway.post(f"{PEER}/internal/events").mock(side_effect=subscriber)
    await _publish(app, 3)

    async def settled():
        return await _statuses(app) == ["dead", "delivered", "delivered"]

    await wait_for(settled, timeout=10.0)
    admin = test_keys.headers(roles=["admin"])
    summary = (await client.get("/admin/events", headers=admin)).json()
    assert summary[0]["subscriber"] == "peer" and summary[0]["dead"] == 1 and summary[0]["delivered"] == 2
    dead = (await client.get("/admin/events/deliveries?status=dead", headers=admin)).json()["items"]
    assert len(dead) == 1 and dead[0]["last_status_code"] == 422
    metrics = (await client.get("/internal/metrics")).text
    assert 'onewindow_outbox_deliveries{service="kit-probe",status="dead",subscriber="peer"} 1.0' in metrics

    # The subscriber is fixed; an admin replays the dead delivery.
    mock_gateway.post(f"{PEER}/internal/events").mock(return_value=httpx.Response(200))
    replay = await client.post(f"/admin/events/deliveries/{dead[0]['id']}/retry", headers=admin)
    assert replay.status_code == 200

    async def all_delivered():
        return await _statuses(app) == ["delivered"] * 3

    await wait_for(all_delivered, timeout=10.0)


async def test_nothing_is_published_when_the_transaction_rolls_back(app):
    with pytest.raises(RuntimeError):
        async with app.state.db.transaction() as session:
            await publish(session, type="probe.thing.happened", data={"n": 1})
            raise RuntimeError("the state change failed")
    assert await _statuses(app) == []


async def test_on_postgresql_an_event_and_its_deliveries_are_one_statement(app, db_backend):
    """One round trip per published event (issue 17): the event and its deliveries are written by
    one statement of data-modifying CTEs; SQLite, which has none, flushes twice."""
    from onewindow_kit.events import OutboxEvent
    from sqlalchemy import event as sa_event

    statements: list[str] = []

    def count(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        if statement.startswith(("INSERT", "WITH")):  # the relay's own reads run beside it
            statements.append(statement)

    engine = app.state.db.engine.sync_engine
    async with app.state.db.transaction() as session:
        sa_event.listen(engine, "before_cursor_execute", count)
        try:
            published = await publish(session, type="probe.thing.happened", data={"n": 7}, case_id="c1")
        finally:
            sa_event.remove(engine, "before_cursor_execute", count)
    assert len(statements) == (1 if db_backend == "postgresql" else 2), statements
    async with app.state.db.transaction(read_only=True) as session:
        row = (await session.execute(select(OutboxEvent).where(OutboxEvent.seq == published.seq))).scalar_one()
        deliveries = (
            (await session.execute(select(OutboxDelivery).where(OutboxDelivery.event_seq == row.seq))).scalars().all()
        )
    assert (row.type, row.case_id, row.data, row.id) == ("probe.thing.happened", "c1", {"n": 7}, published.id)
    assert [(d.subscriber, d.status, d.attempts) for d in deliveries] == [("peer", "pending", 0)]


async def test_personal_data_never_goes_into_an_event(app):
    async with app.state.db.transaction() as session:
        with pytest.raises(PersonalDataInEvent):
            await publish(session, type="probe.thing.happened", data={"worker": {"id_number": "440304199001011234"}})
        with pytest.raises(PersonalDataInEvent):
            await publish(session, type="probe.thing.happened", data={"phone": "13800138000"})


@pytest.fixture
def handlers():
    effects: list[str] = []

    async def on_thing(session, event):
        effects.append(event.data["n"])
        session.add(InboxEvent(event_id=uuid.uuid4(), type="side.effect.row", source="test"))

    on_thing.effects = effects
    return {"probe.thing.happened": on_thing}


def _envelope(**over):
    base = {
        "id": str(uuid.uuid4()),
        "type": "probe.thing.happened",
        "occurred_at": datetime.now(UTC).isoformat(),
        "source": "other",
        "case_id": None,
        "data": {"n": "x"},
        "schema_version": 1,
    }
    base.update(over)
    return base


async def test_inbox_makes_redelivery_harmless(client, test_keys, handlers):
    service = test_keys.headers(roles=["service"], sub="svc-other")
    envelope = _envelope()
    first = await client.post("/internal/events", json=envelope, headers=service)
    second = await client.post("/internal/events", json=envelope, headers=service)
    assert (first.json()["status"], second.json()["status"]) == ("handled", "duplicate")
    assert handlers["probe.thing.happened"].effects == ["x"]


async def test_concurrent_redelivery_has_one_effect(app, client, test_keys, handlers):
    service = test_keys.headers(roles=["service"], sub="svc-other")
    envelope = _envelope()
    answers = await asyncio.gather(*[client.post("/internal/events", json=envelope, headers=service) for _ in range(5)])
    assert all(a.status_code in (200, 500, 503) for a in answers)
    # Whatever the interleaving, the effect happened once (a loser may answer an error and be retried).
    async with app.state.db.transaction(read_only=True) as session:
        side = (
            await session.execute(
                select(func.count()).select_from(InboxEvent).where(InboxEvent.type == "side.effect.row")
            )
        ).scalar()
    assert side == 1


async def test_only_services_may_post_events(client, test_keys):
    response = await client.post("/internal/events", json=_envelope(), headers=test_keys.headers(roles=["admin"]))
    assert response.status_code == 403
    bad = await client.post(
        "/internal/events", json=_envelope(type="Not A Type"), headers=test_keys.headers(roles=["service"])
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "type"
