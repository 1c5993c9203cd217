"""Fixtures of the gateway's tests. The kit's plugin (onewindow_kit.testing) provides the databases
(SQLite, and PostgreSQL when TEST_DATABASE_URL is set), ``app`` (lifespan running) and ``client``;
this file says how to build the gateway and gives it a real upstream on a loopback port."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from gateway.config import GatewaySettings
from gateway.identity.service import ensure_accounts
from gateway.keys.service import ensure_key
from gateway.main import create_app
from gw_helpers import ACCOUNTS
from gw_upstream import EchoUpstream, UpstreamServer


@pytest.fixture(scope="session")
def migrations_dir() -> Path:
    return Path(__file__).resolve().parents[1] / "migrations"


@pytest.fixture(scope="session")
def echo_server() -> Iterator[UpstreamServer]:
    server = UpstreamServer(EchoUpstream()).start()
    yield server
    server.stop()


@pytest.fixture
def upstream(echo_server: UpstreamServer) -> EchoUpstream:
    """The echo upstream's recorder, emptied for this test."""
    echo_server.app.requests.clear()
    return echo_server.app


@pytest.fixture(scope="session")
def key_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A keys folder with one RSA key, generated once and copied per test (generation is slow)."""
    path = tmp_path_factory.mktemp("key-template") / "keys"
    ensure_key(path)
    return path


@pytest.fixture
def make_settings(tmp_path: Path, echo_server: UpstreamServer, key_template: Path) -> Callable[..., GatewaySettings]:
    keys_dir = tmp_path / "keys"
    if not keys_dir.exists():
        shutil.copytree(key_template, keys_dir)

    def make(database_url: str, **overrides: Any) -> GatewaySettings:
        values: dict[str, Any] = {
            "database_url": database_url,
            "environment": "test",
            "log_level": "WARNING",
            "keys_dir": keys_dir,
            "keys_reload_seconds": 0,
            "spa_dir": tmp_path / "spa",
            # Cheap hashes: the tests log in a lot.
            "argon2_time_cost": 1,
            "argon2_memory_kib": 1024,
            "argon2_parallelism": 1,
            "rate_limit_per_second": 10_000,
            "rate_limit_burst": 10_000,
            "upstreams": dict.fromkeys(("intake", "mediation", "arbitration-bridge", "court-bridge"), echo_server.url),
        }
        values.update(overrides)
        return GatewaySettings(**values)

    return make


@pytest.fixture
def app_factory(make_settings: Callable[..., GatewaySettings]) -> Callable[[str], FastAPI]:
    return lambda url: create_app(make_settings(url))


@pytest.fixture
async def accounts(app: FastAPI) -> dict[str, Any]:
    """The demo accounts, seeded as ``python -m gateway seed`` would."""
    async with app.state.db.transaction() as session:
        await ensure_accounts(session, ACCOUNTS)
    return ACCOUNTS
