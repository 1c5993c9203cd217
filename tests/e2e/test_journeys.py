"""Issue 7's journeys in a real browser against the real processes: a clerk registers a collective
dispute (12 workers pasted) and sees it graded and routed; the mediator it was assigned to records
an agreement with two instalments; the supervisor sees it on the dashboard. Screenshots of every
screen go to test-artifacts/e2e/."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "e2e"


def seeded_mediators(gateway) -> None:
    """The demo registry `make run` seeds (python -m mediation seed): an organisation and the two demo
    mediators, linked to their logins by username (tokens carry preferred_username)."""
    with gateway.as_user("admin") as admin:
        listed = admin.get("/api/mediation/mediators").json()
    items = listed["items"] if isinstance(listed, dict) else listed
    assert {"mediator1", "mediator2"} <= {m.get("username") for m in items}, items


def test_clerk_mediator_and_supervisor_journeys_in_chromium(spa_dist, gateway, run_script):
    assert (spa_dist / "index.html").is_file()
    # The gateway serves the built SPA at / (GATEWAY_SPA_DIR = web/dist).
    page = gateway.http.get("/")
    assert page.status_code == 200 and '<div id="app">' in page.text
    seeded_mediators(gateway)

    steps = [line["step"] for line in run_script("journeys", ARTIFACTS, timeout=420)]
    for expected in (
        "triage preview",
        "registered",
        "agreement with two instalments",
        "dashboard",
        "re-routed to inspection",
        "re-routed to legal aid",
        "red alert notified",
    ):
        assert expected in steps
    shots = sorted(p.name for p in ARTIFACTS.glob("*.png"))
    for name in (
        "01-login.png",
        "02-intake-triage.png",
        "04-receipt.png",
        "05-case-desk.png",
        "06-case-detail.png",
        "07-workbench.png",
        "11-agreement.png",
        "12-dashboard.png",
    ):
        assert name in shots, shots
