"""The local supervisor: runs every OneWindow process from deploy/services.toml on loopback.

``make run`` calls ``python deploy/stack.py run``: migrate every database, seed demo data, start
every process, wait for health, print the URL and the demo accounts, and stop everything cleanly on
Ctrl-C (restarting a process that crashes meanwhile). The cross-service tests drive the same
``Stack`` class, so the topology the tests see is the one people run.

Overrides by environment: ``<PREFIX>PORT`` (e.g. ``GATEWAY_PORT=9000``), ``<PREFIX>DATABASE_URL``
(e.g. ``INTAKE_DATABASE_URL=postgresql+asyncpg://…``), ``ONEWINDOW_VAR_DIR`` (default ``var``).
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TABLE = Path(__file__).resolve().parent / "services.toml"
GATEWAY = "gateway"


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    package: str
    module: str
    port: int
    env_prefix: str
    health: str
    ready: str
    database: str
    api_prefix: str | None = None
    partner_prefix: str | None = None

    @property
    def is_gateway(self) -> bool:
        return self.name == GATEWAY


def load_table(path: Path = TABLE) -> list[ServiceSpec]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return [ServiceSpec(name=name, **spec) for name, spec in data["services"].items()]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------------------------------------
# Demo accounts and service credentials
# ---------------------------------------------------------------------------------------------

DEMO_USERS = [
    ("admin", "系统管理员", ["admin"]),
    ("clerk", "王芳（窗口受理）", ["clerk"]),
    ("supervisor", "李强（中心负责人）", ["supervisor"]),
    ("mediator1", "张敏（调解员）", ["mediator"]),
    ("mediator2", "陈刚（调解员）", ["mediator"]),
    ("inspector", "刘洋（劳动保障监察）", ["inspector"]),
    ("legalaid", "赵静（法律援助中心）", ["legal_aid_officer"]),
    ("petition", "孙伟（信访局）", ["petition_officer"]),
    ("coordinator", "周丽（三方协调）", ["coordinator"]),
]
DEMO_PARTNERS = [
    ("futian-court", "深圳市福田区人民法院", "court_partner"),
    ("futian-arbitration", "深圳市福田区劳动人事争议仲裁院", "arbitration_partner"),
]


def service_client_id(spec: ServiceSpec) -> str:
    return f"svc-{spec.name}"


def accounts(var_dir: Path, table: list[ServiceSpec]) -> dict[str, Any]:
    """Demo users, partner clients and service clients; secrets generated once and kept in
    ``var/demo-accounts.json`` (git-ignored) so re-runs keep working."""
    path = var_dir / "demo-accounts.json"
    old: dict[str, Any] = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    old_users = {u["username"]: u for u in old.get("users", [])}
    old_clients = {c["client_id"]: c for c in old.get("clients", [])}
    users = [
        {
            "username": username,
            "password": old_users.get(username, {}).get("password") or secrets.token_urlsafe(12),
            "display_name": display,
            "roles": roles,
            "center_id": "futian",
        }
        for username, display, roles in DEMO_USERS
    ]
    clients = [
        {
            "client_id": cid,
            "client_secret": old_clients.get(cid, {}).get("client_secret") or secrets.token_urlsafe(24),
            "name": name,
            "kind": "partner",
            "roles": [role],
            "partner_id": cid,
        }
        for cid, name, role in DEMO_PARTNERS
    ]
    for spec in table:
        if spec.is_gateway:
            continue
        cid = service_client_id(spec)
        clients.append(
            {
                "client_id": cid,
                "client_secret": old_clients.get(cid, {}).get("client_secret") or secrets.token_urlsafe(24),
                "name": f"service {spec.name}",
                "kind": "service",
                "roles": ["service"],
                "partner_id": None,
            }
        )
    data = {"users": users, "clients": clients}
    var_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    path.chmod(0o600)
    return data


def data_keys(var_dir: Path) -> dict[str, Any]:
    """Keys for personal data at rest, generated once into ``var/secrets.json`` (git-ignored)."""
    path = var_dir / "secrets.json"
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))

    def key() -> str:
        return base64.b64encode(secrets.token_bytes(32)).decode()

    data = {"data_keys": {"k1": key()}, "data_key_active": "k1", "lookup_key": key()}
    var_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    path.chmod(0o600)
    return data


# ---------------------------------------------------------------------------------------------
# Environment of each process
# ---------------------------------------------------------------------------------------------


@dataclass
class StackConfig:
    var_dir: Path
    ports: dict[str, int]
    database_urls: dict[str, str]
    environment: str = "development"
    log_level: str = "INFO"
    extra_env: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def from_environment(cls, table: list[ServiceSpec], var_dir: Path | None = None) -> StackConfig:
        var = Path(os.environ.get("ONEWINDOW_VAR_DIR", var_dir or ROOT / "var")).resolve()
        ports = {s.name: int(os.environ.get(f"{s.env_prefix}PORT", s.port)) for s in table}
        urls = {
            s.name: os.environ.get(f"{s.env_prefix}DATABASE_URL")
            or f"sqlite+aiosqlite:///{var / 'db' / (s.database + '.sqlite3')}"
            for s in table
        }
        return cls(var_dir=var, ports=ports, database_urls=urls)

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"


# What the supervisor must set for the processes to find each other (a caller's value for these is
# overridden); every other ``<PREFIX>…`` variable of the caller's environment reaches the process.
SUPERVISOR_WIRING = (
    "PORT",
    "DATABASE_URL",
    "SERVICE_NAME",
    "UPSTREAMS",
    "GATEWAY_URL",
    "SERVICE_CLIENT_ID",
    "SERVICE_CLIENT_SECRET",
    "PEERS",
    "DATA_KEYS",
    "DATA_KEY_ACTIVE",
    "LOOKUP_KEY",
)


def process_env(
    spec: ServiceSpec, table: list[ServiceSpec], config: StackConfig, creds: dict[str, Any]
) -> dict[str, str]:
    """The variables ``spec``'s process gets (the compose file and k8s manifests set the same)."""
    p = spec.env_prefix
    env = {
        f"{p}DATABASE_URL": config.database_urls[spec.name],
        f"{p}ENVIRONMENT": config.environment,
        f"{p}SERVICE_NAME": spec.name,
        f"{p}LOG_LEVEL": config.log_level,
    }
    domain = [s for s in table if not s.is_gateway]
    if spec.is_gateway:
        env[f"{p}UPSTREAMS"] = json.dumps({s.name: config.url(s.name) for s in domain})
        env[f"{p}KEYS_DIR"] = str(config.var_dir / "keys")
        env[f"{p}SPA_DIR"] = str(ROOT / "web" / "dist")
    else:
        secret = next(c["client_secret"] for c in creds["clients"] if c["client_id"] == service_client_id(spec))
        env[f"{p}GATEWAY_URL"] = config.url(GATEWAY)
        env[f"{p}SERVICE_CLIENT_ID"] = service_client_id(spec)
        env[f"{p}SERVICE_CLIENT_SECRET"] = secret
        env[f"{p}PEERS"] = json.dumps({s.name: config.url(s.name) for s in domain if s.name != spec.name})
        keys = creds["data"]
        env[f"{p}DATA_KEYS"] = json.dumps(keys["data_keys"])
        env[f"{p}DATA_KEY_ACTIVE"] = keys["data_key_active"]
        env[f"{p}LOOKUP_KEY"] = keys["lookup_key"]
        env.setdefault(f"{p}STORAGE_DIR", str(config.var_dir / "files" / spec.name))  # local file storage
    if spec.name in ("court-bridge", "arbitration-bridge") and config.environment != "production":
        # Local runs talk to simulators on loopback over plain HTTP; production keeps the guard's
        # defaults (https only, no private or loopback addresses).
        env[f"{p}WEBHOOKS__REQUIRE_HTTPS"] = "false"
        env[f"{p}WEBHOOKS__ALLOWED_NETWORKS"] = json.dumps(["127.0.0.0/8"])
    env.update(config.extra_env.get(spec.name, {}))
    return env


# ---------------------------------------------------------------------------------------------
# Processes
# ---------------------------------------------------------------------------------------------


def http_status(url: str, timeout: float = 1.0) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (OSError, urllib.error.URLError):
        return None


class Stack:
    """Every process of the table, started, watched and stopped together."""

    def __init__(self, config: StackConfig, table: list[ServiceSpec] | None = None) -> None:
        self.table = table or load_table()
        self.config = config
        self.specs = {s.name: s for s in self.table}
        self.creds: dict[str, Any] = {}
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.log_dir = config.var_dir / "log"

    def env_for(self, name: str) -> dict[str, str]:
        """The process's environment: the supervisor's own, with every ``<PREFIX>…`` setting of this
        process passed through (so ``GATEWAY_CORS_ORIGINS=… make run`` works); other processes'
        prefixed variables are left out. The supervisor's values win only for what it must set (the
        wiring: database, port, upstreams, peers, credentials, keys); its defaults (environment, log
        level, webhook guard for local simulators…) give way to a value given by the caller."""
        spec = self.specs[name]
        base = {k: v for k, v in os.environ.items() if not any(k.startswith(s.env_prefix) for s in self.table)}
        base["PYTHONUNBUFFERED"] = "1"
        given = {k: v for k, v in os.environ.items() if k.startswith(spec.env_prefix)}
        ours = process_env(spec, self.table, self.config, self.creds)
        ours[f"{spec.env_prefix}PORT"] = str(self.config.ports[name])
        wiring = {f"{spec.env_prefix}{k}" for k in SUPERVISOR_WIRING} | set(self.config.extra_env.get(name, {}))
        defaults = {k: v for k, v in ours.items() if k not in wiring}
        forced = {k: v for k, v in ours.items() if k in wiring}
        return base | defaults | given | forced

    def _run(self, name: str, *args: str) -> None:
        spec = self.specs[name]
        result = subprocess.run(
            [sys.executable, "-m", spec.module, *args],
            cwd=ROOT,
            env=self.env_for(name),
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise RuntimeError(f"{name} {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")

    def prepare(self) -> None:
        """Migrate every database and seed the demo data (idempotent)."""
        self.config.var_dir.mkdir(parents=True, exist_ok=True)
        self.creds = accounts(self.config.var_dir, self.table) | {"data": data_keys(self.config.var_dir)}
        for spec in self.table:
            self._run(spec.name, "migrate")
        self._run(GATEWAY, "seed", "--accounts", str(self.config.var_dir / "demo-accounts.json"))
        self._run("intake", "seed")
        self._run("mediation", "seed")
        # The demo court and commission, registered with their bridges (webhook URLs are set by an
        # admin, or by the cross-service tests to the simulators').
        for bridge, role in (("court-bridge", "court_partner"), ("arbitration-bridge", "arbitration_partner")):
            partners = self.config.var_dir / f"{bridge}-partners.json"
            partners.write_text(
                json.dumps(
                    [
                        {"partner_id": cid, "name": name, "center_id": "futian"}
                        for cid, name, r in DEMO_PARTNERS
                        if r == role
                    ],
                    ensure_ascii=False,
                )
            )
            self._run(bridge, "seed", "--partners", str(partners))

    def start(self, name: str) -> None:
        spec = self.specs[name]
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115 - handed to the child
        self.procs[name] = subprocess.Popen(
            [sys.executable, "-m", spec.module, "serve", "--host", "127.0.0.1", "--port", str(self.config.ports[name])],
            cwd=ROOT,
            env=self.env_for(name),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()

    def start_all(self, timeout: float = 60.0) -> None:
        for spec in self.table:
            self.start(spec.name)
        for spec in self.table:
            self.wait_ready(spec.name, timeout)

    def wait_ready(self, name: str, timeout: float = 60.0) -> None:
        spec = self.specs[name]
        url = self.config.url(name) + spec.ready
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            proc = self.procs.get(name)
            if proc is not None and proc.poll() is not None:
                raise RuntimeError(f"{name} exited with {proc.returncode}; see {self.log_dir / (name + '.log')}")
            if http_status(url) == 200:
                return
            time.sleep(0.1)
        raise TimeoutError(f"{name} not ready at {url} after {timeout:.0f}s; see {self.log_dir / (name + '.log')}")

    def stop(self, name: str, timeout: float = 10.0) -> None:
        proc = self.procs.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def stop_all(self) -> None:
        for name in reversed(list(self.procs)):
            self.stop(name)

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop_all()


def _print_banner(stack: Stack) -> None:
    url = stack.config.url(GATEWAY)
    print("\nOneWindow 一站式劳动纠纷调处平台 is running\n")
    print(f"  Open:    {url}/")
    print(f"  Health:  {url}/health")
    print(f"  APIs:    {url}/api/openapi  (gateway docs: {url}/docs)")
    print(f"  Logs:    {stack.log_dir}/<service>.log\n")
    print("  Demo accounts (also in var/demo-accounts.json):")
    for user in stack.creds["users"]:
        print(
            f"    {user['username']:<12} {user['password']:<20} {', '.join(user['roles']):<11} {user['display_name']}"
        )
    for client in stack.creds["clients"]:
        if client["kind"] == "partner":
            print(f"    client_id={client['client_id']}  client_secret={client['client_secret']}  ({client['name']})")
    print("\n  Ctrl-C stops everything.\n", flush=True)


def run() -> int:
    table = load_table()
    stack = Stack(StackConfig.from_environment(table), table)
    stopping = False

    def on_signal(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    print("Migrating databases and seeding demo data…", flush=True)
    stack.prepare()
    print("Starting " + ", ".join(s.name for s in table) + "…", flush=True)
    try:
        stack.start_all()
        _print_banner(stack)
        restarts: dict[str, list[float]] = {}
        while not stopping:
            time.sleep(0.5)
            for name, proc in list(stack.procs.items()):
                if proc.poll() is None or stopping:
                    continue
                recent = [t for t in restarts.get(name, []) if time.monotonic() - t < 60]
                if len(recent) >= 5:
                    print(
                        f"{name} keeps crashing (exit {proc.returncode}); see {stack.log_dir / (name + '.log')}",
                        flush=True,
                    )
                    return 1
                print(f"{name} exited with {proc.returncode}; restarting", flush=True)
                restarts[name] = [*recent, time.monotonic()]
                stack.start(name)
    finally:
        print("Stopping…", flush=True)
        stack.stop_all()
    print("Stopped.")
    return 0


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "run"
    if command == "run":
        sys.exit(run())
    if command == "prepare":
        table = load_table()
        Stack(StackConfig.from_environment(table), table).prepare()
        sys.exit(0)
    print("usage: stack.py run|prepare", file=sys.stderr)
    sys.exit(2)
