"""Who receives a case's events (decision 0027): each bridge only what its handlers act on."""

import pytest
from factories import case_form
from onewindow_kit.events import OutboxDelivery, OutboxEvent
from sqlalchemy import select

pytestmark = pytest.mark.anyio


async def _deliveries(app, case_id: str) -> set[tuple[str, str]]:
    """(event type, subscriber) of every delivery written for the case's events."""
    async with app.state.db.transaction(read_only=True) as session:
        rows = await session.execute(
            select(OutboxEvent.type, OutboxDelivery.subscriber)
            .join(OutboxDelivery, OutboxDelivery.event_seq == OutboxEvent.seq)
            .where(OutboxEvent.case_id == case_id)
        )
        return {(t, s) for t, s in rows}


def _referral(partner: str, **over) -> dict:
    ref = {
        "partner": partner,
        "partner_id": f"{partner}-1",
        "referral_id": "r-1",
        "partner_case_no": "A-1",
        "kind": "k",
    }
    return case_form(
        channel=f"{partner}_referral", deadline_on="2026-12-31", external_ref=ref, facts="委派调解。", **over
    )


async def test_a_window_registration_goes_to_neither_bridge(app, client, test_keys, futian):
    clerk = test_keys.headers(roles=["clerk"], center_id="futian")
    plain = (await client.post("/cases", json=case_form(), headers=clerk)).json()
    assert await _deliveries(app, plain["id"]) == set()
    # Routed at the counter: mediation opens a proceeding, the arbitration bridge keeps its record.
    routed = (await client.post("/cases", json=case_form(route={"route": "mediation"}), headers=clerk)).json()
    assert await _deliveries(app, routed["id"]) == {
        ("intake.case.routed", "mediation"),
        ("intake.case.routed", "arbitration-bridge"),
    }


@pytest.mark.parametrize(
    ("partner", "route"),
    # With a route (how the bridges register) and without one (PostgreSQL's one-statement path).
    [("court", {"route": {"route": "mediation", "reason": "法院委派调解"}}), ("arbitration", {})],
)
async def test_a_referrals_registration_goes_to_its_own_bridge_only(app, client, test_keys, futian, partner, route):
    service = test_keys.headers(roles=["service"], sub=f"svc-{partner}-bridge")
    response = await client.post("/cases?center_id=futian", json=_referral(partner, **route), headers=service)
    assert response.status_code == 201, response.text
    registered = {s for t, s in await _deliveries(app, response.json()["id"]) if t == "intake.case.registered"}
    assert registered == {f"{partner}-bridge"}
