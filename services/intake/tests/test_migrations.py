"""``make migration`` (onewindow_kit.migrations.autogenerate_revision) on intake's real history."""

import shutil
from pathlib import Path

from onewindow_kit.migrations import autogenerate_revision, next_revision_id

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"


def test_the_models_match_the_history_and_a_new_revision_is_numbered_next(tmp_path: Path) -> None:
    # On a copy: autogenerate applies the history to a throw-away SQLite database, compares it
    # with the models, and writes the next revision (empty, as long as the history is complete).
    copy = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, copy, ignore=shutil.ignore_patterns("__pycache__"))
    highest = max(int(p.name[:4]) for p in (copy / "versions").glob("[0-9]*.py"))
    assert next_revision_id(copy, "Add a retention date!") == f"{highest + 1:04d}_add_a_retention_date"
    path = autogenerate_revision(copy, "probe")
    assert path.name == f"{highest + 1:04d}_probe.py"
    text = path.read_text(encoding="utf-8")
    assert f"revision: str = '{highest + 1:04d}_probe'" in text
    upgrade = text.split("def upgrade() -> None:")[1].split("def downgrade")[0]
    assert "op." not in upgrade, f"the models and the migrations differ:\n{upgrade}"
