"""Import boundaries (STYLE.md §2): the kit imports no app; no app imports another app; only the
kit imports python-jose. Read from the source with ``ast``, so it needs nothing running."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APPS = {
    "gateway": ROOT / "gateway",
    "intake": ROOT / "services/intake",
    "mediation": ROOT / "services/mediation",
    "arbitration_bridge": ROOT / "services/arbitration-bridge",
    "court_bridge": ROOT / "services/court-bridge",
}
KIT = ROOT / "libs/kit"


def imported_roots(folder: Path) -> dict[str, set[str]]:
    """{top-level module imported: {files importing it}} for every .py under ``folder``."""
    found: dict[str, set[str]] = {}
    for path in folder.rglob("*.py"):
        if ".venv" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                found.setdefault(name.split(".")[0], set()).add(
                    path.name if not path.is_relative_to(ROOT) else str(path.relative_to(ROOT))
                )
    return found


def test_kit_imports_no_application():
    roots = imported_roots(KIT)
    assert not (set(APPS) & set(roots)), {app: roots[app] for app in set(APPS) & set(roots)}


def test_applications_do_not_import_each_other():
    for app, folder in APPS.items():
        roots = imported_roots(folder)
        others = (set(APPS) - {app}) & set(roots)
        assert not others, f"{app} imports {others}: {[roots[o] for o in others]}"


def test_only_the_kit_imports_jose():
    for app, folder in APPS.items():
        roots = imported_roots(folder / "src")
        assert "jose" not in roots, f"{app} imports python-jose directly: {roots['jose']}"


def test_the_checker_sees_a_violation(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from intake.centers import service\nimport mediation\n")
    assert {"intake", "mediation"} <= set(imported_roots(tmp_path))
