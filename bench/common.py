"""Shared by the benches: start the whole stack on throw-away PostgreSQL databases, read /proc.

Ports come from 9350-9399 (the range this shared machine keeps for hand-started processes), never
the defaults, so a bench does not collide with a `make run` or another bench.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
PORT_RANGE = range(int(os.environ.get("BENCH_PORT_MIN", "9350")), int(os.environ.get("BENCH_PORT_MAX", "9400")))
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def pct(values: list[float], p: float) -> float:
    """The p-th percentile by nearest rank (NaN for no values)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] if ordered else float("nan")


def port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_ports(n: int, taken: set[int] | None = None) -> list[int]:
    taken = taken if taken is not None else set()
    out = []
    for port in PORT_RANGE:
        if port not in taken and port_free(port):
            out.append(port)
            taken.add(port)
            if len(out) == n:
                return out
    raise RuntimeError(f"not {n} free ports in {PORT_RANGE.start}-{PORT_RANGE.stop - 1}")


def baseline_worktree(rev: str, directory: Path | None = None) -> Path:
    """A git worktree of ``rev`` with its own environment (``uv sync``), created on first use as
    ``/tmp/ow-bench-baseline-<commit>`` and reused after: a baseline runs its own services *and* its
    own kit, so a kit API changed since (``PDF_RESPONSE`` → ``PDF_ROUTE``) cannot break it. Its
    interpreter is ``<dir>/.venv/bin/python``. ``rev`` may be a branch: the directory is named by the
    commit it resolves to, so a moved branch gets a new worktree."""
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short=7", f"{rev}^{{commit}}"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    target = directory or Path(f"/tmp/ow-bench-baseline-{commit}")
    if not (target / ".venv" / "bin" / "python").exists():
        print(f"creating the baseline worktree of {rev} ({commit}) in {target}", file=sys.stderr, flush=True)
        if not target.exists():
            subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(target), commit], check=True)
        uv = shutil.which("uv") or str(ROOT / ".tools" / "bin" / "uv")
        subprocess.run([uv, "sync", "--frozen", "--quiet", "--all-packages"], cwd=target, check=True)
    return target


def baseline_python(checkout: Path) -> str:
    return str(checkout / ".venv" / "bin" / "python")


def count_statements(engine: Any) -> list[str]:
    """Every statement ``engine`` (a sync Engine) sends from now on, plus BEGIN, COMMIT and
    ROLLBACK, appended to the returned list (shortened to 90 characters; ``MANY`` marks executemany)."""
    from sqlalchemy import event

    statements: list[str] = []

    def _stmt(_conn, _cursor, statement, _params, _context, executemany):  # type: ignore[no-untyped-def]
        statements.append(("MANY " if executemany else "") + " ".join(statement.split())[:90])

    event.listen(engine, "before_cursor_execute", _stmt)
    for name in ("BEGIN", "COMMIT", "ROLLBACK"):
        event.listen(engine, name.lower(), lambda *_a, _n=name: statements.append(_n))
    return statements


def admin_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL", "").strip()
    return url if url.startswith("postgresql") else "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"


# -- /proc ----------------------------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError), open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
                if int(fields[1]) == pid:
                    out.append(int(entry))
    return out


def tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        todo.extend(_children(p))
    return pids


def cpu_seconds(pid: int) -> float:
    """utime + stime of ``pid`` and its descendants, in seconds."""
    total = 0
    for p in tree(pid):
        with contextlib.suppress(OSError), open(f"/proc/{p}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15)
    return total / CLK_TCK


def cpu_percent_over(pids: dict[str, int], seconds: float) -> tuple[float, dict[str, float]]:
    """Sleep ``seconds``: the window as measured, and each process's CPU in it in percent of one core."""
    before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    t0 = time.monotonic()
    time.sleep(seconds)
    elapsed = time.monotonic() - t0
    after = {name: cpu_seconds(pid) for name, pid in pids.items()}
    return elapsed, {name: 100 * (after[name] - before[name]) / elapsed for name in pids}


def rss_mb(pid: int) -> float:
    total = 0
    for p in tree(pid):
        with contextlib.suppress(OSError), open(f"/proc/{p}/statm") as f:
            total += int(f.read().split()[1]) * PAGE
    return total / 2**20


def loadavg() -> tuple[float, float, float]:
    with open("/proc/loadavg") as f:
        a, b, c = f.read().split()[:3]
    return float(a), float(b), float(c)


# -- the stack ------------------------------------------------------------------------------------


@dataclass
class RunningStack:
    stack: object
    config: object
    var_dir: Path

    @property
    def gateway(self) -> str:
        return self.config.url("gateway")  # type: ignore[attr-defined]

    def pids(self) -> dict[str, int]:
        return {name: proc.pid for name, proc in self.stack.procs.items()}  # type: ignore[attr-defined]

    def clerk_token(self) -> str:
        creds = json.loads((self.var_dir / "demo-accounts.json").read_text())
        clerk = next(u for u in creds["users"] if u["username"] == "clerk")
        response = httpx.post(
            self.gateway + "/auth/token",
            data={"grant_type": "password", "username": "clerk", "password": clerk["password"]},
        )
        response.raise_for_status()
        return response.json()["access_token"]


@contextlib.contextmanager
def whole_stack(root: Path = ROOT, *, label: str = "bench", extra_env: dict | None = None) -> Iterator[RunningStack]:
    """The stack of the checkout at ``root`` (its own deploy/stack.py) on fresh PostgreSQL databases."""
    sys.path.insert(0, str(root / "deploy"))
    try:
        import importlib

        if "stack" in sys.modules:
            del sys.modules["stack"]
        stack_module = importlib.import_module("stack")
    finally:
        sys.path.pop(0)
    from onewindow_kit.testing import create_pg_database, drop_pg_database, unique_db_name

    table = stack_module.load_table()
    var_dir = Path(tempfile.mkdtemp(prefix=f"ow-{label}-"))
    admin = admin_url()
    urls, created = {}, []
    for spec in table:
        name = unique_db_name(f"{label}_" + spec.name.replace("-", "_"))
        urls[spec.name] = asyncio.run(create_pg_database(admin, name))
        created.append(name)
    ports = dict(zip([s.name for s in table], free_ports(len(table)), strict=True))
    env = {"gateway": {"GATEWAY_RATE_LIMIT_ENABLED": "false"}}
    for name, values in (extra_env or {}).items():
        env.setdefault(name, {}).update(values)
    config = stack_module.StackConfig(
        var_dir=var_dir, ports=ports, database_urls=urls, environment="test", log_level="WARNING", extra_env=env
    )
    stack = stack_module.Stack(config, table)
    try:
        stack.prepare()
        stack.start_all()
        yield RunningStack(stack, config, var_dir)
    finally:
        stack.stop_all()
        for name in created:
            with contextlib.suppress(Exception):
                asyncio.run(drop_pg_database(admin, name))
        shutil.rmtree(var_dir, ignore_errors=True)
