"""Real HTTP on loopback: the bridge (uvicorn) delivers its webhooks through the guarded transport to
the commission simulator (tests/simulators/arbitration.py, uvicorn), which verifies them with
``standardwebhooks``, fails the first deliveries on request, and answers the transfer and the review
with decisions. Intake is still mocked (respx); loopback passes through."""

from pathlib import Path

import httpx
import pytest
from arbitration_bridge.main import create_app
from conftest import fast_settings
from factories import agreement, event, mediator, routed, window_case
from onewindow_domain.calendar import china_today
from onewindow_kit.bridge.testing import load_simulator, loopback_webhooks, mocked_outside, wait_for
from onewindow_kit.events import OutboxEvent
from sqlalchemy import select

pytestmark = pytest.mark.anyio

simulator = load_simulator(
    "arbitration_simulator", Path(__file__).resolve().parents[3] / "tests" / "simulators" / "arbitration.py"
)


@pytest.fixture
def loopback_mock(intake):
    with mocked_outside(intake, loopback=True) as router:
        yield router


async def test_the_simulated_commission_over_real_http(database_url, test_keys, intake, loopback_mock):
    bridge_app = create_app(fast_settings(database_url, webhooks=loopback_webhooks()), key_source=test_keys.source)
    token = test_keys.token(
        roles=["arbitration_partner"], partner_id="futian-arbitration", sub="futian-arbitration", expires_in=3600
    )
    async with simulator.serving(bridge_app) as bridge:
        sim_app = simulator.create_app(
            simulator.ArbitrationSimSettings(
                gateway_url=bridge, access_token=token, fail_first=3, answer_delay_seconds=0.05
            )
        )
        async with simulator.serving(sim_app) as commission, httpx.AsyncClient(timeout=20) as http:
            admin = test_keys.headers(roles=["admin"])
            refused = await http.post(
                f"{bridge}/admin/partners",
                headers=admin,
                json={
                    "partner_id": "futian-arbitration",
                    "name": "深圳市福田区劳动人事争议仲裁院",
                    "webhook_url": "http://169.254.169.254/latest",
                },
            )
            assert refused.status_code == 422  # link-local (cloud metadata): never a webhook target
            created = await http.post(
                f"{bridge}/admin/partners",
                headers=admin,
                json={
                    "partner_id": "futian-arbitration",
                    "name": "深圳市福田区劳动人事争议仲裁院",
                    "center_id": "futian",
                    "webhook_url": f"{commission}/webhooks",
                },
            )
            assert created.status_code == 201, created.text
            await http.post(f"{commission}/control", json={"webhook_secrets": [created.json()["webhook_secret"]]})
            service = test_keys.headers(roles=["service"], sub="svc-mediation")

            async def post_event(envelope):
                assert (await http.post(f"{bridge}/internal/events", json=envelope, headers=service)).status_code == 200

            async def received():
                return (await http.get(f"{commission}/received")).json()

            # 1. A referral that fails: the commission gets the result with the service addresses.
            sent = (await http.post(f"{commission}/referrals", json={})).json()
            assert sent["status_code"] == 201, sent
            referral_id = sent["body"]["referral_id"]
            referred_case = intake.by_key[f"arbitration-referral:{referral_id}"]
            await post_event(event("mediation.proceeding.assigned", referral_id, referred_case, mediator=mediator()))
            await post_event(
                event(
                    "mediation.proceeding.terminated",
                    referral_id,
                    referred_case,
                    reason="调解不成",
                    undisputed_facts="双方确认劳动关系",
                    dispute_focus="欠薪数额",
                )
            )

            # 2. A window mediation that fails, transferred: the simulator accepts.
            window = intake.add_case(window_case())
            await post_event(routed(window))
            await post_event(event("mediation.proceeding.opened", None, window, proceeding_id="proc-w"))
            await post_event(
                event(
                    "mediation.proceeding.terminated",
                    None,
                    window,
                    proceeding_id="proc-w",
                    reason="调解不成",
                    undisputed_facts="双方确认月工资8000元",
                )
            )
            clerk = test_keys.headers(roles=["clerk"], center_id="futian")
            moved = await http.post(
                f"{bridge}/transfers", json={"case_id": window, "reason": "申请人选择仲裁"}, headers=clerk
            )
            assert moved.status_code == 201, moved.text
            transfer_id = moved.json()["transfer_id"]

            # 3. A window agreement asking for review: the simulator confirms.
            agreed = intake.add_case(window_case())
            await post_event(routed(agreed))
            await post_event(
                event(
                    "mediation.proceeding.agreed",
                    None,
                    agreed,
                    proceeding_id="proc-a",
                    agreement=agreement(effective_on=china_today(), review=True),
                )
            )

            expected = {
                "referral.accepted",
                "referral.mediator_assigned",
                "referral.failed",
                "transfer.requested",
                "review.requested",
            }

            async def all_there():
                return set((await received())["types"]) == expected

            await wait_for(all_there, timeout=20, what="five verified webhooks")
            seen = await received()
            assert seen["duplicates"] == 0 and seen["rejected"] == 0 and seen["failed_on_purpose"] == 3
            assert len({e["webhook_id"] for e in seen["events"]}) == 5
            referral_types = [e["type"] for e in seen["events"] if e["data"].get("referral_id") == referral_id]
            assert referral_types == ["referral.accepted", "referral.mediator_assigned", "referral.failed"]
            failed = next(e for e in seen["events"] if e["type"] == "referral.failed")["data"]
            assert failed["applicants"][0]["address"] and failed["undisputed_facts"] == "双方确认劳动关系"

            async def decided():
                answers = (await http.get(f"{commission}/decisions")).json()
                return answers if len(answers) == 2 and all(a["status_code"] == 200 for a in answers) else None

            answers = await wait_for(decided, timeout=10, what="the commission's two decisions")
            by_kind = {a["kind"]: a for a in answers}
            case_no = by_kind["transfer"]["answer"]["arbitration_case_no"]
            assert by_kind["transfer"]["answer"]["status"] == "accepted" and case_no.startswith("深劳人仲案")
            assert by_kind["review"]["answer"]["decision"] == "confirmed"
            async with bridge_app.state.db.transaction(read_only=True) as session:
                rows = (await session.execute(select(OutboxEvent).order_by(OutboxEvent.seq))).scalars().all()
            accepted = next(e for e in rows if e.type == "arbitration.transfer.accepted")
            assert accepted.case_id == window and case_no in accepted.data["summary_zh"]
            assert any(e.type == "arbitration.review.decided" and e.case_id == agreed for e in rows)
            view = (await http.get(f"{bridge}/transfers/{transfer_id}", headers=clerk)).json()
            assert view["state"] == "accepted" and view["arbitration_case_no"] == case_no
            read = (await http.get(f"{commission}/referrals/{referral_id}")).json()
            assert read["body"]["status"] == "failed"
