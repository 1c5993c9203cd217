"""The arbitration bridge in-process on a real database; intake (another process) and the
commissions' webhook endpoints are mocked with respx; the commission endpoints' hosts resolve to a
public address through a fake resolver, so the outbound guard runs as in production. The fakes are
the kit's (``onewindow_kit.bridge.testing``, shared with the court bridge's tests)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from arbitration_bridge.config import ArbitrationBridgeSettings
from arbitration_bridge.main import create_app
from factories import agreement, event, referral_form, routed, window_case
from onewindow_domain.calendar import china_today
from onewindow_kit.bridge import testing as bridge_testing
from onewindow_kit.bridge.testing import FakeIntake, FakePartner, PartnerApi, deliver, mediated_to_agreement
from onewindow_kit.events import OutboxEvent
from onewindow_kit.webhooks.guard import AddressGuard

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"
BUSY = "仲裁院系统繁忙"  # the answer of a failing webhook endpoint
fake_resolver = bridge_testing.fake_resolver("futian-arb.test", "luohu-arb.test")


@pytest.fixture(scope="session")
def migrations_dir() -> Path:
    return MIGRATIONS


@pytest.fixture
def settings_overrides() -> dict:
    return {}


def fast_settings(database_url: str, **over: Any) -> ArbitrationBridgeSettings:
    values = bridge_testing.fast_settings_values(database_url, service_client_id="svc-arbitration-bridge")
    return ArbitrationBridgeSettings(**(values | over))


@pytest.fixture
def app_factory(test_keys, settings_overrides):
    def build(database_url: str):
        return create_app(
            fast_settings(database_url, **settings_overrides),
            key_source=test_keys.source,
            webhook_guard=AddressGuard(resolver=fake_resolver),
        )

    return build


# The other side: intake, the gateway's token endpoint, the commissions' webhook endpoints


@pytest.fixture
def intake() -> FakeIntake:
    return FakeIntake()


@pytest.fixture
def arb_a() -> FakePartner:
    return FakePartner(
        "futian-arbitration",
        "深圳市福田区劳动人事争议仲裁院",
        "futian",
        "https://futian-arb.test/onewindow/webhooks",
        busy_text=BUSY,
    )


@pytest.fixture
def arb_b() -> FakePartner:
    return FakePartner(
        "luohu-arbitration",
        "深圳市罗湖区劳动人事争议仲裁院",
        "luohu",
        "https://luohu-arb.test/onewindow/webhooks",
        busy_text=BUSY,
    )


@pytest.fixture
def mock(intake, arb_a, arb_b):
    with bridge_testing.mocked_outside(intake, arb_a, arb_b) as router:
        yield router


@pytest.fixture
async def commissions(client, test_keys, mock, arb_a, arb_b):
    """Two registered commissions (福田 → centre futian, 罗湖 → centre luohu) with their webhook secrets."""
    return await bridge_testing.register_partners(
        client, test_keys, role="arbitration_partner", partners={"a": arb_a, "b": arb_b}
    )


@pytest.fixture
def partner_api(commissions) -> PartnerApi:
    """The partner API as the kit's hostile-input tests reach it (test_hardening)."""
    return PartnerApi(
        "/partner/arbitration/v1/referrals", commissions["a"], referral_form, case_no_field="pre_filing_no"
    )


async def published(app, prefix: str = "arbitration.") -> list[OutboxEvent]:
    return await bridge_testing.published(app, prefix)


# Helpers the tests of transfers, reviews and direct arbitration share


def clerk(test_keys, center: str = "futian") -> dict[str, str]:
    """A clerk of ``center`` (王芳)."""
    return test_keys.headers(roles=["clerk"], center_id=center, name="王芳")


async def window_agreement(client, test_keys, intake, *, effective_on=None, review: bool = False, form=None) -> str:
    """A case registered at the window, routed to mediation and mediated to an agreement (asking
    for 仲裁审查确认 when ``review``) that takes effect on ``effective_on`` (today); its case id."""
    case_id = intake.add_case(form or window_case())
    await deliver(client, test_keys, routed(case_id), source="svc-intake")
    body = agreement(effective_on=effective_on or china_today(), review=review)
    await mediated_to_agreement(client, test_keys, event, None, case_id, agreement=body)
    return case_id
