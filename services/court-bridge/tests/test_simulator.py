"""Real HTTP on loopback: the bridge (uvicorn) delivers its webhooks through the guarded transport to
the court simulator (tests/simulators/court.py, uvicorn), which verifies them with ``standardwebhooks``,
fails the first deliveries on request, and answers the 司法确认 request with a ruling. Intake is
still mocked (respx), loopback passes through."""

from pathlib import Path

import httpx
import pytest
from conftest import fast_settings
from court_bridge.main import create_app
from factories import agreement, event
from onewindow_domain.calendar import china_today
from onewindow_kit.bridge.testing import load_simulator, loopback_webhooks, mocked_outside, wait_for
from onewindow_kit.events import OutboxEvent
from sqlalchemy import select

pytestmark = pytest.mark.anyio

simulator = load_simulator("court_simulator", Path(__file__).resolve().parents[3] / "tests" / "simulators" / "court.py")


@pytest.fixture
def loopback_mock(intake):
    with mocked_outside(intake, loopback=True) as router:
        yield router


async def test_the_simulated_court_gets_verified_webhooks_over_real_http(
    database_url, test_keys, intake, loopback_mock
):
    bridge_app = create_app(fast_settings(database_url, webhooks=loopback_webhooks()), key_source=test_keys.source)
    court_token = test_keys.token(
        roles=["court_partner"], partner_id="futian-court", sub="futian-court", expires_in=3600
    )
    async with simulator.serving(bridge_app) as bridge:
        sim_app = simulator.create_app(
            simulator.CourtSimSettings(gateway_url=bridge, access_token=court_token, fail_first=3)
        )
        async with simulator.serving(sim_app) as court, httpx.AsyncClient(timeout=20) as http:
            admin = test_keys.headers(roles=["admin"])
            # An internal URL that configuration does not allow is refused at registration.
            refused = await http.post(
                f"{bridge}/admin/partners",
                headers=admin,
                json={
                    "partner_id": "futian-court",
                    "name": "深圳市福田区人民法院",
                    "webhook_url": "http://10.0.0.8/hooks",
                },
            )
            assert refused.status_code == 422
            created = await http.post(
                f"{bridge}/admin/partners",
                headers=admin,
                json={
                    "partner_id": "futian-court",
                    "name": "深圳市福田区人民法院",
                    "center_id": "futian",
                    "webhook_url": f"{court}/webhooks",
                },
            )
            assert created.status_code == 201, created.text
            await http.post(f"{court}/control", json={"webhook_secrets": [created.json()["webhook_secret"]]})

            sent = (await http.post(f"{court}/referrals", json={})).json()
            assert sent["status_code"] == 201, sent
            referral_id = sent["body"]["referral_id"]
            case_id = intake.by_key[f"court-referral:{referral_id}"]
            service = test_keys.headers(roles=["service"], sub="svc-mediation")
            for envelope in (
                event(
                    "mediation.proceeding.assigned",
                    referral_id,
                    case_id,
                    mediator={"id": "m1", "name": "张敏", "organisation": "福田区劳动争议人民调解委员会"},
                ),
                event(
                    "mediation.proceeding.agreed", referral_id, case_id, agreement=agreement(effective_on=china_today())
                ),
            ):
                assert (await http.post(f"{bridge}/internal/events", json=envelope, headers=service)).status_code == 200

            async def received():
                return (await http.get(f"{court}/received")).json()

            expected = ["referral.accepted", "referral.mediator_assigned", "referral.agreed", "confirmation.requested"]
            await wait_for(lambda: _types(received), timeout=45, what="four verified webhooks")
            seen = await received()
            assert seen["types"] == expected
            assert seen["duplicates"] == 0 and seen["rejected"] == 0 and seen["failed_on_purpose"] == 3
            assert len({e["webhook_id"] for e in seen["events"]}) == 4

            # The simulator ruled on the confirmation request; the ruling is recorded and announced.
            async def ruled():
                rulings = (await http.get(f"{court}/rulings")).json()
                return rulings if rulings and rulings[0]["status_code"] == 200 else None

            [ruling] = await wait_for(ruled, timeout=30, what="the ruling")
            assert ruling["answer"]["status"] == "ruled" and ruling["answer"]["ruling"] == "valid"
            async with bridge_app.state.db.transaction(read_only=True) as session:
                types = (await session.execute(select(OutboxEvent.type).order_by(OutboxEvent.seq))).scalars().all()
            assert types[-1] == "court.confirmation.ruled"
            read = (await http.get(f"{court}/referrals/{referral_id}")).json()
            assert read["body"]["status"] == "agreed"

            # A rotated secret: the court still verifies with the old one during the overlap.
            rotated = await http.post(
                f"{bridge}/admin/partners/futian-court/rotate-secret", json={"overlap_hours": 1}, headers=admin
            )
            assert rotated.status_code == 200
            withdraw_target = (await http.post(f"{court}/referrals", json={})).json()["body"]["referral_id"]
            await wait_for(lambda: _count(received, 5), timeout=30, what="a webhook signed with both secrets")
            last = (await received())["events"][-1]
            assert last["type"] == "referral.accepted" and last["signatures"] == 2
            assert last["data"]["referral_id"] == withdraw_target


async def _types(received):
    return len((await received())["types"]) >= 4


async def _count(received, n):
    return len((await received())["types"]) >= n
