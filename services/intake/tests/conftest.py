from pathlib import Path

import pytest
from intake.config import IntakeSettings
from intake.main import create_app
from onewindow_kit.crypto import new_key

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"
DATA_KEY, LOOKUP_KEY = new_key(), new_key()


@pytest.fixture(scope="session")
def migrations_dir() -> Path:
    return MIGRATIONS


@pytest.fixture
def settings_overrides() -> dict:
    return {}


@pytest.fixture
def app_factory(test_keys, settings_overrides, tmp_path):
    def build(database_url: str):
        settings = IntakeSettings(
            database_url=database_url,
            environment="test",
            relay_enabled=False,
            data_keys={"k1": DATA_KEY},
            lookup_key=LOOKUP_KEY,
            **({"storage_dir": str(tmp_path / "files"), "sms_worker_enabled": False} | settings_overrides),
        )
        return create_app(settings, key_source=test_keys.source)

    return build


@pytest.fixture
async def futian(client, test_keys):
    """The centre most tests register at (and a second one, for isolation tests)."""
    admin = test_keys.headers(roles=["admin"])
    for center in (
        {"id": "futian", "name": "福田区劳动纠纷一站式治理中心", "short_name": "福田", "district": "深圳市福田区"},
        {"id": "luohu", "name": "罗湖区劳动纠纷一站式治理中心", "short_name": "罗湖", "district": "深圳市罗湖区"},
    ):
        response = await client.post("/centers", json=center, headers=admin)
        assert response.status_code == 201, response.text
    return "futian"
