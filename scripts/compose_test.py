"""``make compose-test``: the cross-service journeys against the real compose stack.

Steps, each with a bounded timeout:

1. the container engine: Debian's ``docker.io`` (dockerd 20.10 with BuildKit built in),
   ``docker-compose`` (1.29) and ``debootstrap``, installed with apt-get when missing (needs root);
   dockerd started when it is not running, without its default bridge and without iptables
   (``--bridge=none --iptables=false``), and stopped again at the end if this run started it;
2. images without a registry: a Debian bookworm base made by ``debootstrap --variant=minbase`` with
   python3 and ca-certificates, ``docker import``-ed (kept in the image store, and its tarball in
   ``$ONEWINDOW_COMPOSE_CACHE``, default ``/var/cache/onewindow-compose``); PostgreSQL 15 from
   Debian's package on that base (``deploy/test/postgres.Dockerfile``); one image per process from
   ``deploy/Dockerfile`` with that base. Builds use the host network and the machine's CA bundle;
3. the stack: ``deploy/compose.yml`` + ``deploy/compose.test.yml`` (host network, loopback, ports
   9450-9455), up with health checks, then the demo data seeded inside the running containers;
4. the journeys: ``tests/`` (the same tests as ``make test``) with ``ONEWINDOW_COMPOSE_STACK``
   pointing the harness at the stack; the outage journey kills the mediation container mid-journey
   and starts it again (logged to ``test-artifacts/compose/journey.log``);
5. every container's log into ``test-artifacts/compose/``, then ``down -v`` — also on failure or SIGTERM.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "deploy"))

import stack as stack_module  # noqa: E402  (deploy/stack.py: the table and the demo accounts)
import yaml  # noqa: E402

ARTIFACTS = ROOT / "test-artifacts" / "compose"
CACHE = Path(os.environ.get("ONEWINDOW_COMPOSE_CACHE", "/var/cache/onewindow-compose"))
PROJECT = "onewindow-test"
TAG = "test"
DOCKER = "/usr/bin/docker"  # Debian's client: BuildKit without a buildx plugin
DOCKERD = "/usr/sbin/dockerd"
COMPOSE = "/usr/bin/docker-compose"
CA_BUNDLE = Path(os.environ.get("SSL_CERT_FILE") or "/etc/ssl/certs/ca-certificates.crt")
# The base: its name carries the package list, so changing the list makes a new one.
BASE_PACKAGES = ["python3", "python3-venv", "ca-certificates"]
BASE_IMAGE = "onewindow-base/bookworm:" + "-".join(p.replace("python3-", "py") for p in BASE_PACKAGES)
MIRROR = os.environ.get("ONEWINDOW_DEBIAN_MIRROR", "http://deb.debian.org/debian")
# Ports of the test stack (compose.test.yml): 9450 PostgreSQL, then the table's order.
PORTS = {"postgres": 9450, "gateway": 9451, "intake": 9452, "mediation": 9453}
PORTS |= {"arbitration-bridge": 9454, "court-bridge": 9455}
JOURNEYS = [
    "tests/test_stack.py",
    "tests/test_intake_flow.py",
    "tests/test_mediation_flow.py",
    "tests/test_court_flow.py",
    "tests/test_arbitration_flow.py",
]


def log(message: str) -> None:
    print(f"[compose-test {time.strftime('%H:%M:%S')}] {message}", flush=True)


def run(cmd: list[str], *, timeout: float, check: bool = True, **kw: Any) -> subprocess.CompletedProcess[str]:
    """One command with a deadline; its output goes to ours unless captured."""
    result = subprocess.run(cmd, timeout=timeout, text=True, check=False, **kw)
    if check and result.returncode != 0:
        detail = (result.stderr or "")[-2000:] if kw.get("capture_output") else ""
        raise RuntimeError(f"{' '.join(cmd[:4])}… exited with {result.returncode}\n{detail}")
    return result


# ---------------------------------------------------------------------------------------------------
# 1. the engine
# ---------------------------------------------------------------------------------------------------


def ensure_packages() -> None:
    missing = [p for p, path in (("docker.io", DOCKERD), ("docker-compose", COMPOSE)) if not Path(path).exists()]
    missing += [] if shutil.which("debootstrap") else ["debootstrap"]
    missing += [] if Path(DOCKER).exists() or "docker.io" in missing else ["docker.io"]
    if not missing:
        return
    if os.geteuid() != 0:
        raise SystemExit(f"compose-test needs {', '.join(missing)}: run it as root (apt-get install)")
    log(f"installing {', '.join(missing)} from Debian's packages")
    env = os.environ | {"DEBIAN_FRONTEND": "noninteractive"}
    lock = ["-o", "DPkg::Lock::Timeout=300"]
    run(["apt-get", *lock, "update", "-q"], timeout=600, env=env)
    run(["apt-get", *lock, "install", "-y", "-q", "--no-install-recommends", *missing], timeout=900, env=env)


def engine_up() -> bool:
    if not Path("/var/run/docker.sock").exists():
        return False
    try:
        return run([DOCKER, "info", "--format", "{{.ServerVersion}}"], timeout=20, check=False,
                   capture_output=True).returncode == 0  # fmt: skip
    except subprocess.TimeoutExpired:
        return False


def start_engine() -> subprocess.Popen[bytes] | None:
    """Start dockerd unless one answers; returns the process this run started (None otherwise)."""
    if engine_up():
        log("the container engine is already running")
        return None
    if os.geteuid() != 0:
        raise SystemExit("compose-test needs root to start dockerd")
    pidfile = Path("/var/run/docker.pid")
    if pidfile.exists():  # left by a daemon that died: dockerd refuses to start beside it
        try:
            os.kill(int(pidfile.read_text().strip() or "0"), 0)
        except (ProcessLookupError, ValueError):
            pidfile.unlink()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    out = open(ARTIFACTS / "dockerd.log", "ab")  # noqa: SIM115 - handed to the daemon
    log("starting dockerd --bridge=none --iptables=false")
    proc = subprocess.Popen(
        [DOCKERD, "--bridge=none", "--iptables=false", "--ip6tables=false", "--ip-masq=false"],
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    out.close()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"dockerd exited with {proc.returncode}; see {ARTIFACTS / 'dockerd.log'}")
        if engine_up():
            return proc
        time.sleep(0.5)
    stop_engine(proc)
    raise RuntimeError("dockerd did not answer within 60 s")


def stop_engine(proc: subprocess.Popen[bytes] | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    log("stopping the dockerd this run started")
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(45)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(15)


# ---------------------------------------------------------------------------------------------------
# 2. images
# ---------------------------------------------------------------------------------------------------


def image_exists(name: str) -> bool:
    return run([DOCKER, "image", "inspect", name], timeout=30, check=False, capture_output=True).returncode == 0


def ensure_base() -> None:
    if image_exists(BASE_IMAGE):
        log(f"base image {BASE_IMAGE} is in the image store")
        return
    tarball = CACHE / (BASE_IMAGE.split("/")[-1].replace(":", "-") + ".tar")
    if not tarball.exists():
        log(f"debootstrap --variant=minbase bookworm with {', '.join(BASE_PACKAGES)} (about a minute)")
        CACHE.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
            rootfs = Path(tmp) / "rootfs"
            run(
                ["debootstrap", "--variant=minbase", "--include=" + ",".join(BASE_PACKAGES), "bookworm", str(rootfs),
                 MIRROR],
                timeout=900,
                stdout=subprocess.DEVNULL,
            )  # fmt: skip
            # No apt caches or lists in the image; apt-get update in a build fetches the lists again.
            for junk in ("var/cache/apt/archives", "var/lib/apt/lists"):
                for item in (rootfs / junk).glob("*.deb" if "archives" in junk else "*_*"):
                    item.unlink()
            partial = tarball.with_suffix(".partial")
            run(["tar", "-C", str(rootfs), "--numeric-owner", "-cf", str(partial), "."], timeout=300)
            partial.rename(tarball)
    log(f"docker import {tarball.name} as {BASE_IMAGE}")
    run([DOCKER, "import", "--change", "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
         str(tarball), BASE_IMAGE], timeout=300, stdout=subprocess.DEVNULL)  # fmt: skip


def build(tag: str, dockerfile: str, args: dict[str, str]) -> None:
    cmd = [DOCKER, "build", "--network", "host", "-f", dockerfile, "-t", tag, "--progress", "plain"]
    if CA_BUNDLE.exists():
        cmd += ["--secret", f"id=ca-bundle,src={CA_BUNDLE}"]
    for key, value in args.items():
        cmd += ["--build-arg", f"{key}={value}"]
    started = time.monotonic()
    with open(ARTIFACTS / "build.log", "a", encoding="utf-8") as out:
        out.write(f"\n===== {tag}\n")
        out.flush()
        result = run([*cmd, "."], timeout=900, check=False, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                     env=os.environ | {"DOCKER_BUILDKIT": "1"})  # fmt: skip
    if result.returncode != 0:
        tail = (ARTIFACTS / "build.log").read_text(errors="replace").splitlines()[-40:]
        raise RuntimeError(f"building {tag} failed:\n" + "\n".join(tail))
    log(f"built {tag} in {time.monotonic() - started:.0f} s")


def build_images(table: list[stack_module.ServiceSpec]) -> None:
    build(f"onewindow-test/postgres:{TAG}", "deploy/test/postgres.Dockerfile", {"BASE_IMAGE": BASE_IMAGE})
    for spec in table:
        build(
            f"onewindow/{spec.name}:{TAG}",
            "deploy/Dockerfile",
            {
                "PYTHON_IMAGE": BASE_IMAGE,
                "PYTHON_BIN": "/usr/bin/python3.11",
                "SERVICE": spec.package,
                "MODULE": spec.module,
                "PORT": str(spec.port),
                "HEALTH_PATH": spec.health,
            },
        )


# ---------------------------------------------------------------------------------------------------
# 3. the stack
# ---------------------------------------------------------------------------------------------------


def compose_cmd(env_file: Path) -> list[str]:
    """docker-compose 1.29 with both files. It predates the top-level ``name`` key and refuses
    published ports beside ``network_mode: host``, so it reads a copy of compose.yml without them
    (the project is named by ``-p``); relative paths in both files resolve against
    ``--project-directory deploy/`` as they do for ``docker compose -f deploy/compose.yml``."""
    production = yaml.safe_load((ROOT / "deploy/compose.yml").read_text(encoding="utf-8"))
    production.pop("name", None)
    # On the host network nothing is published (1.29 cannot unset a key from an override file).
    override = yaml.safe_load((ROOT / "deploy/compose.test.yml").read_text(encoding="utf-8"))
    for name, service in override["services"].items():
        if service.get("network_mode") == "host":
            production["services"][name].pop("ports", None)
            production["services"][name].pop("networks", None)
    copy = ARTIFACTS / "compose.yml"
    copy.write_text(yaml.safe_dump(production, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return [COMPOSE, "-p", PROJECT, "--project-directory", str(ROOT / "deploy"), "--env-file", str(env_file),
            "-f", str(copy), "-f", str(ROOT / "deploy/compose.test.yml")]  # fmt: skip


def write_secrets(table: list[stack_module.ServiceSpec]) -> tuple[Path, Path]:
    """Demo accounts (as ``make run`` makes them) and the compose env file with matching secrets."""
    seed = ARTIFACTS / "seed"
    if seed.exists():
        shutil.rmtree(seed)
    accounts = stack_module.accounts(seed, table)
    clients = {c["client_id"]: c["client_secret"] for c in accounts["clients"]}

    def key() -> str:
        return base64.b64encode(secrets.token_bytes(32)).decode()

    env = {"POSTGRES_PASSWORD": secrets.token_hex(16), "ONEWINDOW_TAG": TAG, "ONEWINDOW_SEED_DIR": str(seed)}
    env["LOG_LEVEL"] = "INFO"
    for spec in table:
        if spec.is_gateway:
            continue
        p = spec.env_prefix
        env[f"{p}SERVICE_CLIENT_ID"] = stack_module.service_client_id(spec)
        env[f"{p}SERVICE_CLIENT_SECRET"] = clients[stack_module.service_client_id(spec)]
        env[f"{p}DATA_KEYS"] = json.dumps({"k1": key()})
        env[f"{p}LOOKUP_KEY"] = key()
    for bridge, role in (("court-bridge", "court_partner"), ("arbitration-bridge", "arbitration_partner")):
        partners = [
            {"partner_id": cid, "name": name, "center_id": "futian"}
            for cid, name, r in stack_module.DEMO_PARTNERS
            if r == role
        ]
        (seed / f"{bridge}-partners.json").write_text(json.dumps(partners, ensure_ascii=False), encoding="utf-8")
    # Read by the containers' user (uid 10001) whatever this shell's umask is; test-only demo secrets.
    seed.chmod(0o755)
    for item in seed.iterdir():
        item.chmod(0o644)
    env_file = ARTIFACTS / "compose.env"
    env_file.write_text("".join(f"{k}={v}\n" for k, v in env.items()), encoding="utf-8")
    env_file.chmod(0o600)
    return env_file, seed


def containers() -> dict[str, str]:
    """{compose service: container id} of the test project (docker's labels; faster than compose)."""
    out = run([DOCKER, "ps", "-a", "--filter", f"label=com.docker.compose.project={PROJECT}", "--format",
               '{{.ID}} {{.Label "com.docker.compose.service"}}'], timeout=60, capture_output=True).stdout  # fmt: skip
    return {name: cid for cid, name in (line.split() for line in out.splitlines() if line.strip())}


def container_states(compose: list[str]) -> dict[str, str]:
    ids = list(containers().values())
    if not ids:
        return {}
    fmt = '{{index .Config.Labels "com.docker.compose.service"}} {{.State.Status}} '
    fmt += "{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}"
    out = run([DOCKER, "inspect", "--format", fmt, *ids], timeout=60, capture_output=True).stdout
    states = {}
    for line in out.splitlines():
        name, status, health = line.split()
        states[name] = health if status == "running" else status
    return states


def wait_healthy(compose: list[str], names: list[str], timeout: float = 420) -> None:
    deadline = time.monotonic() + timeout
    states: dict[str, str] = {}
    while time.monotonic() < deadline:
        states = container_states(compose)
        if all(states.get(n) == "healthy" for n in names):
            log("healthy: " + ", ".join(names))
            return
        dead = [n for n in names if states.get(n) in ("exited", "dead")]
        if dead:
            raise RuntimeError(f"containers exited: {', '.join(dead)} ({states})")
        time.sleep(2)
    raise RuntimeError(f"not healthy within {timeout:.0f} s: {states}")


def seed() -> None:
    """The demo data of ``make run``, seeded inside the running containers."""
    steps = [
        ("gateway", ["seed", "--accounts", "/seed/demo-accounts.json"]),
        ("intake", ["seed"]),
        ("mediation", ["seed"]),
        ("court-bridge", ["seed", "--partners", "/seed/court-bridge-partners.json"]),
        ("arbitration-bridge", ["seed", "--partners", "/seed/arbitration-bridge-partners.json"]),
    ]
    ids = containers()
    for name, args in steps:
        module = next(s.module for s in stack_module.load_table() if s.name == name)
        started = time.monotonic()
        run([DOCKER, "exec", ids[name], "python", "-m", module, *args], timeout=300, capture_output=True,
            stdin=subprocess.DEVNULL)  # fmt: skip
        log(f"seeded {name} ({' '.join(args)}) in {time.monotonic() - started:.0f} s")


def collect_logs() -> None:
    for name, cid in containers().items():
        with open(ARTIFACTS / f"{name}.log", "w", encoding="utf-8") as out:
            run([DOCKER, "logs", "--timestamps", cid], timeout=120, check=False, stdout=out,
                stderr=subprocess.STDOUT)  # fmt: skip
    log(f"container logs in {ARTIFACTS.relative_to(ROOT)}/")


def journeys(seed_dir: Path) -> int:
    env = os.environ | {
        "ONEWINDOW_COMPOSE_STACK": json.dumps(
            {
                "project": PROJECT,
                "docker": DOCKER,
                "ports": {k: v for k, v in PORTS.items() if k != "postgres"},
                "var_dir": str(seed_dir),
                "log_dir": str(ARTIFACTS),
                "journey_log": str(ARTIFACTS / "journey.log"),
            }
        )
    }
    env.pop("TEST_DATABASE_URL", None)  # the stack has its own PostgreSQL
    env.pop("REQUIRE_POSTGRES", None)
    cmd = [sys.executable, "-m", "pytest", *JOURNEYS, "-v", "-p", "no:cacheprovider",
           f"--junitxml={ARTIFACTS / 'journeys.xml'}"]  # fmt: skip
    log("running the cross-service journeys against the compose stack's gateway")
    return run(cmd, timeout=900, check=False, cwd=ROOT, env=env).returncode


def _terminated(signum: int, _frame: object) -> None:
    """SIGTERM (a CI timeout, a supervisor) unwinds like Ctrl-C, so the ``finally`` of ``main``
    still collects the logs, takes the stack down and stops the dockerd this run started."""
    raise KeyboardInterrupt(f"signal {signum}")


def main() -> int:
    started = time.monotonic()
    signal.signal(signal.SIGTERM, _terminated)
    table = stack_module.load_table()
    if ARTIFACTS.exists():
        shutil.rmtree(ARTIFACTS)
    ARTIFACTS.mkdir(parents=True)
    ensure_packages()
    daemon = start_engine()
    compose: list[str] | None = None
    try:
        ensure_base()
        build_images(table)
        log(f"images ready after {time.monotonic() - started:.0f} s")
        env_file, seed_dir = write_secrets(table)
        compose = compose_cmd(env_file)
        run([*compose, "down", "-v", "--remove-orphans", "-t", "5"], timeout=120, check=False, capture_output=True)
        run([*compose, "up", "-d", "--no-build"], timeout=300)
        wait_healthy(compose, ["postgres", *(s.name for s in table)])
        seed()
        code = journeys(seed_dir)
        log(f"journeys {'passed' if code == 0 else f'FAILED (exit {code})'}; {time.monotonic() - started:.0f} s")
        return code
    finally:
        if compose is not None:
            try:
                collect_logs()
            finally:
                run([*compose, "down", "-v", "--remove-orphans", "-t", "10"], timeout=180, check=False)
        stop_engine(daemon)
        log(f"done in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    sys.exit(main())
