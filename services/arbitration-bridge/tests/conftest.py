"""The arbitration bridge in-process on a real database; intake (another process) and the
commissions' webhook endpoints are mocked with respx; the commission endpoints' hosts resolve to a
public address through a fake resolver, so the outbound guard runs as in production."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from arbitration_bridge.config import ArbitrationBridgeSettings
from arbitration_bridge.main import create_app
from onewindow_kit.crypto import new_key
from onewindow_kit.events import OutboxEvent
from onewindow_kit.webhooks.guard import AddressGuard
from onewindow_kit.webhooks.settings import WebhookSettings
from sqlalchemy import select
from standardwebhooks import Webhook

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"
DATA_KEY, LOOKUP_KEY = new_key(), new_key()
INTAKE = "http://intake.test"
GATEWAY = "http://gateway.test"
HOOK_A = "https://futian-arb.test/onewindow/webhooks"
HOOK_B = "https://luohu-arb.test/onewindow/webhooks"


async def fake_resolver(host: str, port: int) -> list[str]:
    if host in ("futian-arb.test", "luohu-arb.test"):
        return ["93.184.216.34"]
    raise OSError(f"{host} does not resolve")


@pytest.fixture(scope="session")
def migrations_dir() -> Path:
    return MIGRATIONS


@pytest.fixture
def settings_overrides() -> dict:
    return {}


def fast_settings(database_url: str, **over: Any) -> ArbitrationBridgeSettings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "environment": "test",
        "relay_enabled": False,
        "data_keys": {"k1": DATA_KEY},
        "lookup_key": LOOKUP_KEY,
        "gateway_url": GATEWAY,
        "service_client_id": "svc-arbitration-bridge",
        "service_client_secret": "test-secret",
        "peers": {"intake": INTAKE},
        "webhooks": WebhookSettings(
            retry_schedule_seconds=[0.05] * 8, retry_jitter=0, poll_seconds=0.05, timeout_seconds=10
        ),
        "worker_poll_seconds": 0.05,
        "retry_base_seconds": 0.05,
        "retry_max_seconds": 0.2,
        "intake_timeout_seconds": 10,  # generous: a loaded CI machine is slow, nothing here waits on it
    }
    values.update(over)
    return ArbitrationBridgeSettings(**values)


@pytest.fixture
def app_factory(test_keys, settings_overrides):
    def build(database_url: str):
        return create_app(
            fast_settings(database_url, **settings_overrides),
            key_source=test_keys.source,
            webhook_guard=AddressGuard(resolver=fake_resolver),
        )

    return build


# ---------------------------------------------------------------------------------------------
# The other side: intake, the gateway's token endpoint, the commissions' webhook endpoints
# ---------------------------------------------------------------------------------------------


class FakeIntake:
    """Enough of intake's case API: registration once per Idempotency-Key, case and identities reads."""

    def __init__(self) -> None:
        self.cases: dict[str, dict[str, Any]] = {}
        self.by_key: dict[str, str] = {}
        self.registrations: list[httpx.Request] = []
        self.pii_reads: list[httpx.Request] = []
        self.case_reads = 0
        self.down = 0  # answer 503 to this many calls
        self.refuse: dict[str, Any] | None = None  # answer 422 with this problem
        self._seq = itertools.count(1)

    def _new(self, form: dict[str, Any], center_id: str) -> str:
        n = next(self._seq)
        case_id = f"{n:032x}"
        self.cases[case_id] = {
            "id": case_id,
            "case_no": f"福田一窗〔2026〕{n:05d}号",
            "form": form,
            "center_id": center_id,
        }
        return case_id

    def add_case(self, form: dict[str, Any], center_id: str = "futian") -> str:
        """A case registered at the window (no referral)."""
        return self._new(form | {"channel": "walk_in"}, center_id)

    def register(self, request: httpx.Request) -> httpx.Response:
        self.registrations.append(request)
        assert request.headers["authorization"] == "Bearer svc-token"
        if self.down > 0:
            self.down -= 1
            return httpx.Response(503, json={"title": "down"})
        if self.refuse is not None:
            return httpx.Response(422, json=self.refuse)
        key = request.headers["idempotency-key"]
        if key in self.by_key:
            return httpx.Response(201, json=self.public(self.by_key[key]), headers={"Idempotent-Replayed": "true"})
        case_id = self._new(json.loads(request.content), request.url.params["center_id"])
        self.by_key[key] = case_id
        return httpx.Response(201, json=self.public(case_id))

    def public(self, case_id: str) -> dict[str, Any]:
        case = self.cases[case_id]
        form = case["form"]
        return {
            "id": case_id,
            "case_no": case["case_no"],
            "center_id": case["center_id"],
            "status": "in_mediation",
            "channel": form.get("channel"),
            "dispute_type": form.get("dispute_type", "rights"),
            "facts": form["facts"],
            "external_ref": form.get("external_ref"),
            "claims": [
                {
                    "category": c["category"],
                    "category_label": "拖欠工资",
                    "amount": c["amount"],
                    "description": c.get("description"),
                    "period_start_on": None,
                    "period_end_on": None,
                    "final_award": True,
                }
                for c in form["claims"]
            ],
            "applicants": [
                {
                    "id": f"p{i}",
                    "role": "applicant",
                    "position": i,
                    "name": a["name"],
                    "address": a.get("address"),
                    "id_number_masked": a["id_number"][:4] + "*" * 10 + a["id_number"][-4:],
                }
                for i, a in enumerate(form["applicants"])
            ],
            "respondents": [
                {
                    "id": f"r{i}",
                    "role": "respondent",
                    "position": i,
                    "name": r["name"],
                    "address": r.get("address"),
                    "credit_code": r["credit_code"],
                    "legal_representative": r.get("legal_representative"),
                }
                for i, r in enumerate(form["respondents"])
            ],
        }

    def get_case(self, request: httpx.Request, case_id: str) -> httpx.Response:
        self.case_reads += 1
        if self.down > 0:
            self.down -= 1
            return httpx.Response(503)
        if case_id not in self.cases:
            return httpx.Response(404, json={"title": "Not found"})
        return httpx.Response(200, json=self.public(case_id))

    def get_pii(self, request: httpx.Request, case_id: str) -> httpx.Response:
        self.pii_reads.append(request)
        if self.down > 0:
            self.down -= 1
            return httpx.Response(503)
        form = self.cases[case_id]["form"]
        rows = [
            {
                "party_id": f"p{i}",
                "role": "applicant",
                "position": i,
                "name": a["name"],
                "id_number": a["id_number"],
                "phone": a.get("phone"),
            }
            for i, a in enumerate(form["applicants"])
        ]
        rows += [
            {
                "party_id": f"r{i}",
                "role": "respondent",
                "position": i,
                "name": r["name"],
                "id_number": None,
                "phone": r.get("phone"),
            }
            for i, r in enumerate(form["respondents"])
        ]
        return httpx.Response(200, json=rows)


class FakeCommission:
    """A commission's webhook endpoint: verifies each delivery with ``standardwebhooks`` and records it."""

    def __init__(self) -> None:
        self.secret: str | None = None
        self.fail_left = 0
        self.delivered: list[tuple[str, dict[str, Any]]] = []  # (webhook-id, body) answered 2xx
        self.attempts: dict[str, int] = defaultdict(int)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert self.secret, "the commission has no secret yet"
        body = Webhook(self.secret).verify(request.content, dict(request.headers))
        msg_id = request.headers["webhook-id"]
        self.attempts[msg_id] += 1
        if self.fail_left > 0:
            self.fail_left -= 1
            return httpx.Response(500, text="仲裁院系统繁忙")
        self.delivered.append((msg_id, body))
        return httpx.Response(200)

    @property
    def types(self) -> list[str]:
        return [b["type"] for _, b in self.delivered]

    def last(self, event_type: str) -> dict[str, Any]:
        return [b for _, b in self.delivered if b["type"] == event_type][-1]["data"]


@pytest.fixture
def intake() -> FakeIntake:
    return FakeIntake()


@pytest.fixture
def arb_a() -> FakeCommission:
    return FakeCommission()


@pytest.fixture
def arb_b() -> FakeCommission:
    return FakeCommission()


@pytest.fixture
def mock(intake, arb_a, arb_b):
    with respx.mock(assert_all_called=False) as router:
        router.post(f"{GATEWAY}/auth/token").mock(
            return_value=httpx.Response(
                200, json={"access_token": "svc-token", "token_type": "Bearer", "expires_in": 900}
            )
        )
        router.post(f"{INTAKE}/cases").mock(side_effect=intake.register)
        router.get(url__regex=rf"^{INTAKE}/cases/(?P<case_id>[0-9a-z]+)$").mock(side_effect=intake.get_case)
        router.get(url__regex=rf"^{INTAKE}/cases/(?P<case_id>[0-9a-z]+)/pii").mock(side_effect=intake.get_pii)
        router.post(HOOK_A).mock(side_effect=arb_a)
        router.post(HOOK_B).mock(side_effect=arb_b)
        yield router


@pytest.fixture
async def commissions(client, test_keys, mock, arb_a, arb_b):
    """Two registered commissions (福田 → centre futian, 罗湖 → centre luohu) with their webhook secrets."""
    admin = test_keys.headers(roles=["admin"])
    for arb, pid, name, center, url in (
        (arb_a, "futian-arbitration", "深圳市福田区劳动人事争议仲裁院", "futian", HOOK_A),
        (arb_b, "luohu-arbitration", "深圳市罗湖区劳动人事争议仲裁院", "luohu", HOOK_B),
    ):
        response = await client.post(
            "/admin/partners",
            json={"partner_id": pid, "name": name, "center_id": center, "webhook_url": url},
            headers=admin,
        )
        assert response.status_code == 201, response.text
        arb.secret = response.json()["webhook_secret"]
    return {
        "a": test_keys.headers(
            roles=["arbitration_partner"], partner_id="futian-arbitration", sub="futian-arbitration"
        ),
        "b": test_keys.headers(roles=["arbitration_partner"], partner_id="luohu-arbitration", sub="luohu-arbitration"),
    }


async def wait_for(predicate, timeout: float = 30.0, what: str = "condition"):
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        result = predicate()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        await asyncio.sleep(0.02)
    raise AssertionError(f"{what} not reached in {timeout}s")


async def published(app, prefix: str = "arbitration.") -> list[OutboxEvent]:
    async with app.state.db.transaction(read_only=True) as session:
        rows = (await session.execute(select(OutboxEvent).order_by(OutboxEvent.seq))).scalars().all()
    return [e for e in rows if e.type.startswith(prefix)]


async def deliver(client, test_keys, envelope, source: str = "svc-mediation") -> dict:
    """Post an event envelope as another service's relay does."""
    response = await client.post(
        "/internal/events", json=envelope, headers=test_keys.headers(roles=["service"], sub=source)
    )
    assert response.status_code == 200, response.text
    return response.json()
