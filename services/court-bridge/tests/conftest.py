from pathlib import Path

import pytest

from court_bridge.config import CourtBridgeSettings
from court_bridge.main import create_app

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"


@pytest.fixture(scope="session")
def migrations_dir() -> Path:
    return MIGRATIONS


@pytest.fixture
def app_factory(test_keys):
    def build(database_url: str):
        return create_app(CourtBridgeSettings(database_url=database_url, environment="test", relay_enabled=False),
                          key_source=test_keys.source)

    return build
