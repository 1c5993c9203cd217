"""Issue 19's journey in Chromium at a phone-sized window (tests/e2e/portal.mjs): apply online,
a clerk registers, the worker follows the case, confirms a session and the agreement with a code;
the agreement shows that confirmation; each code was texted once. Screenshots in
test-artifacts/e2e-portal/."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "e2e-portal"


def test_party_portal_journey_on_a_phone(spa_dist, gateway, gateway_url, accounts):
    assert (spa_dist / "portal" / "index.html").is_file()
    page = gateway.http.get("/portal/")
    assert page.status_code == 200 and '<div id="portal">' in page.text and "element-plus" not in page.text

    if ARTIFACTS.exists():
        shutil.rmtree(ARTIFACTS)
    env = os.environ | {
        "GATEWAY_URL": gateway_url,
        "E2E_ACCOUNTS": json.dumps({u["username"]: u["password"] for u in accounts["users"]}),
        "ARTIFACTS": str(ARTIFACTS),
    }
    result = subprocess.run(
        ["node", str(ROOT / "tests" / "e2e" / "portal.mjs")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    print(result.stdout)
    print(result.stderr[-4000:])
    summary = json.loads(result.stdout.strip().splitlines()[-1]) if result.stdout.strip() else {}
    assert result.returncode == 0 and summary.get("summary") == "passed", summary.get("error") or result.stderr[-2000:]
    steps = [json.loads(line)["step"] for line in result.stdout.splitlines()[:-1] if line.startswith("{")]
    for expected in ("portal loaded", "applied", "registered", "session confirmed", "agreement confirmed", "evidence"):
        assert expected in steps
    shots = sorted(p.name for p in ARTIFACTS.glob("*.png"))
    assert {"01-sign-in.png", "04-case-and-session.png", "05-agreement-confirmed.png"} <= set(shots), shots
