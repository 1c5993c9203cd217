from pathlib import Path

import pytest
from factories import Registry, build_registry
from mediation.config import MediationSettings
from mediation.main import create_app

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"


@pytest.fixture(scope="session")
def migrations_dir() -> Path:
    return MIGRATIONS


@pytest.fixture
def settings_overrides() -> dict:
    return {}


@pytest.fixture
def app_factory(test_keys, settings_overrides):
    def build(database_url: str, **more):
        options = {"relay_enabled": False, "scheduler_enabled": False, **settings_overrides, **more}
        settings = MediationSettings(database_url=database_url, environment="test", **options)
        return create_app(settings, key_source=test_keys.source)

    return build


@pytest.fixture
async def registry(client, test_keys) -> Registry:
    """The Futian centre's demo registry: one street organisation, one district organisation
    (特邀), and three mediators linked to staff accounts m1, m2, m3."""
    return await build_registry(client, test_keys)
