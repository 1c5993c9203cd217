"""Kit tests build a tiny service from ``create_service_app``; its tables are the kit's own."""

from pathlib import Path

import onewindow_kit.events.models  # noqa: F401
import pytest
from fastapi import APIRouter
from onewindow_kit.app import create_service_app
from onewindow_kit.auth import CurrentPrincipal
from onewindow_kit.db import create_engine
from onewindow_kit.settings import ServiceSettings
from onewindow_kit.testing import create_pg_database, drop_pg_database, skip_without_postgres, unique_db_name
from sqlmodel import SQLModel

PEER = "http://peer.test"
GATEWAY = "http://gateway.test"

probe = APIRouter()


@probe.get("/whoami")
async def whoami(principal: CurrentPrincipal) -> dict:
    return {"sub": principal.subject, "roles": sorted(principal.roles)}


async def _create_tables(url: str) -> None:
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(SQLModel.metadata.create_all)
    await engine.dispose()


@pytest.fixture
async def database_url(db_backend, tmp_path):
    if db_backend == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'kit.sqlite3'}"
        await _create_tables(url)
        yield url
        return
    admin = skip_without_postgres()
    name = unique_db_name("kit")
    url = await create_pg_database(admin, name)
    await _create_tables(url)
    yield url
    await drop_pg_database(admin, name)


@pytest.fixture
def settings_overrides() -> dict:
    return {}


@pytest.fixture
def handlers() -> dict:
    return {}


@pytest.fixture
def app_factory(test_keys, settings_overrides, handlers):
    def build(database_url: str):
        settings = ServiceSettings(
            database_url=database_url,
            environment="test",
            service_name="kit-probe",
            gateway_url=GATEWAY,
            service_client_id="kit-probe",
            service_client_secret="s3cret-for-tests",
            peers={"peer": PEER},
            relay_poll_seconds=0.05,
            relay_backoff_base_seconds=0.05,
            relay_backoff_max_seconds=0.2,
            **settings_overrides,
        )
        return create_service_app(
            settings,
            title="probe",
            description="kit probe",
            routers=[probe],
            event_routes={"peer": ["probe.*"]},
            event_handlers=handlers,
            key_source=test_keys.source,
        )

    return build


@pytest.fixture(scope="session")
def migrations_dir() -> Path:  # unused: the kit overrides database_url
    return Path(".")
