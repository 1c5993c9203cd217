"""The expiry loop: a proceeding left alone expires exactly once, also across a restart and with
two apps (replicas) on the same database; the loop runs by itself in the app's lifespan."""

import asyncio
from datetime import timedelta

import pytest
from factories import events, open_case
from mediation.config import MediationSettings
from mediation.proceedings.models import Proceeding
from mediation.scheduler.service import tick
from onewindow_domain.calendar import china_today
from onewindow_kit.dependencies import settings_of
from sqlalchemy import update

pytestmark = pytest.mark.anyio


async def _age(app, proceeding_id: str, days: int) -> None:
    """Move the deadline into the past (the clock ran out ``days`` ago)."""
    async with app.state.db.transaction() as session:
        await session.execute(
            update(Proceeding)
            .where(Proceeding.id == proceeding_id)
            .values(deadline_on=china_today() - timedelta(days=days))
        )


async def test_a_proceeding_left_alone_expires_exactly_once_across_a_restart(
    client, app, app_factory, database_url, test_keys, registry
):
    p = await open_case(client, test_keys)
    fresh = await open_case(client, test_keys)
    await _age(app, p["id"], 1)
    assert (await tick(db=app.state.db, settings=settings_of(app, MediationSettings))).expired == [p["id"]]
    assert (await tick(db=app.state.db, settings=settings_of(app, MediationSettings))).expired == []
    # A second process on the same database (a restart, or a replica) finds nothing left to do.
    second = app_factory(database_url)
    async with second.router.lifespan_context(second):
        assert (await tick(db=second.state.db, settings=second.state.settings)).expired == []
    [expired] = await events(app, "mediation.proceeding.expired")
    assert expired.data["proceeding_id"] == p["id"]
    assert expired.data["reason"].startswith("调解期限已于") and "undisputed_facts" in expired.data
    assert "当事人可依法申请仲裁" in expired.data["summary_zh"]
    after = (await client.get(f"/proceedings/{p['id']}", headers=registry.supervisor)).json()
    assert after["status"] == "expired" and after["close_reason_code"] == "deadline_passed"
    history = (await client.get(f"/proceedings/{p['id']}/history", headers=registry.supervisor)).json()
    assert history[-1]["action"] == "expired" and history[-1]["actor_subject"] == "system:mediation"
    assert (await client.get(f"/proceedings/{fresh['id']}", headers=registry.supervisor)).json()["status"] == "assigned"
    loads = {m["id"]: m["open_count"] for m in (await client.get("/mediators", headers=registry.supervisor)).json()}
    assert loads[p["mediator"]["id"]] == (1 if fresh["mediator"]["id"] == p["mediator"]["id"] else 0)


async def test_two_replicas_racing_expire_once(client, app, app_factory, database_url, test_keys, registry):
    ids = [(await open_case(client, test_keys))["id"] for _ in range(4)]
    for pid in ids:
        await _age(app, pid, 2)
    other = app_factory(database_url)
    async with other.router.lifespan_context(other):
        reports = await asyncio.gather(
            tick(db=app.state.db, settings=settings_of(app, MediationSettings)),
            tick(db=other.state.db, settings=settings_of(other, MediationSettings)),
        )
    assert sorted(reports[0].expired + reports[1].expired) == sorted(ids)
    assert len(await events(app, "mediation.proceeding.expired")) == 4


async def test_an_extension_in_time_prevents_expiry(client, app, test_keys, registry):
    p = await open_case(client, test_keys)
    await _age(app, p["id"], 0)  # due today: still running
    assert (await tick(db=app.state.db, settings=settings_of(app, MediationSettings))).expired == []
    consent = {"consented_on": china_today().isoformat(), "method": "in_person", "by": "当事人"}
    r = await client.post(
        f"/proceedings/{p['id']}/extensions",
        headers=registry.supervisor,
        json={"days": 5, "reason": "双方同意继续调解", "consents": {"worker": consent, "employer": consent}},
    )
    assert r.status_code == 201
    report = await tick(
        db=app.state.db, settings=settings_of(app, MediationSettings), today=china_today() + timedelta(days=2)
    )
    assert report.expired == []
    # Once past, no extension any more.
    await _age(app, p["id"], 1)
    r = await client.post(
        f"/proceedings/{p['id']}/extensions",
        headers=registry.supervisor,
        json={"days": 5, "reason": "双方同意继续调解", "consents": {"worker": consent, "employer": consent}},
    )
    assert r.status_code == 409


async def test_the_loop_runs_in_the_lifespan(app_factory, database_url, test_keys):
    import httpx
    from factories import build_registry

    first = app_factory(database_url)
    async with first.router.lifespan_context(first):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=first), base_url="http://test") as client:
            await build_registry(client, test_keys)
            p = await open_case(client, test_keys)
        await _age(first, p["id"], 3)
    # A restarted process with the loop enabled expires it on its own.
    running = app_factory(database_url, scheduler_enabled=True, scheduler_interval_seconds=0.05)
    async with running.router.lifespan_context(running):
        for _ in range(100):
            if running.state.scheduler.ticks >= 2:
                break
            await asyncio.sleep(0.05)
        assert running.state.scheduler.ticks >= 2
        assert len(await events(running, "mediation.proceeding.expired")) == 1
