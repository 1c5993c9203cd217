"""Alembic glue: each service keeps its own history in ``services/<name>/migrations``; this module
runs it against an async URL (SQLite or PostgreSQL) from code, the CLI and the test fixtures."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, pool
from sqlalchemy.ext.asyncio import create_async_engine

from onewindow_kit.db import create_engine


def alembic_config(migrations_dir: Path | str, database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    config.attributes["database_url"] = database_url
    return config


def upgrade(migrations_dir: Path | str, database_url: str, revision: str = "head") -> None:
    """Bring the database at ``database_url`` to ``revision``. Call it outside an event loop
    (``await asyncio.to_thread(upgrade, …)`` from async code)."""
    command.upgrade(alembic_config(migrations_dir, database_url), revision)


def next_revision_id(migrations_dir: Path | str, message: str) -> str:
    """``NNNN_slug``: one more than the highest numbered revision in ``versions/``, then the
    message in lower case with underscores (``0005_add_retention`` for "Add retention")."""
    numbers = [int(p.name[:4]) for p in (Path(migrations_dir) / "versions").glob("[0-9][0-9][0-9][0-9]_*.py")]
    slug = "_".join("".join(c if c.isascii() and c.isalnum() else " " for c in message.lower()).split())
    return f"{max(numbers, default=0) + 1:04d}_{slug[:40] or 'revision'}"


def autogenerate_revision(migrations_dir: Path | str, message: str, rev_id: str | None = None) -> Path:
    """Write a new revision of ``migrations_dir`` from the difference between the service's models
    and its history: the history is applied to a throw-away SQLite database first, so nothing
    needs to be running. Returns the new file (review it: autogenerate misses renames and data
    changes, and a PostgreSQL-only detail must be added by hand)."""
    import tempfile

    rev_id = rev_id or next_revision_id(migrations_dir, message)
    with tempfile.TemporaryDirectory(prefix="onewindow-migration-") as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'autogenerate.sqlite3'}"
        config = alembic_config(migrations_dir, url)
        config.set_main_option("file_template", "%%(rev)s")  # the id already carries the slug
        command.upgrade(config, "head")
        script = command.revision(config, message=message, autogenerate=True, rev_id=rev_id)
    scripts = script if isinstance(script, list) else [script]
    assert scripts and scripts[0] is not None
    return Path(scripts[0].path)


def run_env(target_metadata: MetaData) -> None:
    """The body of every service's ``migrations/env.py``."""
    config = context.config
    url = config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url")
    assert url, "no database URL given to Alembic"
    opts: dict[str, Any] = {
        "target_metadata": target_metadata,
        "render_as_batch": url.startswith("sqlite"),  # SQLite alters tables by copying them
        "compare_type": True,
    }
    if context.is_offline_mode():
        context.configure(url=url, literal_binds=True, **opts)
        with context.begin_transaction():
            context.run_migrations()
        return

    def run(connection: Any) -> None:
        context.configure(connection=connection, **opts)
        with context.begin_transaction():
            context.run_migrations()

    async def main() -> None:
        engine = (
            create_engine(url)
            if url.startswith("sqlite")
            else create_async_engine(url, poolclass=pool.NullPool, hide_parameters=True)
        )
        async with engine.connect() as connection:
            await connection.run_sync(run)
            await connection.commit()
        await engine.dispose()

    asyncio.run(main())
