"""The court bridge in-process on a real database; intake (another process) and the court's webhook
endpoint are mocked with respx; the court endpoint's host resolves to a public address through a
fake resolver, so the outbound guard runs as in production."""

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
from court_bridge.config import CourtBridgeSettings
from court_bridge.main import create_app
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
HOOK_A = "https://court-a.test/onewindow/webhooks"
HOOK_B = "https://court-b.test/onewindow/webhooks"


async def fake_resolver(host: str, port: int) -> list[str]:
    if host in ("court-a.test", "court-b.test"):
        return ["93.184.216.34"]
    raise OSError(f"{host} does not resolve")


@pytest.fixture(scope="session")
def migrations_dir() -> Path:
    return MIGRATIONS


@pytest.fixture
def settings_overrides() -> dict:
    return {}


def fast_settings(database_url: str, **over: Any) -> CourtBridgeSettings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "environment": "test",
        "relay_enabled": False,
        "data_keys": {"k1": DATA_KEY},
        "lookup_key": LOOKUP_KEY,
        "gateway_url": GATEWAY,
        "service_client_id": "svc-court-bridge",
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
    return CourtBridgeSettings(**values)


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
# The other side: intake, the gateway's token endpoint, the courts' webhook endpoints
# ---------------------------------------------------------------------------------------------


class FakeIntake:
    """Enough of intake's case API: registration once per Idempotency-Key, case and identities reads."""

    def __init__(self) -> None:
        self.cases: dict[str, dict[str, Any]] = {}
        self.by_key: dict[str, str] = {}
        self.registrations: list[httpx.Request] = []
        self.pii_reads: list[httpx.Request] = []
        self.down = 0  # answer 503 to this many calls
        self.refuse: dict[str, Any] | None = None  # answer 422 with this problem
        self._seq = itertools.count(1)

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
            return httpx.Response(201, json=self.cases[self.by_key[key]], headers={"Idempotent-Replayed": "true"})
        n = next(self._seq)
        body = json.loads(request.content)
        case_id = f"{n:032x}"
        self.cases[case_id] = {
            "id": case_id,
            "case_no": f"福田一窗〔2026〕{n:05d}号",
            "form": body,
            "center_id": request.url.params["center_id"],
        }
        self.by_key[key] = case_id
        return httpx.Response(201, json=self.cases[case_id])

    def get_case(self, request: httpx.Request, case_id: str) -> httpx.Response:
        if self.down > 0:
            self.down -= 1
            return httpx.Response(503)
        form = self.cases[case_id]["form"]
        return httpx.Response(
            200,
            json={
                "id": case_id,
                "case_no": self.cases[case_id]["case_no"],
                "center_id": self.cases[case_id]["center_id"],
                "status": "mediating",
                "applicants": [
                    {
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
                        "role": "respondent",
                        "position": i,
                        "name": r["name"],
                        "address": r.get("address"),
                        "credit_code": r["credit_code"],
                        "legal_representative": r.get("legal_representative"),
                    }
                    for i, r in enumerate(form["respondents"])
                ],
                "claims": form.get("claims", []),
            },
        )

    def get_pii(self, request: httpx.Request, case_id: str) -> httpx.Response:
        self.pii_reads.append(request)
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


class FakeCourt:
    """A court's webhook endpoint: verifies each delivery with ``standardwebhooks`` and records it."""

    def __init__(self) -> None:
        self.secret: str | None = None
        self.fail_left = 0
        self.delivered: list[tuple[str, dict[str, Any]]] = []  # (webhook-id, body) answered 2xx
        self.attempts: dict[str, int] = defaultdict(int)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert self.secret, "the court has no secret yet"
        body = Webhook(self.secret).verify(request.content, dict(request.headers))
        msg_id = request.headers["webhook-id"]
        self.attempts[msg_id] += 1
        if self.fail_left > 0:
            self.fail_left -= 1
            return httpx.Response(500, text="court system busy")
        self.delivered.append((msg_id, body))
        return httpx.Response(200)

    @property
    def types(self) -> list[str]:
        return [b["type"] for _, b in self.delivered]


@pytest.fixture
def intake() -> FakeIntake:
    return FakeIntake()


@pytest.fixture
def court_a() -> FakeCourt:
    return FakeCourt()


@pytest.fixture
def court_b() -> FakeCourt:
    return FakeCourt()


@pytest.fixture
def mock(intake, court_a, court_b):
    with respx.mock(assert_all_called=False) as router:
        router.post(f"{GATEWAY}/auth/token").mock(
            return_value=httpx.Response(
                200, json={"access_token": "svc-token", "token_type": "Bearer", "expires_in": 900}
            )
        )
        router.post(f"{INTAKE}/cases").mock(side_effect=intake.register)
        router.get(url__regex=rf"^{INTAKE}/cases/(?P<case_id>[0-9a-f]+)$").mock(side_effect=intake.get_case)
        router.get(url__regex=rf"^{INTAKE}/cases/(?P<case_id>[0-9a-f]+)/pii").mock(side_effect=intake.get_pii)
        router.post(HOOK_A).mock(side_effect=court_a)
        router.post(HOOK_B).mock(side_effect=court_b)
        yield router


@pytest.fixture
async def courts(client, test_keys, mock, court_a, court_b):
    """Two registered courts (福田 → centre futian, 罗湖 → centre luohu) with their webhook secrets."""
    admin = test_keys.headers(roles=["admin"])
    for court, pid, name, center, url in (
        (court_a, "futian-court", "深圳市福田区人民法院", "futian", HOOK_A),
        (court_b, "luohu-court", "深圳市罗湖区人民法院", "luohu", HOOK_B),
    ):
        response = await client.post(
            "/admin/partners",
            json={"partner_id": pid, "name": name, "center_id": center, "webhook_url": url},
            headers=admin,
        )
        assert response.status_code == 201, response.text
        court.secret = response.json()["webhook_secret"]
    return {
        "a": test_keys.headers(roles=["court_partner"], partner_id="futian-court", sub="futian-court"),
        "b": test_keys.headers(roles=["court_partner"], partner_id="luohu-court", sub="luohu-court"),
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


async def published(app, prefix: str = "court.") -> list[OutboxEvent]:
    async with app.state.db.transaction(read_only=True) as session:
        rows = (await session.execute(select(OutboxEvent).order_by(OutboxEvent.seq))).scalars().all()
    return [e for e in rows if e.type.startswith(prefix)]
