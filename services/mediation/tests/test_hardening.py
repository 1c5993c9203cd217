"""Issue 15: hostile input is a 4xx problem naming the field, never a 500 (both databases)."""

import pytest
from factories import open_case

pytestmark = pytest.mark.anyio


def _fields(response) -> list[str]:
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    return [e["field"] for e in response.json().get("errors") or []]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/calculators/severance", {"monthly_wage": "8000.00", "start": "0001-01-01", "end": "9999-12-31"}, "start"),
        ("/calculators/severance", {"monthly_wage": "8000.00", "start": "2020-01-01", "end": "9999-12-31"}, "end"),
        (
            "/calculators/unlawful-termination",
            {"monthly_wage": "8000.00", "start": "0001-01-01", "end": "9999-12-31"},
            "start",
        ),
        (
            "/calculators/double-wage",
            {"monthly_wage": "8000.00", "employment_start": "9999-01-01", "end": "9999-12-31"},
            "employment_start",
        ),
    ],
)
async def test_extreme_dates_in_calculators_are_422(client, test_keys, path, body, field):
    mediator = test_keys.headers(roles=["mediator"], center_id="futian")
    response = await client.post(path, headers=mediator, json=body)
    assert response.status_code == 422, response.text
    assert field in _fields(response)


async def test_a_session_in_year_9999_is_422_not_an_overflow(client, test_keys, registry):
    p = await open_case(client, test_keys)
    holder = p["mediator"]["id"]
    headers = registry.staff[next(k for k, v in registry.mediators.items() if v == holder)]
    await client.post(f"/proceedings/{p['id']}/accept", headers=headers, json={})
    response = await client.post(
        f"/proceedings/{p['id']}/sessions",
        headers=headers,
        json={"mode": "in_person", "room": "第一调解室", "starts_at": "9999-12-31T23:00:00+08:00"},
    )
    assert response.status_code == 422, response.text
    assert "starts_at" in _fields(response)


async def test_nul_in_paths_and_bodies_is_422(client, test_keys, registry):
    response = await client.get("/proceedings/%00", headers=registry.supervisor)
    assert response.status_code == 422 and _fields(response) == ["proceeding_id"]
    org = registry.street_org
    response = await client.patch(
        f"/organisations/{org}", headers=registry.supervisor, json={"name": "街道\u0000调委会"}
    )
    assert response.status_code == 422 and _fields(response) == ["name"]


@pytest.mark.parametrize("field", ["name", "active", "level"])
async def test_patch_null_on_an_organisation_is_422_naming_the_field(client, registry, field):
    response = await client.patch(
        f"/organisations/{registry.street_org}", headers=registry.supervisor, json={field: None}
    )
    assert response.status_code == 422, response.text
    assert _fields(response) == [field]


@pytest.mark.parametrize("field", ["name", "capacity", "active", "grade"])
async def test_patch_null_on_a_mediator_is_422_naming_the_field(client, registry, field):
    m1 = registry.mediators["m1"]
    response = await client.patch(f"/mediators/{m1}", headers=registry.supervisor, json={field: None})
    assert response.status_code == 422, response.text
    assert _fields(response) == [field]


async def test_patch_null_clears_a_nullable_mediator_field(client, registry):
    m1 = registry.mediators["m1"]
    response = await client.patch(
        f"/mediators/{m1}",
        headers=registry.supervisor,
        json={"registration_no": None, "registration_status": "pending"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["registration_no"] is None


async def test_a_body_over_the_limit_is_413(client, registry):
    response = await client.patch(
        f"/organisations/{registry.street_org}", headers=registry.supervisor, json={"name": "x" * (3 * 1024 * 1024)}
    )
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("application/problem+json")
