"""Run every test suite, each in its own pytest process, and print one total.

Suites run separately because each service is its own application (its own tables, its own
settings); importing two services into one process is exactly what the architecture forbids.

``web`` is the clerks' SPA: its Vitest unit tests, then its generated API types checked against the
services' OpenAPI. ``tests/e2e`` drives the SPA in headless Chromium against the real stack. Without
Node (or Chromium) both skip locally and fail in CI (``CI=true`` or ``REQUIRE_BROWSER=1``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SUITES = [
    "libs/kit/tests",
    "libs/domain/tests",
    "libs/documents/tests",
    "gateway/tests",
    "services/intake/tests",
    "services/mediation/tests",
    "services/arbitration-bridge/tests",
    "services/court-bridge/tests",
    "tests",
    "web",
    "tests/e2e",
]
# Each suite's own pytest arguments: the cross-service suite leaves the browser tests to theirs.
EXTRA_ARGS = {"tests": ["--ignore=tests/e2e"]}


def browser_required() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes") or os.environ.get("REQUIRE_BROWSER") == "1"


def run_web(junit: Path) -> tuple[int, int]:
    """The SPA's unit tests (JUnit into ``junit``) and the API-type drift check; (exit code, checks
    counted beyond the JUnit file: the drift check is one)."""
    npm = shutil.which("npm")
    if npm is None:
        print("Node.js/npm not found: the SPA's tests need Node 20+", flush=True)
        return (1 if browser_required() else 0), 0
    web = ROOT / "web"
    if not (web / "node_modules").exists():
        subprocess.call([npm, "ci", "--no-audit", "--no-fund"], cwd=web)
    code = subprocess.call(
        [npm, "run", "test", "--", "--reporter=default", "--reporter=junit", f"--outputFile.junit={junit}"], cwd=web
    )
    print("\n--- API types against the services' OpenAPI", flush=True)
    check = subprocess.call([npm, "run", "api:check"], cwd=web, env=os.environ | {"PYTHON": sys.executable})
    return (code or check), 1 if check == 0 else -1


def main(argv: list[str]) -> int:
    suites = argv or SUITES
    results_dir = ROOT / "var" / "test-results"
    results_dir.mkdir(parents=True, exist_ok=True)
    totals = {"passed": 0, "failed": 0, "skipped": 0, "errors": 0}
    failed_suites = []
    for suite in suites:
        junit = results_dir / (suite.replace("/", "_") + ".xml")
        print(f"\n=== {suite}", flush=True)
        started = time.monotonic()
        extra_checks = 0
        if suite == "web":
            junit.unlink(missing_ok=True)
            code, extra_checks = run_web(junit)
        else:
            code = subprocess.call(
                [sys.executable, "-m", "pytest", suite, "-q", f"--junitxml={junit}", *EXTRA_ARGS.get(suite, [])],
                cwd=ROOT,
            )
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        if junit.exists():
            for node in ET.parse(junit).getroot().iter("testsuite"):
                for key in counts:
                    counts[key] += int(node.get(key, 0))
        passed = counts["tests"] - counts["failures"] - counts["errors"] - counts["skipped"]
        if extra_checks > 0:
            passed += extra_checks
        elif extra_checks < 0:
            totals["failed"] += -extra_checks
        totals["passed"] += passed
        totals["failed"] += counts["failures"]
        totals["errors"] += counts["errors"]
        totals["skipped"] += counts["skipped"]
        print(f"--- {suite}: exit {code} in {time.monotonic() - started:.0f}s", flush=True)
        if code != 0:  # includes 5, "no tests collected": every suite must test something
            failed_suites.append(suite)
    print()
    if failed_suites:
        print("failing suites: " + ", ".join(failed_suites))
    print(
        f"total: {totals['passed']} passed, {totals['failed'] + totals['errors']} failed, {totals['skipped']} skipped"
    )
    return 1 if failed_suites else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
