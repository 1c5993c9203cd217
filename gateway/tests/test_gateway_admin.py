"""/admin: who may manage identities, validation, secrets shown once."""

from __future__ import annotations

import pytest
from gw_helpers import PASSWORD, admin_user, bearer, login

pytestmark = pytest.mark.anyio

NEW_USER = {
    "username": "carol",
    "password": "a long enough password",
    "display_name": "Carol",
    "roles": ["clerk"],
    "center_id": "luohu",
}


async def _locked_out(client, admin, username: str) -> dict:
    """Five wrong passwords lock ``username`` out (429); their record as ``/admin/users`` lists it."""
    for _ in range(5):
        await login(client, username, "wrong")
    assert (await login(client, username)).status_code == 429
    return await admin_user(client, admin, username)


async def test_admin_endpoints_need_a_token_and_the_admin_role(client, accounts):
    anonymous = await client.get("/admin/users")
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"].startswith("Bearer")
    assert anonymous.headers["content-type"] == "application/problem+json"

    clerk = await bearer(client, "alice")
    for method, path in (("GET", "/admin/users"), ("POST", "/admin/clients"), ("GET", "/admin/clients")):
        response = await client.request(method, path, headers=clerk, json={})
        assert response.status_code == 403, path
        assert response.headers["content-type"] == "application/problem+json"


async def test_create_get_list_users(client, accounts):
    admin = await bearer(client, "root")

    created = await client.post("/admin/users", headers=admin, json=NEW_USER)
    assert created.status_code == 201
    user = created.json()
    assert user["username"] == "carol" and user["roles"] == ["clerk"] and user["active"] is True
    assert "password" not in user and "password_hash" not in user

    assert (await client.get(f"/admin/users/{user['id']}", headers=admin)).json()["display_name"] == "Carol"
    page = (await client.get("/admin/users", headers=admin, params={"limit": 2})).json()
    assert [u["username"] for u in page["items"]] == ["alice", "bob"] and page["next_cursor"] == "bob"
    rest = (await client.get("/admin/users", headers=admin, params={"cursor": "bob"})).json()
    assert [u["username"] for u in rest["items"]] == ["carol", "root"] and rest["next_cursor"] is None

    assert (await login(client, "carol", "a long enough password")).status_code == 200
    duplicate = await client.post("/admin/users", headers=admin, json=NEW_USER)
    assert duplicate.status_code == 409
    assert (await client.get("/admin/users/00000000-0000-0000-0000-000000000000", headers=admin)).status_code == 404


async def test_invalid_input_is_422_with_field_paths(client, accounts):
    admin = await bearer(client, "root")

    response = await client.post(
        "/admin/users", headers=admin, json={**NEW_USER, "roles": ["clerk", "court_partner"], "password": "short"}
    )

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"roles[1]", "password"} <= fields

    no_centre = await client.post("/admin/users", headers=admin, json={**NEW_USER, "center_id": None})
    assert no_centre.status_code == 422
    assert "center_id" in no_centre.json()["detail"]

    bad_client = await client.post(
        "/admin/clients",
        headers=admin,
        json={"client_id": "court-x", "name": "X", "kind": "partner", "roles": ["court_partner"]},
    )
    assert bad_client.status_code == 422 and "partner_id" in bad_client.json()["detail"]


async def test_client_secret_is_shown_once_and_can_be_rotated(client, accounts):
    admin = await bearer(client, "root")

    created = await client.post(
        "/admin/clients",
        headers=admin,
        json={
            "client_id": "arb-sz",
            "name": "深圳劳动人事争议仲裁院",
            "kind": "partner",
            "roles": ["arbitration_partner"],
            "partner_id": "arb-sz",
        },
    )
    assert created.status_code == 201 and created.headers["cache-control"] == "no-store"
    secret = created.json()["client_secret"]
    fetched = (await client.get("/admin/clients/arb-sz", headers=admin)).json()
    assert "client_secret" not in fetched and fetched["roles"] == ["arbitration_partner"]
    listed = (await client.get("/admin/clients", headers=admin, params={"kind": "partner"})).json()["items"]
    assert [c["client_id"] for c in listed] == ["arb-sz", "court-futian"]

    def grant(s: str) -> dict[str, str]:
        return {"grant_type": "client_credentials", "client_id": "arb-sz", "client_secret": s}

    assert (await client.post("/auth/token", data=grant(secret))).status_code == 200
    rotated = await client.post("/admin/clients/arb-sz/rotate-secret", headers=admin)
    assert rotated.status_code == 200
    new_secret = rotated.json()["client_secret"]
    assert new_secret != secret
    assert (await client.post("/auth/token", data=grant(secret))).status_code == 401
    assert (await client.post("/auth/token", data=grant(new_secret))).status_code == 200

    disabled = await client.post("/admin/clients/arb-sz/disable", headers=admin)
    assert disabled.json()["active"] is False
    assert (await client.post("/auth/token", data=grant(new_secret))).status_code == 401
    await client.post("/admin/clients/arb-sz/enable", headers=admin)
    assert (await client.post("/auth/token", data=grant(new_secret))).status_code == 200


async def test_password_reset_unlocks_and_ends_sessions(client, accounts):
    admin = await bearer(client, "root")
    refresh = (await login(client, "bob")).json()["refresh_token"]
    bob = await _locked_out(client, admin, "bob")

    response = await client.patch(f"/admin/users/{bob['id']}", headers=admin, json={"password": "new password 1"})

    assert response.status_code == 200 and response.json()["locked_until"] is None
    assert (await login(client, "bob", PASSWORD)).status_code == 400
    assert (await login(client, "bob", "new password 1")).status_code == 200
    old = await client.post("/auth/token", data={"grant_type": "refresh_token", "refresh_token": refresh})
    assert old.status_code == 400


async def test_admins_cannot_disable_themselves(client, accounts):
    admin = await bearer(client, "root")
    me = await admin_user(client, admin, "root")
    assert (await client.post(f"/admin/users/{me['id']}/disable", headers=admin)).status_code == 409


async def test_reset_password_is_shown_once_unlocks_and_ends_sessions(client, accounts):
    admin = await bearer(client, "root")
    refresh = (await login(client, "bob")).json()["refresh_token"]
    bob = await _locked_out(client, admin, "bob")

    response = await client.post(f"/admin/users/{bob['id']}/reset-password", headers=admin)

    assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
    temporary = response.json()["password"]
    assert response.json()["username"] == "bob" and len(temporary) >= 12
    assert (await login(client, "bob", PASSWORD)).status_code == 400
    assert (await login(client, "bob", temporary)).status_code == 200
    old = await client.post("/auth/token", data={"grant_type": "refresh_token", "refresh_token": refresh})
    assert old.status_code == 400
    clerk = await bearer(client, "alice")
    assert (await client.post(f"/admin/users/{bob['id']}/reset-password", headers=clerk)).status_code == 403


async def test_unlock_ends_a_lockout_and_keeps_the_password(client, accounts):
    admin = await bearer(client, "root")
    bob = await _locked_out(client, admin, "bob")
    assert bob["locked_until"] is not None

    unlocked = await client.post(f"/admin/users/{bob['id']}/unlock", headers=admin)

    assert unlocked.status_code == 200 and unlocked.json()["locked_until"] is None
    assert (await login(client, "bob", PASSWORD)).status_code == 200
    missing = await client.post("/admin/users/00000000-0000-0000-0000-000000000000/unlock", headers=admin)
    assert missing.status_code == 404


async def test_accounts_to_pick_from_by_role_and_centre(client, accounts):
    admin = await bearer(client, "root")
    await client.post("/admin/users", headers=admin, json={**NEW_USER, "username": "dave", "roles": ["mediator"]})

    everyone = await client.get("/admin/accounts", headers=admin, params={"role": "mediator"})

    assert everyone.status_code == 200
    assert [a["username"] for a in everyone.json()] == ["bob", "dave"]
    assert set(everyone.json()[0]) == {"id", "username", "display_name", "center_id"}
    # A supervisor (not admin) picks from their own centre only.
    await client.post(
        "/admin/users",
        headers=admin,
        json={**NEW_USER, "username": "sue", "roles": ["supervisor"], "center_id": "futian"},
    )
    supervisor = {
        "Authorization": "Bearer " + (await login(client, "sue", NEW_USER["password"])).json()["access_token"]
    }
    own = await client.get("/admin/accounts", headers=supervisor)
    assert [a["username"] for a in own.json()] == ["bob"]
    assert (await client.get("/admin/users", headers=supervisor)).status_code == 403
    assert (await client.get("/admin/accounts", headers=await bearer(client, "alice"))).status_code == 403
    assert (await client.get("/admin/accounts", headers=admin, params={"role": "admin"})).status_code == 422
