"""Issue 18 in a real browser against the real processes (tests/e2e/admin.mjs): the login page's cold
transfer under 500 KB compressed, an administrator creating a clerk who then signs in (and a reset
password, and logout revoking the session), and a screenshot walk of every screen of every role
with the visible text scanned for raw codes. Screenshots go to test-artifacts/e2e-admin/."""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "e2e-admin"


def test_administration_compression_and_no_raw_code_in_chromium(spa_dist, gateway, run_script):
    assert (spa_dist / "index.html").is_file()
    steps = {line["step"]: line for line in run_script("admin", ARTIFACTS, timeout=420)}
    assert steps["login page cold transfer"]["bytes"] < 500 * 1024
    for expected in (
        "admin created a clerk",
        "the new clerk signed in; logout revoked the session",
        "no raw code on any screen",
    ):
        assert expected in steps
    assert json.loads((ARTIFACTS / "raw-codes.json").read_text()) == []
    assert len(list(ARTIFACTS.glob("*.png"))) >= 20
