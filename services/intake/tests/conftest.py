from pathlib import Path

import pytest

from intake.config import IntakeSettings
from intake.main import create_app

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"


@pytest.fixture(scope="session")
def migrations_dir() -> Path:
    return MIGRATIONS


@pytest.fixture
def settings_overrides() -> dict:
    return {}


@pytest.fixture
def app_factory(test_keys, settings_overrides):
    def build(database_url: str):
        settings = IntakeSettings(
            database_url=database_url, environment="test", relay_enabled=False, **settings_overrides
        )
        return create_app(settings, key_source=test_keys.source)

    return build
