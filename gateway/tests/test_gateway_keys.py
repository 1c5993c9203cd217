"""Signing keys: JWKS, file permissions, rotation picked up by a running gateway, pruning."""

from __future__ import annotations

import json
import os
import stat
from datetime import UTC, datetime, timedelta

import pytest
from gateway.config import GatewaySettings
from gateway.keys.service import KeyRing, ensure_key, prune, read_keys, rotate
from gw_helpers import bearer, jwt_parts, login
from onewindow_kit.dependencies import settings_of

pytestmark = pytest.mark.anyio


async def test_jwks_publishes_the_active_key(client, accounts, app):
    response = await client.get("/.well-known/jwks.json")

    assert response.status_code == 200
    keys = response.json()["keys"]
    kid = jwt_parts((await login(client, "alice")).json()["access_token"])[0]["kid"]
    assert [k["kid"] for k in keys] == [kid]
    assert keys[0]["kty"] == "RSA" and keys[0]["alg"] == "RS256" and keys[0]["use"] == "sig"
    assert "d" not in keys[0] and "p" not in keys[0]  # public parts only


async def test_key_files_are_private(app):
    folder = settings_of(app, GatewaySettings).keys_dir
    files = list(folder.glob("*.json"))
    assert len(files) == 1
    assert stat.S_IMODE(os.stat(files[0]).st_mode) == 0o600
    assert json.loads(files[0].read_text())["kid"] == app.state.keys.signer.kid


async def test_rotation_by_the_cli_is_picked_up_and_old_tokens_keep_working(client, accounts, app, upstream):
    old_kid = app.state.keys.signer.kid
    old_token = (await login(client, "alice")).json()["access_token"]

    new = rotate(
        settings_of(app, GatewaySettings).keys_dir, retire_after_seconds=1200
    )  # what `python -m gateway rotate-key` does

    # Tokens signed before the rotation still verify (at the gateway and, via JWKS, at services).
    response = await client.get("/api/intake/cases", headers={"Authorization": f"Bearer {old_token}"})
    assert response.status_code == 200
    # New tokens carry the new kid; the JWKS lists both until the old key's grace time ends.
    new_token = (await login(client, "alice")).json()["access_token"]
    assert jwt_parts(new_token)[0]["kid"] == new.kid != old_kid
    kids = [k["kid"] for k in (await client.get("/.well-known/jwks.json")).json()["keys"]]
    assert kids == [new.kid, old_kid]
    response = await client.get("/api/intake/cases", headers={"Authorization": f"Bearer {new_token}"})
    assert response.status_code == 200


def test_retired_keys_are_pruned_after_their_grace_time(tmp_path):
    folder = tmp_path / "keys"
    first = ensure_key(folder)
    second = rotate(folder, retire_after_seconds=3600)
    assert {k.kid for k in read_keys(folder)} == {first.kid, second.kid}
    assert prune(folder, retire_after_seconds=3600) == []

    # An hour and a bit later (the retirement is back-dated rather than the clock moved).
    path = folder / f"{first.kid}.json"
    data = json.loads(path.read_text())
    data["retired_at"] = (datetime.now(UTC) - timedelta(seconds=3700)).isoformat()
    path.write_text(json.dumps(data))
    assert prune(folder, retire_after_seconds=3600) == [first.kid]
    assert [k.kid for k in read_keys(folder)] == [second.kid]


async def test_replicas_sharing_the_folder_agree(tmp_path):
    folder = tmp_path / "shared"
    one = KeyRing(folder, retire_after_seconds=1200, reload_seconds=0)
    two = KeyRing(folder, retire_after_seconds=1200, reload_seconds=0)
    one.load()
    two.load()
    assert one.signer.kid == two.signer.kid
    assert len(read_keys(folder)) == 1  # the second replica did not make a key of its own

    rotated = rotate(folder, retire_after_seconds=1200)
    assert one.signer.kid == two.signer.kid == rotated.kid
    # A kid the ring has not seen yet is looked up in the folder at once.
    lagging = KeyRing(folder, retire_after_seconds=1200, reload_seconds=3600)
    lagging.load()
    newest = rotate(folder, retire_after_seconds=1200)
    lagging._loaded_at -= 2  # past the one-second guard against kid floods
    assert await lagging.get(newest.kid) is not None


async def test_admin_token_from_a_rotated_key_still_reaches_admin_endpoints(client, accounts, app):
    headers = await bearer(client, "root")
    rotate(settings_of(app, GatewaySettings).keys_dir, retire_after_seconds=1200)
    assert (await client.get("/admin/users", headers=headers)).status_code == 200
