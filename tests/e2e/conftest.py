"""Browser tests: the SPA built into web/dist, served by the stack's gateway, driven in Debian's
headless Chromium by playwright-core (tests/e2e/journeys.mjs). No browser is ever downloaded.

Without Node or Chromium the tests skip locally and fail in CI (``CI=true`` or ``REQUIRE_BROWSER=1``)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def browser_required() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes") or os.environ.get("REQUIRE_BROWSER") == "1"


def missing(what: str) -> None:
    message = f"{what}: install it (see README: Node 20+; apt-get install chromium) to run the browser tests"
    if browser_required():
        pytest.fail(message + " — CI / REQUIRE_BROWSER=1 does not allow skipping them")
    pytest.skip(message)


def _newest(paths: list[Path]) -> float:
    newest = 0.0
    for base in paths:
        files = [base] if base.is_file() else [p for p in base.rglob("*") if p.is_file()]
        newest = max([newest, *(p.stat().st_mtime for p in files)])
    return newest


@pytest.fixture(scope="session")
def spa_dist() -> Path:
    """web/dist built from the current sources (npm ci when the lock file changed)."""
    npm = shutil.which("npm")
    node = shutil.which("node")
    if not npm or not node:
        missing("Node.js/npm not found")
    if not Path(CHROMIUM).exists():
        missing(f"Chromium not found at {CHROMIUM}")
    installed = WEB / "node_modules" / ".package-lock.json"
    if not installed.exists() or installed.stat().st_mtime < (WEB / "package-lock.json").stat().st_mtime:
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=WEB, check=True)
    index = WEB / "dist" / "index.html"
    sources = [WEB / "src", WEB / "index.html", WEB / "portal", WEB / "vite.config.ts", WEB / "package-lock.json"]
    if not index.exists() or index.stat().st_mtime < _newest(sources):
        subprocess.run([npm, "run", "build"], cwd=WEB, check=True)
    return WEB / "dist"


@pytest.fixture
def run_script(gateway_url, accounts):
    """Run one of the browser scripts (``tests/e2e/<name>.mjs``) against the stack with the demo
    accounts, print what it wrote, check that it passed and return the JSON lines it printed before
    its summary (one per step). ``fresh`` empties its artifacts folder first."""

    def run(name: str, artifacts: Path, *, timeout: int, fresh: bool = True) -> list[dict]:
        if fresh and artifacts.exists():
            shutil.rmtree(artifacts)
        env = os.environ | {
            "GATEWAY_URL": gateway_url,
            "E2E_ACCOUNTS": json.dumps({u["username"]: u["password"] for u in accounts["users"]}),
            "ARTIFACTS": str(artifacts),
        }
        result = subprocess.run(
            ["node", str(ROOT / "tests" / "e2e" / f"{name}.mjs")],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        print(result.stdout)
        print(result.stderr[-4000:])
        lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
        summary = lines[-1] if lines else {}
        assert result.returncode == 0 and summary.get("summary") == "passed", (
            summary.get("error") or result.stderr[-2000:]
        )
        return lines[:-1]

    return run
