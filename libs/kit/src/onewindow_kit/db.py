"""Async engine and the session dependency that commits or rolls back.

SQLite (aiosqlite, WAL, ``BEGIN IMMEDIATE``) for the embedded mode, PostgreSQL (asyncpg) for
production and CI; the same models and migrations serve both.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from sqlalchemy import DateTime, MetaData, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeDecorator
from sqlmodel import SQLModel

from onewindow_kit.worker import WakeHub

# Constraint names are predictable, so migrations can drop and alter them on both backends.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata.naming_convention = NAMING_CONVENTION
metadata: MetaData = SQLModel.metadata


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    """Create the async engine for ``url`` with the backend's production settings.

    ``hide_parameters``: a statement's bound values are names, birth dates, ciphertexts and
    look-up hashes; SQLAlchemy would otherwise put them into every error message (and so into the
    logs). Errors keep the statement text, which holds placeholders only."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, echo=echo, hide_parameters=True, connect_args={"timeout": 30})
        _configure_sqlite(engine)
        return engine
    engine = create_async_engine(
        url,
        echo=echo,
        hide_parameters=True,
        pool_size=10,
        max_overflow=10,
        pool_recycle=1800,
    )
    _configure_liveness(engine)
    return engine


# A pooled connection idle this long is checked before use (see _configure_liveness).
PING_AFTER_IDLE_SECONDS = 5.0


def _configure_liveness(engine: AsyncEngine) -> None:
    """Check a pooled connection before use only when it sat idle long enough to have gone stale.

    SQLAlchemy's ``pool_pre_ping`` pings on every checkout, and on asyncpg a ping is three round
    trips (BEGIN, ``;``, ROLLBACK): for a registration of seven statements that was three more, for
    every transaction of every service. As connection pools commonly do (HikariCP's alive-bypass
    window), a connection returned moments ago is trusted; one idle for ``PING_AFTER_IDLE_SECONDS``
    is pinged, and a dead one is replaced before the transaction starts. A database restart
    within the window is still caught when the connection is first used: the error invalidates the
    whole pool, so one request (or one worker pass, which retries) fails, not every connection."""

    @event.listens_for(engine.sync_engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < PING_AFTER_IDLE_SECONDS:
            return  # just connected, or back in the pool moments ago
        try:
            dbapi_connection.ping()
        except Exception as exc:  # the server went away: the pool connects afresh
            record.info.pop("idle_since", None)
            raise DisconnectionError("the pooled connection is no longer alive") from exc


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the driver so that every transaction starts with
        # BEGIN IMMEDIATE: a deferred transaction that later upgrades to a write fails at once
        # with "database is locked" instead of waiting for the busy timeout.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Reads (GET requests) run DEFERRED: in WAL mode readers take no lock and never wait.
        mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        conn.exec_driver_sql(f"BEGIN {mode}")


def create_sessionmaker(
    engine: AsyncEngine, info: dict[str, Any] | None = None, *, sync_session_class: type[Session] = Session
) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(
        engine, expire_on_commit=False, autoflush=False, info=info, sync_session_class=sync_session_class
    )


def _wake_session_class(hub: WakeHub) -> type[Session]:
    """A Session class whose commits fire the wake signals marked in them (``WakeSignal.mark``)."""
    cls = type("WakeSession", (Session,), {})
    event.listen(cls, "after_commit", hub.committed)
    event.listen(cls, "after_rollback", hub.rolled_back)
    return cls


class Database:
    """The engine, its session factory and the hooks that run after a commit."""

    def __init__(self, url: str, *, echo: bool = False, info: dict[str, Any] | None = None) -> None:
        self.url = url
        self.engine = create_engine(url, echo=echo)
        # Wake signals marked in a session fire when it commits (workers wake on work, not on a timer).
        self.wakes = WakeHub(url)
        session_class = _wake_session_class(self.wakes)
        # ``info`` reaches every session (the outbox reads its routes and service name there).
        self.sessionmaker = create_sessionmaker(self.engine, info, sync_session_class=session_class)
        # For requests that only read: on SQLite a deferred transaction (no write lock taken).
        self.read_sessionmaker = create_sessionmaker(
            self.engine.execution_options(sqlite_begin="DEFERRED"), info, sync_session_class=session_class
        )
        self._after_commit: list[Callable[[AsyncSession], None]] = []

    @property
    def is_sqlite(self) -> bool:
        return is_sqlite(self.url)

    def on_after_commit(self, hook: Callable[[AsyncSession], None]) -> None:
        """Run ``hook(session)`` after each successful commit made through :meth:`transaction`."""
        self._after_commit.append(hook)

    @asynccontextmanager
    async def transaction(self, *, read_only: bool = False) -> AsyncIterator[AsyncSession]:
        """``async with db.transaction() as session:`` — the one way to reach the database outside
        a request (requests use :data:`SessionDep`, which is this same transaction).

        Commits when the block succeeds, rolls back and re-raises when it raises; the after-commit
        hooks run once the commit is done. Objects stay loaded after the block (``expire_on_commit``
        is off), so a caller may read what it fetched once no transaction is open.

        ``read_only`` is a hint for SQLite: the transaction starts DEFERRED instead of IMMEDIATE, so
        concurrent readers never queue behind the write lock. A read-only transaction may still
        write (an access log row, say); SQLite then takes the lock at that point. PostgreSQL ignores
        the hint."""
        maker = self.read_sessionmaker if read_only else self.sessionmaker
        async with maker() as session:
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise
            for hook in self._after_commit:
                hook(session)

    async def ping(self, timeout: float = 2.0) -> None:
        async with asyncio.timeout(timeout):
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.wakes.stop()
        await self.engine.dispose()


def database_of(app: FastAPI) -> Database:
    """The app's :class:`Database` (built in the lifespan); see :mod:`onewindow_kit.dependencies`."""
    db = getattr(app.state, "db", None)
    if not isinstance(db, Database):
        raise RuntimeError("app.state.db is not set: the lifespan has not run")
    return db


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """FastAPI dependency: one session per request, committed on success, rolled back on error."""
    async with database_of(request.app).transaction(read_only=request.method in ("GET", "HEAD")) as session:
        yield session


async def get_write_session(request: Request) -> AsyncIterator[AsyncSession]:
    """FastAPI dependency for a GET that also writes (an access-log row): on SQLite its transaction
    starts IMMEDIATE, so it queues for the write lock under the busy timeout. A DEFERRED read that
    later writes fails at once with "database is locked" when another writer committed meanwhile
    (SQLite cannot upgrade a stale snapshot, and the busy timeout does not apply)."""
    async with database_of(request.app).transaction() as session:
        yield session


# scope="function": the commit happens when the endpoint returns, *before* the response is sent.
# With FastAPI's default ("request") scope it would run after the client already saw 201.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
WriteSessionDep = Annotated[AsyncSession, Depends(get_write_session, scope="function")]


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC instants on both backends (SQLite has no timezone type)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: store aware UTC instants")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)
