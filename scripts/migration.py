"""``make migration SERVICE=intake MESSAGE="add retention" [REV=0005_i15_retention]``: autogenerate
the next Alembic revision of one service against a throw-away SQLite database (see CONTRIBUTING.md)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from onewindow_kit.migrations import autogenerate_revision

ROOT = Path(__file__).resolve().parents[1]


def migrations_dir(service: str) -> Path:
    folder = ROOT / "gateway" / "migrations" if service == "gateway" else ROOT / "services" / service / "migrations"
    if not (folder / "env.py").is_file():
        known = ["gateway", *sorted(p.parent.name for p in (ROOT / "services").glob("*/migrations/env.py"))]
        raise SystemExit(f"no migrations for {service!r}; one of: {', '.join(known)}")
    return folder


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("service", help="gateway, intake, mediation, arbitration-bridge or court-bridge")
    parser.add_argument("message", help="what the revision does, e.g. 'add retention'")
    parser.add_argument("--rev", default=None, help="revision id (default: the next number and the message)")
    args = parser.parse_args(argv)
    path = autogenerate_revision(migrations_dir(args.service), args.message, rev_id=args.rev or None)
    print(f"wrote {path.relative_to(ROOT)}: review it, then run the service's tests on SQLite and PostgreSQL")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
