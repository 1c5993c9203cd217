"""Object-level access: a mediator sees and acts only on their own proceedings, supervisors on their
centre's, clerks read their centre's, admins everything; the rest is 404."""

import pytest
from factories import open_case

pytestmark = pytest.mark.anyio


async def test_who_sees_and_acts_on_a_proceeding(client, test_keys, registry):
    p = await open_case(client, test_keys)
    owner = next(k for k, v in registry.mediators.items() if v == p["mediator"]["id"])
    stranger = next(k for k in registry.mediators if k != owner)
    url = f"/proceedings/{p['id']}"
    assert (await client.get(url, headers=registry.staff[owner])).status_code == 200
    assert (await client.get(url, headers=registry.staff[stranger])).status_code == 404
    r = await client.post(f"{url}/accept", headers=registry.staff[stranger], json={})
    assert r.status_code == 404
    assert (await client.get(f"{url}/assignment", headers=registry.staff[stranger])).status_code == 404
    assert (await client.get(url, headers=registry.supervisor)).status_code == 200
    luohu_sup = test_keys.headers(roles=["supervisor"], center_id="luohu")
    assert (await client.get(url, headers=luohu_sup)).status_code == 404
    assert (await client.post(f"{url}/accept", headers=luohu_sup, json={})).status_code == 404
    clerk = test_keys.headers(roles=["clerk"], center_id="futian")
    assert (await client.get(url, headers=clerk)).status_code == 200
    assert (await client.post(f"{url}/accept", headers=clerk, json={})).status_code == 403
    assert (await client.get(url, headers=registry.admin)).status_code == 200
    partner = test_keys.headers(roles=["court_partner"], partner_id="c1")
    assert (await client.get(url, headers=partner)).status_code == 403
    assert (await client.get(url)).status_code == 401
    # The owner acts.
    assert (await client.post(f"{url}/accept", headers=registry.staff[owner], json={})).status_code == 200


async def test_lists_are_scoped(client, test_keys, registry):
    cases = [await open_case(client, test_keys) for _ in range(4)]
    await open_case(client, test_keys, center_id="luohu", street=None)
    for sub, mid in registry.mediators.items():
        mine = (await client.get("/proceedings", headers=registry.staff[sub])).json()["items"]
        assert {p["id"] for p in mine} == {c["id"] for c in cases if c["mediator"] and c["mediator"]["id"] == mid}
    futian = (await client.get("/proceedings", headers=registry.supervisor)).json()["items"]
    assert len(futian) == 4 and {p["center_id"] for p in futian} == {"futian"}
    everything = (await client.get("/proceedings", params={"limit": 2}, headers=registry.admin)).json()
    assert len(everything["items"]) == 2 and everything["next_cursor"]
    rest = (
        await client.get(
            "/proceedings", params={"limit": 10, "cursor": everything["next_cursor"]}, headers=registry.admin
        )
    ).json()
    assert len(rest["items"]) == 3 and rest["next_cursor"] is None
    unlinked = test_keys.headers(roles=["mediator"], sub="not-in-registry", center_id="futian")
    assert (await client.get("/proceedings", headers=unlinked)).json()["items"] == []
