"""Issue 15: the gateway's own endpoints refuse hostile input with a 4xx naming the field."""

from __future__ import annotations

import json

import pytest
from gw_helpers import admin_user, bearer

pytestmark = pytest.mark.anyio


def _fields(response) -> list[str]:
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    return [e["field"] for e in response.json().get("errors") or []]


@pytest.mark.parametrize("field", ["roles", "display_name", "password"])
async def test_patch_null_on_a_user_field_that_cannot_be_empty_is_422(client, accounts, field):
    admin = await bearer(client, "root")
    bob = await admin_user(client, admin, "bob")
    response = await client.patch(f"/admin/users/{bob['id']}", headers=admin, json={field: None})
    assert response.status_code == 422, response.text
    assert _fields(response) == [field]
    assert (await client.get(f"/admin/users/{bob['id']}", headers=admin)).json()["roles"] == bob["roles"]


async def test_nul_in_a_path_or_a_body_is_422(client, accounts):
    admin = await bearer(client, "root")
    response = await client.get("/admin/users/%00", headers=admin)
    assert response.status_code == 422 and _fields(response) == ["user_id"]
    bob = await admin_user(client, admin, "bob")
    response = await client.patch(
        f"/admin/users/{bob['id']}",
        headers=admin | {"content-type": "application/json"},
        content=json.dumps({"display_name": "Bob\u0000"}),
    )
    assert response.status_code == 422 and _fields(response) == ["display_name"]
    token = await client.post("/auth/token", data={"grant_type": "password", "username": "bob\x00", "password": "x"})
    assert token.status_code == 422 and _fields(token) == ["username"]
