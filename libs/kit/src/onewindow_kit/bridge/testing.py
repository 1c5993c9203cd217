"""What the two bridges' test suites share: the other side of a bridge, faked the same way for both.

- the fakes: intake's case API (``FakeIntake``), a partner with its webhook endpoint that verifies
  every delivery (``FakePartner``), respx in front of them and of the gateway's token endpoint
  (``mocked_outside``), settings that make the bridge's loops fast (``fast_settings_values``);
- the helpers the tests call: ``register_partners``, ``wait_for``, ``published``, ``deliver``,
  ``mediated_to_agreement``, ``load_simulator``;
- factories of what both contracts share (``referral_parties``, ``envelope``, ``mediator``,
  ``agreement``) and
  the invalid edits both refuse alike (``INVALID_PARTIES_AND_CLAIMS``);
- the hostile-input tests of the partner API (``TestHostilePartnerInput``, issue 15), which a
  bridge's test module imports.

Each bridge's ``conftest.py`` builds its fixtures from these with its own names, hosts and roles
(the partners and their contracts differ). Only tests import this module.
"""

from __future__ import annotations

import asyncio
import dataclasses
import importlib.util
import itertools
import json
import sys
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import httpx
import pytest
import respx
from sqlalchemy import select
from sqlmodel import col
from standardwebhooks import Webhook

from onewindow_kit.crypto import new_key
from onewindow_kit.events import OutboxEvent
from onewindow_kit.webhooks.settings import WebhookSettings

if TYPE_CHECKING:
    from onewindow_kit.testing import TestKeys

DATA_KEY, LOOKUP_KEY = new_key(), new_key()
INTAKE = "http://intake.test"
GATEWAY = "http://gateway.test"
SERVICE_TOKEN = "svc-token"
PUBLIC_ADDRESS = "93.184.216.34"  # what the partners' test hosts resolve to: public, so the guard lets it pass


def fake_resolver(*hosts: str) -> Callable[[str, int], Awaitable[list[str]]]:
    """A resolver for the outbound guard: ``hosts`` resolve to a public address, any other fails."""

    async def resolve(host: str, port: int) -> list[str]:
        if host in hosts:
            return [PUBLIC_ADDRESS]
        raise OSError(f"{host} does not resolve")

    return resolve


def fast_settings_values(database_url: str, *, service_client_id: str) -> dict[str, Any]:
    """A bridge's settings for tests: the fakes' URLs, test keys, loops and retries in tens of ms."""
    return {
        "database_url": database_url,
        "environment": "test",
        "relay_enabled": False,
        "data_keys": {"k1": DATA_KEY},
        "lookup_key": LOOKUP_KEY,
        "gateway_url": GATEWAY,
        "service_client_id": service_client_id,
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
        assert request.headers["authorization"] == f"Bearer {SERVICE_TOKEN}"
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
        """The case as intake's ``GET /cases/{id}`` shows it (identity numbers masked)."""
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


@dataclass(eq=False)
class FakePartner:
    """A partner as the administrator registers it, and its webhook endpoint: verifies each delivery
    with ``standardwebhooks`` and records it; ``fail_left`` deliveries are answered 500 with
    ``busy_text`` first."""

    partner_id: str
    name: str
    center_id: str
    webhook_url: str
    busy_text: str
    secret: str | None = None  # the webhook secret, given at registration
    fail_left: int = 0
    delivered: list[tuple[str, dict[str, Any]]] = dataclasses.field(
        default_factory=list
    )  # (webhook-id, body) answered 2xx
    attempts: dict[str, int] = dataclasses.field(default_factory=lambda: defaultdict(int))

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert self.secret, "the partner has no secret yet"
        body = Webhook(self.secret).verify(request.content, dict(request.headers))
        msg_id = request.headers["webhook-id"]
        self.attempts[msg_id] += 1
        if self.fail_left > 0:
            self.fail_left -= 1
            return httpx.Response(500, text=self.busy_text)
        self.delivered.append((msg_id, body))
        return httpx.Response(200)

    @property
    def types(self) -> list[str]:
        return [b["type"] for _, b in self.delivered]

    def last(self, event_type: str) -> dict[str, Any]:
        """The data of the last delivered event of this type."""
        data: dict[str, Any] = [b for _, b in self.delivered if b["type"] == event_type][-1]["data"]
        return data


@contextmanager
def mocked_outside(intake: FakeIntake, *partners: FakePartner, loopback: bool = False) -> Iterator[respx.Router]:
    """respx answering what is outside the bridge: the gateway's token endpoint, intake's case API
    from ``intake``, each partner's webhooks from its fake; with ``loopback``, real HTTP to
    127.0.0.1 passes through (a bridge and a partner simulator served on loopback)."""
    with respx.mock(assert_all_called=False) as router:
        if loopback:
            router.route(host="127.0.0.1").pass_through()
        router.post(f"{GATEWAY}/auth/token").mock(
            return_value=httpx.Response(
                200, json={"access_token": SERVICE_TOKEN, "token_type": "Bearer", "expires_in": 900}
            )
        )
        router.post(f"{INTAKE}/cases").mock(side_effect=intake.register)
        router.get(url__regex=rf"^{INTAKE}/cases/(?P<case_id>[0-9a-z]+)$").mock(side_effect=intake.get_case)
        router.get(url__regex=rf"^{INTAKE}/cases/(?P<case_id>[0-9a-z]+)/pii").mock(side_effect=intake.get_pii)
        for partner in partners:
            router.post(partner.webhook_url).mock(side_effect=partner)
        yield router


def loopback_webhooks() -> WebhookSettings:
    """Webhook settings for a partner simulator on loopback: plain HTTP to 127.0.0.1, fast retries."""
    return WebhookSettings(
        retry_schedule_seconds=[0.1] * 8,
        retry_jitter=0,
        poll_seconds=0.05,
        timeout_seconds=5,
        require_https=False,
        allowed_networks=["127.0.0.1/32"],
    )


async def register_partners(
    client: httpx.AsyncClient, test_keys: TestKeys, *, role: str, partners: dict[str, FakePartner]
) -> dict[str, dict[str, str]]:
    """Register each partner through ``/admin/partners``, give its endpoint the webhook secret, and
    answer the partner's request headers (a token with ``role``) under the same key."""
    admin = test_keys.headers(roles=["admin"])
    for partner in partners.values():
        response = await client.post(
            "/admin/partners",
            json={
                "partner_id": partner.partner_id,
                "name": partner.name,
                "center_id": partner.center_id,
                "webhook_url": partner.webhook_url,
            },
            headers=admin,
        )
        assert response.status_code == 201, response.text
        partner.secret = response.json()["webhook_secret"]
    return {
        key: test_keys.headers(roles=[role], partner_id=partner.partner_id, sub=partner.partner_id)
        for key, partner in partners.items()
    }


async def wait_for(predicate: Callable[[], Any], timeout: float = 30.0, what: str = "condition") -> Any:
    """Poll ``predicate`` (plain or async) until it answers something true; that answer."""
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        result = predicate()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        await asyncio.sleep(0.02)
    raise AssertionError(f"{what} not reached in {timeout}s")


async def published(app: Any, prefix: str) -> list[OutboxEvent]:
    """The events the app has put in its outbox whose type starts with ``prefix``, in order."""
    async with app.state.db.transaction(read_only=True) as session:
        rows = (await session.execute(select(OutboxEvent).order_by(col(OutboxEvent.seq)))).scalars().all()
    return [e for e in rows if e.type.startswith(prefix)]


async def deliver(
    client: httpx.AsyncClient, test_keys: TestKeys, envelope: dict[str, Any], source: str = "svc-mediation"
) -> dict[str, Any]:
    """Post an event envelope as another service's relay does."""
    response = await client.post(
        "/internal/events", json=envelope, headers=test_keys.headers(roles=["service"], sub=source)
    )
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def load_simulator(name: str, path: Path) -> ModuleType:
    """Load a partner simulator script (``tests/simulators/<name>.py``) as module ``name``, put in
    ``sys.modules`` because pydantic resolves the module's annotations through it."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None, path
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


async def mediated_to_agreement(
    client: httpx.AsyncClient,
    test_keys: TestKeys,
    event: Callable[..., dict[str, Any]],
    referral_id: str | None,
    case_id: str,
    *,
    agreement: dict[str, Any],
) -> None:
    """Mediation's events of a proceeding that ends in ``agreement`` (12,000 yuan recovered): opened,
    assigned to ``mediator()``, agreed, delivered as its relay would; ``event`` is the bridge's factory."""
    for type_, data in (
        ("mediation.proceeding.opened", {}),
        ("mediation.proceeding.assigned", {"mediator": mediator()}),
        ("mediation.proceeding.agreed", {"recovered_amount": "12000.00", "agreement": agreement}),
    ):
        await deliver(client, test_keys, event(type_, referral_id, case_id, **data))


# Factories (plain functions; each bridge's ``factories.py`` adds its contract's fields)


def referral_parties(*, id_number: str, credit_code: str) -> dict[str, Any]:
    """The parties, claims and facts of a referral: the part both partner contracts share (the
    applicant's identity number and the employer's credit code are the caller's valid fakes)."""
    return {
        "applicants": [
            {
                "name": "李四",
                "id_number": id_number,
                "phone": "13800138000",
                "address": "深圳市福田区福田街道某小区",
            }
        ],
        "respondents": [
            {
                "name": "深圳市某某电子有限公司",
                "credit_code": credit_code,
                "address": "深圳市福田区某路1号",
                "legal_representative": "赵某",
                "phone": "0755-88888888",
            }
        ],
        "claims": [{"category": "wage_arrears", "amount": "12000.00", "description": "拖欠2026年8–9月工资"}],
        "facts": "申请人于2024年3月入职被申请人处，被申请人自2026年8月起拖欠工资。",
    }


def mediator() -> dict[str, Any]:
    """The mediator of ``mediation.proceeding.assigned``."""
    return {"id": "m-1", "name": "张敏", "organisation": "福田区劳动争议人民调解委员会"}


def envelope(
    type_: str,
    case_id: str | None,
    data: dict[str, Any],
    *,
    source: str = "mediation",
    occurred_at: datetime | None = None,
) -> dict[str, Any]:
    """An event envelope as another service's relay posts it to ``/internal/events``."""
    return {
        "id": str(uuid.uuid4()),
        "type": type_,
        "occurred_at": (occurred_at or datetime.now(UTC)).isoformat(),
        "source": source,
        "case_id": case_id,
        "schema_version": 1,
        "data": data,
    }


def agreement(
    *,
    effective_on: date,
    agreement_no: str,
    judicial_confirmation: bool = False,
    arbitration_review: bool = False,
    **over: Any,
) -> dict[str, Any]:
    """A mediation agreement as mediation's ``mediation.proceeding.agreed`` carries it (the 12,000
    yuan of wages of ``referral_parties``, paid at once), fields overridable."""
    return {
        "agreement_no": agreement_no,
        "signed_on": effective_on.isoformat(),
        "terms": "被申请人于2026年12月31日前支付工资12000元。",
        "total_amount": "12000.00",
        "payments": [
            {"due_on": "2026-12-31", "amount": "12000.00", "payer": "深圳市某某电子有限公司", "payee": "李四"}
        ],
        "parties_request_judicial_confirmation": judicial_confirmation,
        "parties_request_arbitration_review": arbitration_review,
        "effective_on": effective_on.isoformat(),
    } | over


# Invalid referrals: what both contracts refuse alike, as (edit of a valid form, field named)

DELETE = object()  # as a value of ``change``: remove the field


def change(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """An edit of a referral form: set ``path`` (``applicants[0].id_number``) to ``value``."""

    def apply(form: dict[str, Any]) -> None:
        target: Any = form
        parts = path.replace("]", "").replace("[", ".").split(".")
        for part in parts[:-1]:
            target = target[int(part)] if part.isdigit() else target[part]
        last = parts[-1]
        if value is DELETE:
            del target[last]
        else:
            target[int(last) if last.isdigit() else last] = value

    return apply


INVALID_PARTIES_AND_CLAIMS = [
    (change("applicants[0].id_number", "440304199103050011"), "applicants[0].id_number"),  # wrong check digit
    (change("applicants[0].id_number", "4403041991"), "applicants[0].id_number"),
    (change("respondents[0].credit_code", "91440300MA5FXXXXXI"), "respondents[0].credit_code"),
    (change("claims", []), "claims"),
    (change("claims[0].amount", "-1.00"), "claims[0].amount"),
    (change("claims[0].amount", 12000.5), "claims[0].amount"),  # a float, not a decimal string
    (change("claims[0].amount", "12.345"), "claims[0].amount"),
    (change("claims[0].category", "raise_demand"), "claims[0].category"),  # interest dispute: never referred
    (change("deadline", "2026-11-19"), "deadline"),  # before referred_on
    (change("facts", "事" * 20001), "facts"),
    (change("facts", ""), "facts"),
    (change("applicants", []), "applicants"),
    (change("respondents", []), "respondents"),
    (change("referred_on", "2026-13-01"), "referred_on"),
    (change("applicants[0].phone", "12345"), "applicants[0].phone"),
]


def assert_problem_naming(response: httpx.Response, field: str) -> None:
    """``response`` is a 422 problem+json whose errors name ``field``, each with a message."""
    assert response.status_code == 422, (field, response.text)
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 422 and problem["type"] and problem["title"]
    assert field in [e["field"] for e in problem["errors"]], problem
    assert all(e["message"] for e in problem["errors"])


# ---------------------------------------------------------------------------------------------
# Hostile partner input (issue 15): the same tests against either bridge's partner API.
# ---------------------------------------------------------------------------------------------

CASE_NO = "<the partner's case number field>"  # stands for PartnerApi.case_no_field in the table below


@dataclass(frozen=True)
class PartnerApi:
    """One bridge's partner API as the hostile-input tests reach it."""

    referrals: str  # the referrals collection, e.g. /partner/court/v1/referrals
    headers: dict[str, str]  # a registered partner's
    referral_form: Callable[..., dict[str, Any]]  # a valid referral body, fields overridable
    case_no_field: str  # the partner's own case number (court_case_no, pre_filing_no)


@pytest.mark.anyio
class TestHostilePartnerInput:
    """Hostile partner input (issue 15) is a 4xx problem naming the field, never a 500, and writes
    nothing. A bridge's test module imports this class (pytest collects it there) and its conftest
    provides ``partner_api``."""

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("referred_on", "2100-01-01"),
            ("referred_on", "0001-01-01"),
            ("referred_on", "9999-12-31"),
            ("deadline", "9999-12-31"),
            (CASE_NO, "A\u0000B"),
            ("facts", "事实\u0007"),
        ],
    )
    async def test_hostile_referrals_are_422_and_write_nothing(
        self, client: httpx.AsyncClient, partner_api: PartnerApi, field: str, value: str
    ) -> None:
        field = partner_api.case_no_field if field == CASE_NO else field
        body = json.dumps(partner_api.referral_form(**{field: value}), ensure_ascii=True)
        response = await client.post(
            partner_api.referrals,
            content=body,
            headers=partner_api.headers | {"Idempotency-Key": "hostile", "content-type": "application/json"},
        )
        assert_problem_naming(response, field)
        listed = await client.get(partner_api.referrals, headers=partner_api.headers)
        assert listed.status_code == 200 and listed.json()["items"] == []

    @pytest.mark.parametrize(
        ("query", "field"),
        [
            ("?updated_since=0001-01-01T00:00:00%2B14:00", "updated_since"),
            ("?updated_since=9999-12-31T23:59:59-12:00", "updated_since"),
            ("?updated_since=-2.2e-309", "updated_since"),
            ("/%00", "referral_id"),
        ],
    )
    async def test_hostile_reads_are_422_naming_the_field(
        self, client: httpx.AsyncClient, partner_api: PartnerApi, query: str, field: str
    ) -> None:
        assert_problem_naming(await client.get(partner_api.referrals + query, headers=partner_api.headers), field)

    async def test_a_body_over_the_limit_is_413(self, client: httpx.AsyncClient, partner_api: PartnerApi) -> None:
        response = await client.post(
            partner_api.referrals,
            json=partner_api.referral_form(facts="x" * (2 * 1024 * 1024)),
            headers=partner_api.headers | {"Idempotency-Key": "big"},
        )
        assert response.status_code == 413
        assert response.headers["content-type"].startswith("application/problem+json")
