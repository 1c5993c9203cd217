"""The court bridge in-process on a real database; intake (another process) and the court's webhook
endpoint are mocked with respx; the court endpoint's host resolves to a public address through a
fake resolver, so the outbound guard runs as in production. The fakes are the kit's
(``onewindow_kit.bridge.testing``, shared with the arbitration bridge's tests)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from court_bridge.config import CourtBridgeSettings
from court_bridge.main import create_app
from factories import referral_form
from onewindow_kit.bridge import testing as bridge_testing
from onewindow_kit.bridge.testing import FakeIntake, FakePartner, PartnerApi
from onewindow_kit.events import OutboxEvent
from onewindow_kit.webhooks.guard import AddressGuard

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"
BUSY = "court system busy"  # the answer of a failing webhook endpoint
fake_resolver = bridge_testing.fake_resolver("court-a.test", "court-b.test")


@pytest.fixture(scope="session")
def migrations_dir() -> Path:
    return MIGRATIONS


@pytest.fixture
def settings_overrides() -> dict:
    return {}


def fast_settings(database_url: str, **over: Any) -> CourtBridgeSettings:
    values = bridge_testing.fast_settings_values(database_url, service_client_id="svc-court-bridge")
    return CourtBridgeSettings(**(values | over))


@pytest.fixture
def app_factory(test_keys, settings_overrides):
    def build(database_url: str):
        return create_app(
            fast_settings(database_url, **settings_overrides),
            key_source=test_keys.source,
            webhook_guard=AddressGuard(resolver=fake_resolver),
        )

    return build


# The other side: intake, the gateway's token endpoint, the courts' webhook endpoints


@pytest.fixture
def intake() -> FakeIntake:
    return FakeIntake()


@pytest.fixture
def court_a() -> FakePartner:
    return FakePartner(
        "futian-court", "深圳市福田区人民法院", "futian", "https://court-a.test/onewindow/webhooks", busy_text=BUSY
    )


@pytest.fixture
def court_b() -> FakePartner:
    return FakePartner(
        "luohu-court", "深圳市罗湖区人民法院", "luohu", "https://court-b.test/onewindow/webhooks", busy_text=BUSY
    )


@pytest.fixture
def mock(intake, court_a, court_b):
    with bridge_testing.mocked_outside(intake, court_a, court_b) as router:
        yield router


@pytest.fixture
async def courts(client, test_keys, mock, court_a, court_b):
    """Two registered courts (福田 → centre futian, 罗湖 → centre luohu) with their webhook secrets."""
    return await bridge_testing.register_partners(
        client, test_keys, role="court_partner", partners={"a": court_a, "b": court_b}
    )


@pytest.fixture
def partner_api(courts) -> PartnerApi:
    """The partner API as the kit's hostile-input tests reach it (test_hardening)."""
    return PartnerApi("/partner/court/v1/referrals", courts["a"], referral_form, case_no_field="court_case_no")


async def published(app, prefix: str = "court.") -> list[OutboxEvent]:
    return await bridge_testing.published(app, prefix)
