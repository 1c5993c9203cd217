"""/health, the OpenAPI index, the SPA, and the command line."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
import respx
from gateway.__main__ import main as cli
from gateway.keys.service import read_keys
from gw_helpers import ACCOUNTS, login, running

pytestmark = pytest.mark.anyio


async def test_health_reports_every_service_up(client):
    response = await client.get("/health")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["services"]) == {"gateway", "intake", "mediation", "arbitration-bridge", "court-bridge"}
    assert all(part["status"] == "ok" for part in body["services"].values())


async def test_health_reports_a_service_down(make_settings, database_url):
    upstreams = {name: f"http://{name}.test" for name in ("intake", "mediation", "arbitration-bridge", "court-bridge")}
    async with running(make_settings(database_url, upstreams=upstreams), seed=False) as (_, client):
        with respx.mock(assert_all_called=True) as mock:
            mock.get("http://intake.test/readyz").mock(side_effect=httpx.ConnectError("refused"))
            mock.get("http://mediation.test/readyz").respond(200, json={"status": "ok"})
            mock.get("http://arbitration-bridge.test/readyz").respond(503, json={"status": "unavailable"})
            mock.get("http://court-bridge.test/readyz").mock(side_effect=httpx.ReadTimeout("slow"))
            response = await client.get("/health")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    services = body["services"]
    assert services["gateway"]["status"] == "ok" and services["mediation"]["status"] == "ok"
    assert services["intake"]["status"] == "down" and "unreachable" in services["intake"]["error"]
    assert services["arbitration-bridge"]["status"] == "down" and "503" in services["arbitration-bridge"]["error"]
    assert services["court-bridge"] == {"status": "down", "error": "timed out"}


async def test_liveness_and_readiness(client):
    assert (await client.get("/healthz")).json()["status"] == "ok"
    ready = await client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["database"] == "ok"


async def test_openapi_index_and_own_document(client):
    index = (await client.get("/api/openapi")).json()
    assert {"service": "intake", "openapi_url": "/api/intake/openapi.json", "docs_url": "/api/intake/docs"} in index
    assert [e["service"] for e in index] == ["gateway", "intake", "mediation", "arbitration-bridge", "court-bridge"]

    document = (await client.get("/openapi.json")).json()
    assert "/auth/token" in document["paths"] and "/admin/users" in document["paths"]
    body = document["paths"]["/auth/token"]["post"]["requestBody"]["content"]
    assert "application/x-www-form-urlencoded" in body


async def test_spa_files_and_client_side_routes(make_settings, database_url, tmp_path):
    spa = tmp_path / "dist"
    (spa / "assets").mkdir(parents=True)
    (spa / "index.html").write_text("<html>SPA</html>")
    (spa / "assets" / "app-1234.js").write_text("console.log(1)")
    async with running(make_settings(database_url, spa_dir=spa), seed=False) as (_, client):
        assert (await client.get("/")).text == "<html>SPA</html>"
        route = await client.get("/cases/2026-001/timeline")
        assert route.status_code == 200 and route.text == "<html>SPA</html>"
        asset = await client.get("/assets/app-1234.js")
        assert asset.text == "console.log(1)" and "immutable" in asset.headers["cache-control"]
        assert (await client.get("/assets/missing.js")).status_code == 404
        escape = await client.get("/%2e%2e/%2e%2e/etc/passwd")
        assert escape.text == "<html>SPA</html>"  # never a file outside the SPA folder
        for api in ("/api/unknown", "/admin/nothing", "/auth/whatever", "/partner/x"):
            response = await client.get(api)
            assert response.status_code in (401, 404), api
            assert response.headers["content-type"] == "application/problem+json", api


async def test_the_portal_is_its_own_page(make_settings, database_url, tmp_path):
    spa = tmp_path / "dist"
    (spa / "portal").mkdir(parents=True)
    (spa / "index.html").write_text("<html>SPA</html>")
    (spa / "portal" / "index.html").write_text("<html>PORTAL</html>")
    async with running(make_settings(database_url, spa_dir=spa), seed=False) as (_, client):
        for path in ("/portal/", "/portal", "/portal/case/1"):
            response = await client.get(path)
            assert response.status_code == 200 and response.text == "<html>PORTAL</html>", path
        assert (await client.get("/cases")).text == "<html>SPA</html>"


async def test_spa_not_built_page(client):
    response = await client.get("/")
    assert response.status_code == 200
    assert "前端页面尚未构建" in response.text and 'href="/health"' in response.text and 'href="/docs"' in response.text


def test_cli_seed_is_idempotent_and_resets_passwords(database_url, make_settings, tmp_path, monkeypatch):
    settings = make_settings(database_url)
    monkeypatch.setenv("GATEWAY_DATABASE_URL", database_url)
    monkeypatch.setenv("GATEWAY_KEYS_DIR", str(settings.keys_dir))
    monkeypatch.setenv("GATEWAY_ARGON2_TIME_COST", "1")
    monkeypatch.setenv("GATEWAY_ARGON2_MEMORY_KIB", "1024")
    monkeypatch.setenv("GATEWAY_ARGON2_PARALLELISM", "1")
    path = tmp_path / "accounts.json"
    path.write_text(json.dumps(ACCOUNTS, ensure_ascii=False), encoding="utf-8")
    cli(["seed", "--accounts", str(path)])
    cli(["seed", "--accounts", str(path)])
    changed = json.loads(json.dumps(ACCOUNTS))
    changed["users"][0]["password"] = "a brand new password"
    changed["users"][0]["roles"] = ["clerk", "supervisor"]
    path.write_text(json.dumps(changed), encoding="utf-8")
    cli(["seed", "--accounts", str(path)])

    async def check() -> None:
        async with running(settings, seed=False) as (_, client):
            users = (await client.get("/admin/users", headers=await _admin(client))).json()["items"]
            assert sorted(u["username"] for u in users) == ["alice", "bob", "root"]
            assert (await login(client, "alice")).status_code == 400
            token = await login(client, "alice", "a brand new password")
            assert token.status_code == 200 and token.json()["scope"] == "clerk supervisor"

    asyncio.run(check())

    path.write_text(json.dumps({"users": [{"username": "x", "password": "p"}]}))
    with pytest.raises(SystemExit, match="users\\[0\\].username"):
        cli(["seed", "--accounts", str(path)])


def test_cli_rotate_key(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GATEWAY_KEYS_DIR", str(tmp_path / "keys"))
    cli(["rotate-key"])
    cli(["rotate-key"])
    keys = read_keys(tmp_path / "keys")
    assert len(keys) == 2 and keys[0].retired_at is not None and keys[1].retired_at is None
    assert keys[1].kid in capsys.readouterr().out


async def _admin(client: httpx.AsyncClient) -> dict[str, str]:
    token = (await login(client, "root")).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


async def test_spa_sends_precompressed_files_the_browser_accepts(make_settings, database_url, tmp_path):
    import gzip

    spa = tmp_path / "dist"
    (spa / "assets").mkdir(parents=True)
    script = "console.log('一站式');\n" * 200
    (spa / "index.html").write_text("<html>SPA</html>")
    (spa / "index.html.gz").write_bytes(gzip.compress(b"<html>SPA</html>"))
    (spa / "assets" / "app-1234.js").write_text(script)
    (spa / "assets" / "app-1234.js.gz").write_bytes(gzip.compress(script.encode()))
    (spa / "assets" / "app-1234.js.br").write_bytes(b"brotli bytes")  # sent as is, never decoded here
    (spa / "favicon.svg").write_text("<svg/>")
    async with running(make_settings(database_url, spa_dir=spa), seed=False) as (_, client):
        brotli = await client.get("/assets/app-1234.js", headers={"accept-encoding": "gzip, deflate, br"})
        assert brotli.headers["content-encoding"] == "br" and brotli.content == b"brotli bytes"
        assert brotli.headers["content-type"].startswith("text/javascript")
        assert "immutable" in brotli.headers["cache-control"] and brotli.headers["vary"] == "Accept-Encoding"

        gzipped = await client.get("/assets/app-1234.js", headers={"accept-encoding": "gzip, br;q=0"})
        assert gzipped.headers["content-encoding"] == "gzip"
        assert gzipped.text == script  # httpx decodes gzip: the right bytes behind the header

        plain = await client.get("/assets/app-1234.js", headers={"accept-encoding": "identity"})
        assert "content-encoding" not in plain.headers and plain.text == script

        index = await client.get("/cases/1", headers={"accept-encoding": "gzip"})
        assert index.headers["content-encoding"] == "gzip" and index.text == "<html>SPA</html>"
        assert index.headers["cache-control"] == "no-cache" and index.headers["content-type"].startswith("text/html")

        icon = await client.get("/favicon.svg")
        assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")
