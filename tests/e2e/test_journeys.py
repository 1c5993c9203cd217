"""Issue 7's journeys in a real browser against the real processes: a clerk registers a collective
dispute (12 workers pasted) and sees it graded and routed; the mediator it was assigned to records
an agreement with two instalments; the supervisor sees it on the dashboard. Screenshots of every
screen go to test-artifacts/e2e/."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "e2e"


def register_mediators(gateway) -> None:
    """What an administrator does once in the 调解员名册 screen: an organisation and the two demo
    mediators, linked to their login accounts (mediation seeds none)."""
    with gateway.as_user("admin") as admin:
        users = {u["username"]: u for u in admin.get("/admin/users").json()["items"]}
        org = admin.post("/api/mediation/organisations", json={
            "center_id": "futian", "name": "福田区劳动争议联合调解中心", "level": "district"})
        assert org.status_code == 201, org.text
        for i, username in enumerate(("mediator1", "mediator2")):
            user = users[username]
            created = admin.post("/api/mediation/mediators", json={
                "organisation_id": org.json()["id"], "name": user["display_name"].split("（")[0],
                "username": username, "user_subject": user["id"], "registration_no": f"FT-E2E-{i + 1:03d}",
                "grade": "senior", "collective_qualified": True, "capacity": 20,
                "specialities": ["wage_arrears", "overtime", "severance"]})
            assert created.status_code == 201, created.text


def test_clerk_mediator_and_supervisor_journeys_in_chromium(spa_dist, gateway, gateway_url, accounts):
    assert (spa_dist / "index.html").is_file()
    # The gateway serves the built SPA at / (GATEWAY_SPA_DIR = web/dist).
    page = gateway.http.get("/")
    assert page.status_code == 200 and '<div id="app">' in page.text
    register_mediators(gateway)

    if ARTIFACTS.exists():
        shutil.rmtree(ARTIFACTS)
    env = os.environ | {
        "GATEWAY_URL": gateway_url,
        "E2E_ACCOUNTS": json.dumps({u["username"]: u["password"] for u in accounts["users"]}),
        "ARTIFACTS": str(ARTIFACTS),
    }
    result = subprocess.run(["node", str(ROOT / "tests" / "e2e" / "journeys.mjs")], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=240)
    print(result.stdout)
    print(result.stderr[-4000:])
    summary = json.loads(result.stdout.strip().splitlines()[-1]) if result.stdout.strip() else {}
    assert result.returncode == 0 and summary.get("summary") == "passed", summary.get("error") or result.stderr[-2000:]
    steps = [json.loads(line)["step"] for line in result.stdout.splitlines()[:-1] if line.startswith("{")]
    for expected in ("triage preview", "registered", "agreement with two instalments", "dashboard"):
        assert expected in steps
    shots = sorted(p.name for p in ARTIFACTS.glob("*.png"))
    for name in ("01-login.png", "02-intake-triage.png", "04-receipt.png", "05-case-desk.png", "06-case-detail.png",
                 "07-workbench.png", "11-agreement.png", "12-dashboard.png"):
        assert name in shots, shots
