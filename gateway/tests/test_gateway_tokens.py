"""POST /auth/token: the three grants, lockout, refresh rotation and reuse detection."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from gateway.identity.models import StaffUser
from gw_helpers import PASSWORD, bearer, jwt_parts, login, running
from onewindow_kit.db import utcnow
from sqlalchemy import update

pytestmark = pytest.mark.anyio


async def test_password_grant_issues_a_staff_token(client, accounts, app):
    response = await login(client, "alice")

    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 900
    assert body["refresh_token"].startswith("rt_") and body["scope"] == "clerk"
    header, claims = jwt_parts(body["access_token"])
    assert header["alg"] == "RS256" and header["kid"] == app.state.keys.signer.kid
    assert claims["iss"] == "onewindow-gateway" and claims["aud"] == "onewindow"
    assert claims["kind"] == "staff" and claims["roles"] == ["clerk"] and claims["center_id"] == "futian"
    assert claims["name"] == "Alice Clerk" and claims["exp"] - claims["iat"] == 900 and claims["jti"]
    principal = await app.state.verifier.verify(body["access_token"])
    assert principal.kind == "staff" and principal.center_id == "futian"


async def test_wrong_password_and_unknown_user_are_invalid_grant(client, accounts):
    wrong = await login(client, "alice", "not the password")
    unknown = await login(client, "nobody", PASSWORD)

    for response in (wrong, unknown):
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_grant"
        assert response.headers["cache-control"] == "no-store"


async def test_repeated_failures_lock_the_account_with_growing_backoff(client, accounts, app):
    for _ in range(4):
        assert (await login(client, "alice", "guess")).status_code == 400
    fifth = await login(client, "alice", "guess")
    assert fifth.status_code == 429
    assert fifth.json()["error"] == "slow_down"
    assert fifth.headers["retry-after"] == "30"

    # Locked: even the right password is refused until the lock runs out.
    locked = await login(client, "alice")
    assert locked.status_code == 429 and 1 <= int(locked.headers["retry-after"]) <= 30

    # Let the lock run out; the next failure locks for twice as long.
    async with app.state.db.transaction() as session:
        await session.execute(
            update(StaffUser).where(StaffUser.username == "alice").values(locked_until=utcnow() - timedelta(seconds=1))
        )
    again = await login(client, "alice", "guess")
    assert again.status_code == 429 and again.headers["retry-after"] == "60"

    async with app.state.db.transaction() as session:
        await session.execute(
            update(StaffUser).where(StaffUser.username == "alice").values(locked_until=utcnow() - timedelta(seconds=1))
        )
    assert (await login(client, "alice")).status_code == 200
    # A success resets the count: one failure is an ordinary failure again.
    assert (await login(client, "alice", "guess")).status_code == 400


async def test_unknown_usernames_are_throttled_per_address(make_settings, database_url):
    settings = make_settings(database_url, login_ip_failure_burst=3, login_ip_failures_per_minute=1)
    async with running(settings) as (_, client):
        for name in ("x1", "x2", "x3"):
            assert (await login(client, name)).status_code == 400
        throttled = await login(client, "x4")
        assert throttled.status_code == 429 and throttled.json()["error"] == "slow_down"
        assert int(throttled.headers["retry-after"]) >= 1


async def test_refresh_rotates_and_reuse_revokes_the_family(client, accounts):
    first = (await login(client, "alice")).json()["refresh_token"]

    rotated = await client.post("/auth/token", data={"grant_type": "refresh_token", "refresh_token": first})
    assert rotated.status_code == 200
    second = rotated.json()["refresh_token"]
    assert second != first and rotated.json()["access_token"]
    assert rotated.headers["cache-control"] == "no-store"

    reuse = await client.post("/auth/token", data={"grant_type": "refresh_token", "refresh_token": first})
    assert reuse.status_code == 400 and reuse.json()["error"] == "invalid_grant"
    # The replayed token revoked the whole family: the legitimate newer token is dead too.
    after = await client.post("/auth/token", data={"grant_type": "refresh_token", "refresh_token": second})
    assert after.status_code == 400 and after.json()["error"] == "invalid_grant"

    # Another login is a new family, unaffected.
    fresh = (await login(client, "alice")).json()["refresh_token"]
    ok = await client.post("/auth/token", data={"grant_type": "refresh_token", "refresh_token": fresh})
    assert ok.status_code == 200


async def test_unknown_refresh_token_is_invalid_grant(client, accounts):
    response = await client.post("/auth/token", data={"grant_type": "refresh_token", "refresh_token": "rt_forged"})
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


async def test_client_credentials_for_a_partner_in_the_form(client, accounts, app):
    response = await client.post(
        "/auth/token",
        data={"grant_type": "client_credentials", "client_id": "court-futian", "client_secret": "court-secret"},
    )

    assert response.status_code == 200
    body = response.json()
    assert "refresh_token" not in body and body["expires_in"] == 900
    _, claims = jwt_parts(body["access_token"])
    assert claims["sub"] == "court-futian" and claims["kind"] == "partner"
    assert claims["roles"] == ["court_partner"] and claims["partner_id"] == "court-futian"
    assert "center_id" not in claims
    principal = await app.state.verifier.verify(body["access_token"])
    assert principal.partner_id == "court-futian"


async def test_client_credentials_for_a_service_with_http_basic(client, accounts):
    basic = base64.b64encode(b"svc-intake:intake-secret").decode()
    response = await client.post(
        "/auth/token", data={"grant_type": "client_credentials"}, headers={"Authorization": f"Basic {basic}"}
    )

    assert response.status_code == 200
    _, claims = jwt_parts(response.json()["access_token"])
    assert claims["kind"] == "service" and claims["roles"] == ["service"] and "partner_id" not in claims


async def test_bad_client_secret_is_invalid_client_401(client, accounts):
    response = await client.post(
        "/auth/token", data={"grant_type": "client_credentials", "client_id": "court-futian", "client_secret": "nope"}
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert response.headers["www-authenticate"].startswith("Basic")


async def test_malformed_requests_get_oauth_errors(client, accounts):
    unsupported = await client.post("/auth/token", data={"grant_type": "implicit"})
    assert unsupported.status_code == 400 and unsupported.json()["error"] == "unsupported_grant_type"

    missing = await client.post("/auth/token", data={"grant_type": "password", "username": "alice"})
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_request"

    as_json = await client.post("/auth/token", json={"grant_type": "password"})
    assert as_json.status_code == 400 and as_json.json()["error"] == "invalid_request"

    too_much = await client.post(
        "/auth/token", data={"grant_type": "password", "username": "root", "password": PASSWORD, "scope": "clerk"}
    )
    assert too_much.status_code == 400 and too_much.json()["error"] == "invalid_scope"


async def test_scope_narrows_the_roles(client, accounts):
    response = await client.post(
        "/auth/token", data={"grant_type": "password", "username": "root", "password": PASSWORD, "scope": "supervisor"}
    )
    assert response.status_code == 200
    assert jwt_parts(response.json()["access_token"])[1]["roles"] == ["supervisor"]


async def test_disabled_user_can_neither_log_in_nor_refresh(client, accounts, app):
    refresh = (await login(client, "bob")).json()["refresh_token"]
    admin = await bearer(client, "root")
    users = (await client.get("/admin/users", headers=admin)).json()["items"]
    bob = next(u for u in users if u["username"] == "bob")

    disabled = await client.post(f"/admin/users/{bob['id']}/disable", headers=admin)
    assert disabled.status_code == 200 and disabled.json()["active"] is False

    assert (await login(client, "bob")).json()["error"] == "invalid_grant"
    refused = await client.post("/auth/token", data={"grant_type": "refresh_token", "refresh_token": refresh})
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"

    assert (await client.post(f"/admin/users/{bob['id']}/enable", headers=admin)).status_code == 200
    assert (await login(client, "bob")).status_code == 200


async def test_revoke_ends_the_session_of_a_refresh_token(client, accounts):
    first = (await login(client, "alice")).json()["refresh_token"]
    renewed = await client.post("/auth/token", data={"grant_type": "refresh_token", "refresh_token": first})
    current = renewed.json()["refresh_token"]

    revoked = await client.post("/auth/revoke", data={"token": current, "token_type_hint": "refresh_token"})

    assert revoked.status_code == 200
    again = await client.post("/auth/token", data={"grant_type": "refresh_token", "refresh_token": current})
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    # RFC 7009: an unknown token answers 200 too; a missing one is invalid_request.
    assert (await client.post("/auth/revoke", data={"token": "rt_unknown"})).status_code == 200
    missing = await client.post("/auth/revoke", data={})
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_request"
    # Another session of the same user is untouched.
    other = (await login(client, "alice")).json()["refresh_token"]
    assert (
        await client.post("/auth/token", data={"grant_type": "refresh_token", "refresh_token": other})
    ).status_code == 200
