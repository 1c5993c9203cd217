"""Cross-service harness: the real processes (uvicorn), started by the same supervisor as
``make run``, on free loopback ports, against PostgreSQL when ``TEST_DATABASE_URL`` is set (one
throw-away database per service, like compose) and on SQLite files otherwise.

With ``ONEWINDOW_COMPOSE_STACK`` set (``make compose-test``), the same journeys run against the
compose stack's containers instead (tests/compose_stack.py)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from onewindow_kit.testing import create_pg_database, drop_pg_database, postgres_url, require_postgres, unique_db_name

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "deploy"))

import stack as stack_module  # noqa: E402  (deploy/stack.py: the supervisor of `make run`)

FAST_RELAY = {"RELAY_POLL_SECONDS": "0.2", "RELAY_BACKOFF_BASE_SECONDS": "0.2", "RELAY_BACKOFF_MAX_SECONDS": "1.0"}
# Compressed clocks for the tests: the scheduler ticks every second, webhooks retry within seconds.
EXTRA = {
    "mediation": {"SCHEDULER_INTERVAL_SECONDS": "1"},
    "court-bridge": {"WEBHOOKS__RETRY_SCHEDULE_SECONDS": "[0.5, 1, 1, 2, 2, 3]", "WORKER_POLL_SECONDS": "0.5"},
    "arbitration-bridge": {"WEBHOOKS__RETRY_SCHEDULE_SECONDS": "[0.5, 1, 1, 2, 2, 3]", "WORKER_POLL_SECONDS": "0.5"},
}

# The parties' sign-in (issue 19): journeys ask for several codes in a row from one address.
GATEWAY_EXTRA = {
    "PARTY_CODE_RESEND_SECONDS": "0",
    "PARTY_CODE_REQUESTS_BURST": "500",
    "SMS__PER_NUMBER_PER_MINUTE": "50",
    "SMS__PER_NUMBER_PER_HOUR": "500",
}


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[stack_module.Stack]:
    compose = os.environ.get("ONEWINDOW_COMPOSE_STACK")
    if compose:
        from compose_stack import ComposeStack

        yield ComposeStack(json.loads(compose))  # type: ignore[misc]  # the same surface as Stack
        return
    with running_stack(tmp_path_factory) as running:
        yield running


@contextmanager
def running_stack(
    tmp_path_factory: pytest.TempPathFactory,
    extra: dict[str, dict[str, str]] | None = None,
    gateway_extra: dict[str, str] | None = None,
) -> Iterator[stack_module.Stack]:
    """A whole stack of its own (the session's ``stack``, or one for a module whose requests
    would disturb the others, like the schemathesis suite); ``extra`` adds settings per service
    (without their prefix), e.g. ``{"intake": {"SMS__PROVIDER": "aliyun"}}``, ``gateway_extra``
    the gateway's."""
    table = stack_module.load_table()
    var_dir = tmp_path_factory.mktemp("stack")
    admin_url = postgres_url()
    if admin_url is None and require_postgres():
        pytest.fail("REQUIRE_POSTGRES=1 but TEST_DATABASE_URL does not name a PostgreSQL database")
    created: list[str] = []
    urls: dict[str, str] = {}
    for spec in table:
        if admin_url:
            name = unique_db_name(spec.name)
            urls[spec.name] = asyncio.run(create_pg_database(admin_url, name))
            created.append(name)
        else:
            urls[spec.name] = f"sqlite+aiosqlite:///{var_dir / 'db' / (spec.database + '.sqlite3')}"
    config = stack_module.StackConfig(
        var_dir=var_dir,
        ports={spec.name: stack_module.free_port() for spec in table},
        database_urls=urls,
        environment="test",
        extra_env={
            s.name: {
                s.env_prefix + k: v
                for k, v in (FAST_RELAY | EXTRA.get(s.name, {}) | (extra or {}).get(s.name, {})).items()
            }
            for s in table
            if not s.is_gateway
        }
        | {
            s.name: {s.env_prefix + k: v for k, v in (GATEWAY_EXTRA | (gateway_extra or {})).items()}
            for s in table
            if s.is_gateway
        },
    )
    running = stack_module.Stack(config, table)
    try:
        running.prepare()
        running.start_all()
        yield running
    except BaseException:
        _dump_logs(running)
        raise
    finally:
        running.stop_all()
        for name in created:
            asyncio.run(drop_pg_database(admin_url or "", name))


def _dump_logs(running: stack_module.Stack) -> None:
    if not isinstance(running, stack_module.Stack):
        return  # compose: the runner collects every container's log
    for log in sorted(running.log_dir.glob("*.log")):
        print(f"\n----- {log.name} (last 40 lines)\n" + "\n".join(log.read_text(errors="replace").splitlines()[-40:]))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if report.failed and "stack" in getattr(item, "funcargs", {}):
        _dump_logs(item.funcargs["stack"])


@pytest.fixture(scope="session")
def gateway_url(stack: stack_module.Stack) -> str:
    return stack.config.url("gateway")


@pytest.fixture(scope="session")
def accounts(stack: stack_module.Stack) -> dict[str, Any]:
    return json.loads((stack.config.var_dir / "demo-accounts.json").read_text(encoding="utf-8"))


class Gateway:
    """A client of the gateway that logs in like a person or a partner system would."""

    def __init__(self, url: str, accounts: dict[str, Any]) -> None:
        self.url = url
        self.accounts = accounts
        self.http = httpx.Client(base_url=url, timeout=15.0)

    def password_token(self, username: str) -> str:
        user = next(u for u in self.accounts["users"] if u["username"] == username)
        response = self.http.post(
            "/auth/token", data={"grant_type": "password", "username": username, "password": user["password"]}
        )
        assert response.status_code == 200, response.text
        return response.json()["access_token"]

    def client_token(self, client_id: str) -> str:
        client = next(c for c in self.accounts["clients"] if c["client_id"] == client_id)
        response = self.http.post(
            "/auth/token",
            data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": client["client_secret"]},
        )
        assert response.status_code == 200, response.text
        return response.json()["access_token"]

    def as_user(self, username: str) -> httpx.Client:
        return httpx.Client(
            base_url=self.url, timeout=15.0, headers={"Authorization": f"Bearer {self.password_token(username)}"}
        )


@pytest.fixture(scope="session")
def gateway(gateway_url: str, accounts: dict[str, Any]) -> Gateway:
    return Gateway(gateway_url, accounts)


def book_session(mediator: httpx.Client, pid: str, *, day_offset: int, hour: int, **body: Any) -> dict[str, Any]:
    """Book a session of ``pid`` ``day_offset`` days from today (China) at ``hour`` or, when the
    mediator is busy then (``schedule-clash``: another test of this session booked that slot for the
    same demo mediator), at the next free hour that day. The journeys share two demo mediators, so a
    fixed slot per test made the outcome depend on which tests ran before."""
    from onewindow_domain.calendar import china_today

    day = (china_today() + timedelta(days=day_offset)).isoformat()
    for start in range(hour, 21):
        booked = mediator.post(
            f"/api/mediation/proceedings/{pid}/sessions", json={**body, "starts_at": f"{day}T{start:02d}:00:00+08:00"}
        )
        if booked.status_code == 409 and booked.json().get("type", "").endswith("schedule-clash"):
            continue
        assert booked.status_code == 201, booked.text
        return booked.json()
    raise AssertionError(f"no free hour for the mediator on {day} from {hour}:00")


def wait_for(predicate, *, timeout: float = 20.0, interval: float = 0.2, what: str = "condition"):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"{what} not reached within {timeout}s (last: {last!r})")


@contextmanager
def partner_simulator(stack, accounts, gateway_url: str, *, name: str, client_id: str) -> Iterator[httpx.Client]:
    """Run ``tests/simulators/<name>.py`` (``court`` or ``arbitration``) on a free port as the partner
    ``client_id``, logging in at the gateway with that client's credentials; yields a client of the
    simulator (its ``base_url`` names the port) once it answers ``/healthz``. Registering its webhook
    endpoint at the bridge is the caller's part."""
    port = stack_module.free_port()
    secret = next(c["client_secret"] for c in accounts["clients"] if c["client_id"] == client_id)
    prefix = f"{name.upper()}_SIM_"
    env = os.environ | {
        f"{prefix}GATEWAY_URL": gateway_url,
        f"{prefix}CLIENT_ID": client_id,
        f"{prefix}CLIENT_SECRET": secret,
    }
    log = open(stack.log_dir / f"{name}-simulator.log", "ab")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / f"tests/simulators/{name}.py"), "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    sim = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30)
    try:
        wait_for(
            lambda: stack_module.http_status(f"http://127.0.0.1:{port}/healthz") == 200,
            timeout=90,  # a cold Python start on a loaded machine (compose-test) took more than 20 s
            what=f"{name} simulator up",
        )
        yield sim
    finally:
        sim.close()
        proc.terminate()
        proc.wait(10)
        log.close()


def signatures(signed_on: date, *, worker: str = "申请人", employer: str = "被申请人") -> list[dict[str, str]]:
    """The four signatures an agreement needs (the worker, the employer, the mediator and the
    committee's seal), all on ``signed_on``."""
    return [
        {"party": p, "name": n, "signed_on": signed_on.isoformat()}
        for p, n in (
            ("worker", worker),
            ("employer", employer),
            ("mediator", "调解员"),
            ("organisation_seal", "调解委员会"),
        )
    ]


def assigned_proceeding(supervisor: httpx.Client, case_id: str) -> dict[str, Any] | None:
    """The case's proceeding once it is assigned to a mediator (``None`` before), as a supervisor reads it."""
    items = supervisor.get("/api/mediation/proceedings", params={"case_id": case_id}).json()["items"]
    return next((p for p in items if p["status"] == "assigned"), None)
