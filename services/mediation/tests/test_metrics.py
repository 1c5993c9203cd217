"""Mediation's scrape-time gauge ``onewindow_clocks_at_risk`` (alert rule ClocksAtRisk)."""

import pytest
from factories import open_case
from mediation.proceedings.models import Proceeding
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import update

pytestmark = pytest.mark.anyio


async def clocks_at_risk(client) -> dict[str, float]:
    text = (await client.get("/internal/metrics")).text
    return {
        sample.labels["status"]: sample.value
        for family in text_string_to_metric_families(text)
        if family.name == "onewindow_clocks_at_risk"
        for sample in family.samples
    }


async def test_proceedings_at_risk_are_counted_at_every_scrape(client, app, test_keys, registry):
    first = await open_case(client, test_keys)
    await open_case(client, test_keys)
    assert await clocks_at_risk(client) == {"any": 0.0}
    async with app.state.db.transaction() as session:
        await session.execute(update(Proceeding).where(Proceeding.id == first["id"]).values(deadline_at_risk=True))
    assert await clocks_at_risk(client) == {"any": 1.0, first["status"]: 1.0}
    async with app.state.db.transaction() as session:
        await session.execute(update(Proceeding).values(deadline_at_risk=False))
    assert await clocks_at_risk(client) == {"any": 0.0}
