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


def folder_graph(package: Path) -> dict[str, set[str]]:
    """{domain folder: {domain folders it imports}} inside one app package (``mediation/registry``
    importing ``mediation.proceedings.models`` is an edge registry -> proceedings). Imports inside
    functions count: moving an import into a function hides a cycle, it does not break it."""
    name = package.name
    graph: dict[str, set[str]] = {}
    for path in package.rglob("*.py"):
        rel = path.relative_to(package).parts
        if len(rel) < 2:
            continue  # a module at the package root (main.py, config.py) is not a domain folder
        source = rel[0]
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            modules = []
            if isinstance(node, ast.Import):
                modules = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                modules = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            for module in modules:
                parts = module.split(".")
                if parts[0] == name and len(parts) > 1 and (package / parts[1]).is_dir() and parts[1] != source:
                    graph.setdefault(source, set()).add(parts[1])
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one folder (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


# Cycles that existed when this check was added (issue 11). The list may only shrink: a new cycle
# fails, and so does a listed one that is gone (delete it here then).
# What closes each (2026-12-02, s4-h11), so whoever breaks one knows where to start:
# - intake: cases -> desks (lifecycle routes a case to a desk), desks -> cases (models, the case
#   service), notifications <-> desks, statistics -> desks; cases -> statistics/notifications.
# - mediation: registry -> assignment (deactivating a mediator or organisation, leave and declared
#   conflicts reassign open proceedings: registry/service.py calls assignment.reassign_from), while
#   assignment -> proceedings -> registry; sessions and subsidies sit on that loop. Gone: registry ->
#   proceedings (Actor moved to mediation/actor.py) and subsidies -> proceedings (a Protocol).
# - court_bridge: referrals -> confirmations only through the clerks' referral view (its
#   ConfirmationSummary, referrals/router.py staff_view); confirmations builds on referrals.
# - gateway identity <-> tokens: broken (RefreshToken lives with the user in identity/models.py).
KNOWN_CYCLES = {
    # Arrived with issues 10 and 17 (desks, the split case service, statistics) while this check was
    # being written; found at merge: to break.
    "intake": [["cases", "desks", "notifications", "statistics"]],
    "mediation": [["assignment", "proceedings", "registry", "sessions", "subsidies"]],
    "court_bridge": [["confirmations", "referrals"]],
}


def test_domain_folders_do_not_import_each_other_in_a_cycle():
    found = {}
    for app, folder in APPS.items():
        package = folder / "src" / app
        loops = cycles(folder_graph(package))
        if loops:
            found[app] = loops
    assert found == KNOWN_CYCLES, f"import cycles between domain folders: {found}"


def test_the_cycle_finder_sees_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []
