"""Run every test suite, each in its own pytest process, and print one total.

Suites run separately because each service is its own application (its own tables, its own
settings); importing two services into one process is exactly what the architecture forbids.
"""

from __future__ import annotations

import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SUITES = [
    "libs/kit/tests",
    "libs/domain/tests",
    "gateway/tests",
    "services/intake/tests",
    "services/mediation/tests",
    "services/arbitration-bridge/tests",
    "services/court-bridge/tests",
    "tests",
]


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
        code = subprocess.call([sys.executable, "-m", "pytest", suite, "-q", f"--junitxml={junit}"], cwd=ROOT)
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        if junit.exists():
            for node in ET.parse(junit).getroot().iter("testsuite"):
                for key in counts:
                    counts[key] += int(node.get(key, 0))
        passed = counts["tests"] - counts["failures"] - counts["errors"] - counts["skipped"]
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
    print(f"total: {totals['passed']} passed, {totals['failed'] + totals['errors']} failed, {totals['skipped']} skipped")
    return 1 if failed_suites else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
