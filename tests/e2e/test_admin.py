"""Issue 18 in a real browser against the real processes (tests/e2e/admin.mjs): the login page's cold
transfer under 500 KB compressed, an administrator creating a clerk who then signs in (and a reset
password, and logout revoking the session), and a screenshot walk of every screen of every role
with the visible text scanned for raw codes. Screenshots go to test-artifacts/e2e-admin/."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "e2e-admin"


def test_administration_compression_and_no_raw_code_in_chromium(spa_dist, gateway, gateway_url, accounts):
    assert (spa_dist / "index.html").is_file()
    if ARTIFACTS.exists():
        shutil.rmtree(ARTIFACTS)
    env = os.environ | {
        "GATEWAY_URL": gateway_url,
        "E2E_ACCOUNTS": json.dumps({u["username"]: u["password"] for u in accounts["users"]}),
        "ARTIFACTS": str(ARTIFACTS),
    }
    result = subprocess.run(
        ["node", str(ROOT / "tests" / "e2e" / "admin.mjs")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=420,
    )
    print(result.stdout)
    print(result.stderr[-4000:])
    summary = json.loads(result.stdout.strip().splitlines()[-1]) if result.stdout.strip() else {}
    assert result.returncode == 0 and summary.get("summary") == "passed", summary.get("error") or result.stderr[-2000:]
    steps = {
        json.loads(line)["step"]: json.loads(line) for line in result.stdout.splitlines()[:-1] if line.startswith("{")
    }
    assert steps["login page cold transfer"]["bytes"] < 500 * 1024
    for expected in (
        "admin created a clerk",
        "the new clerk signed in; logout revoked the session",
        "no raw code on any screen",
    ):
        assert expected in steps
    assert json.loads((ARTIFACTS / "raw-codes.json").read_text()) == []
    assert len(list(ARTIFACTS.glob("*.png"))) >= 20
