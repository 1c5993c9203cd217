"""Issue 18 (part A) in a real browser against the real processes (tests/e2e/workspace.mjs): the
service's warning about an odd ID number by its field, Tab through the registration form never on an
invisible control (after every date picker was opened once); a
mediator sees the parties of their own proceeding and not of another's; a clerk corrects an amount
and sees it on the timeline; a number fragment and a name prefix find the case; the export is an
.xlsx that openpyxl opens, holding exactly the filtered rows."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "e2e-workspace"


def test_mediator_parties_correction_search_and_export_in_chromium(spa_dist, gateway, run_script):
    assert (spa_dist / "index.html").is_file()
    steps = {line["step"]: line for line in run_script("workspace", ARTIFACTS, timeout=300, fresh=False)}
    for expected in (
        "ID-number warning from the service",
        "Tab walks only visible controls",
        "mediator sees the parties of their own proceeding",
        "another mediator does not see them",
        "clerk corrected an amount, on the timeline",
        "search by number fragment",
        "search by name prefix",
        "export downloaded",
    ):
        assert expected in steps, sorted(steps)

    # The downloaded file opens with the library and holds the filtered rows: this run's two cases
    # (their applicants share the typed prefix), the corrected amount, masked ID numbers.
    exported = steps["export downloaded"]
    sheet = load_workbook(exported["path"], read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "案件编号"
    applicants = sorted(r[7] for r in rows[1:])
    prefix = exported["prefix"]
    assert len(applicants) == 2 and all(a.startswith(prefix) for a in applicants), applicants
    assert 13500.0 in [r[10] for r in rows[1:]]
    assert all("*" in r[8] for r in rows[1:]), "ID numbers are masked in an ordinary export"
