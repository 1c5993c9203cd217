"""Issue 19's journey in Chromium at a phone-sized window (tests/e2e/portal.mjs): apply online,
a clerk registers, the worker follows the case, confirms a session and the agreement with a code;
the agreement shows that confirmation; each code was texted once. Screenshots in
test-artifacts/e2e-portal/."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "e2e-portal"


def test_party_portal_journey_on_a_phone(spa_dist, gateway, run_script):
    assert (spa_dist / "portal" / "index.html").is_file()
    page = gateway.http.get("/portal/")
    assert page.status_code == 200 and '<div id="portal">' in page.text and "element-plus" not in page.text

    steps = [line["step"] for line in run_script("portal", ARTIFACTS, timeout=300)]
    for expected in ("portal loaded", "applied", "registered", "session confirmed", "agreement confirmed", "evidence"):
        assert expected in steps
    shots = sorted(p.name for p in ARTIFACTS.glob("*.png"))
    assert {"01-sign-in.png", "04-case-and-session.png", "05-agreement-confirmed.png"} <= set(shots), shots
