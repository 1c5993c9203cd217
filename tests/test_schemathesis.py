"""Property-based API tests (issue 15): schemathesis generates requests from each service's OpenAPI
document and sends them through the gateway of the real stack, with a token of a role the
operation allows (found by asking the service once per role), so generated input reaches past
401/403 into validation and the service code. A test fails on any 5xx and on any response that
contradicts the document: the schema of every response, error bodies (problem+json, declared on
every operation since decision 0011) included, and its content type.

Bounded for CI: ``SCHEMATHESIS_MAX_EXAMPLES`` cases per operation (default 3), no shrinking, and
a soft time budget per service (``SCHEMATHESIS_BUDGET_SECONDS``, default 45) after which the
remaining operations get a single case each. The counts are printed (``-s`` shows them)."""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from conftest import Gateway, running_stack
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

pytestmark = pytest.mark.crossservice

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "3"))
BUDGET_SECONDS = float(os.environ.get("SCHEMATHESIS_BUDGET_SECONDS", "45"))
# Every response is checked against the document: no 5xx, the documented content type, the schema.
ERROR_CHECKS = [not_a_server_error, content_type_conformance, response_schema_conformance]
SUCCESS_CHECKS = [not_a_server_error, response_schema_conformance]

# Who may call what is decided by the services; these are the identities the stack seeds.
STAFF = ("clerk", "supervisor", "mediator1", "admin")
CLIENTS = ("futian-court", "futian-arbitration", "svc-intake")

SERVICES = {
    "intake": "/api/intake",
    "mediation": "/api/mediation",
    "court-bridge": "/api/court",
    "arbitration-bridge": "/api/arbitration",
}


@pytest.fixture(scope="module")
def own_stack(tmp_path_factory):
    """A stack of its own: generated requests register cases, organisations and mediators that
    the other cross-service tests must not see."""
    with running_stack(tmp_path_factory) as running:
        yield running


@pytest.fixture(scope="module")
def gateway_url(own_stack) -> str:
    return own_stack.config.url("gateway")


@pytest.fixture(scope="module")
def tokens(own_stack, gateway_url) -> dict[str, str]:
    accounts = json.loads((own_stack.config.var_dir / "demo-accounts.json").read_text(encoding="utf-8"))
    gateway = Gateway(gateway_url, accounts)
    out = {name: gateway.password_token(name) for name in STAFF}
    out.update({name: gateway.client_token(name) for name in CLIENTS})
    out["party"] = _party_token(gateway)
    return out


def _party_token(gateway: Gateway) -> str:
    """A worker signed in with an SMS code (the memory provider's development outbox)."""
    phone = "13800199999"
    sent = gateway.http.post("/auth/party/codes", json={"phone": phone})
    assert sent.status_code == 202, sent.text
    code = [m for m in gateway.http.get("/dev/sms/messages").json() if m["to"] == phone][-1]["variables"]["code"]
    signed = gateway.http.post(
        "/auth/party/token", json={"phone": phone, "challenge_id": sent.json()["challenge_id"], "code": code}
    )
    assert signed.status_code == 200, signed.text
    return str(signed.json()["access_token"])


def _allowed(http: httpx.Client, base: str, operation: Any, tokens: dict[str, str]) -> list[str]:
    """The identities this operation does not refuse with 401/403 (role checks run before the
    body is validated, so a probe without a body tells)."""
    path = operation.path
    for name in operation.path_parameters or []:
        path = path.replace("{" + name.name + "}", "probe")
    allowed = []
    for who, token in tokens.items():
        response = http.request(operation.method.upper(), base + path, headers={"Authorization": f"Bearer {token}"})
        if response.status_code not in (401, 403):
            allowed.append(who)
    return allowed


def _document(url: str) -> dict[str, Any]:
    """The service's OpenAPI document; a 503 from a gateway busy starting its pools is retried."""
    for _attempt in range(20):
        response = httpx.get(url, timeout=15.0)
        if response.status_code != 503:
            break
        time.sleep(0.5)
    response.raise_for_status()
    document: dict[str, Any] = response.json()
    return document


def _exercise(
    operation: Any,
    *,
    origin: str,
    identities: list[str],
    tokens: dict[str, str],
    session: requests.Session,
    max_examples: int,
    failures: list[str],
    statuses: Counter[int],
) -> int:
    """Send generated cases of one operation, identities taking turns; return how many were sent."""
    sent = 0

    @settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: a failure is reported as found
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def run(case: Any) -> None:
        nonlocal sent
        who = identities[sent % len(identities)]
        sent += 1
        response = case.call(base_url=origin, session=session, headers={"Authorization": f"Bearer {tokens[who]}"})
        statuses[response.status_code] += 1
        try:
            case.validate_response(response, checks=SUCCESS_CHECKS if response.status_code < 400 else ERROR_CHECKS)
        except (Exception, BaseExceptionGroup) as exc:  # recorded; the test fails on the list
            failures.append(f"{operation.method.upper()} {operation.path} as {who}: {str(exc)[:600]}")

    run()
    return sent


@pytest.mark.parametrize("service", list(SERVICES))
def test_generated_requests_never_get_a_5xx_or_an_undocumented_response(gateway_url, tokens, service):
    base = gateway_url + SERVICES[service]
    schema = schemathesis.openapi.from_dict(_document(base + "/openapi.json"))
    session = requests.Session()
    failures: list[str] = []
    statuses: Counter[int] = Counter()
    operations = cases = 0
    started = time.monotonic()
    with httpx.Client(timeout=15.0) as http:
        for result in schema.get_all_operations():
            operation = result.ok()
            # The event inbox is for services' relays; its effects are covered by the flow tests.
            if operation.path.startswith("/internal/"):
                continue
            operations += 1
            origin = gateway_url if operation.path.startswith("/partner/") else base
            # Nobody allowed (a service-only route): the refusal itself must still be a clean 4xx.
            identities = _allowed(http, origin, operation, tokens) or ["clerk"]
            cases += _exercise(
                operation,
                origin=origin,
                identities=identities,
                tokens=tokens,
                session=session,
                max_examples=1 if time.monotonic() - started > BUDGET_SECONDS else MAX_EXAMPLES,
                failures=failures,
                statuses=statuses,
            )
    print(
        f"\nschemathesis {service}: {operations} operations, {cases} cases, statuses {dict(sorted(statuses.items()))}"
    )
    assert not failures, f"{len(failures)} failing cases:\n" + "\n".join(failures[:20])
