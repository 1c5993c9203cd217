"""Pooled connections on PostgreSQL: checked before use only after sitting idle (issue 17), and a
connection the server dropped is replaced before the transaction starts."""

import asyncpg
import pytest
from onewindow_kit import db as kit_db
from onewindow_kit.db import Database
from sqlalchemy import text
from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_connection

pytestmark = pytest.mark.anyio


@pytest.fixture
def pings(monkeypatch) -> list[int]:
    calls: list[int] = []
    real = AsyncAdapt_asyncpg_connection.ping

    def counting(self):  # type: ignore[no-untyped-def]
        calls.append(1)
        return real(self)

    monkeypatch.setattr(AsyncAdapt_asyncpg_connection, "ping", counting)
    return calls


async def _pid(database: Database) -> int:
    async with database.transaction() as session:
        return int((await session.execute(text("SELECT pg_backend_pid()"))).scalar_one())


@pytest.mark.parametrize("db_backend", ["postgresql"], indirect=True)
async def test_a_connection_back_in_the_pool_moments_ago_is_not_pinged(database_url, pings, monkeypatch):
    database = Database(database_url)
    try:
        first = await _pid(database)
        for _ in range(20):
            assert await _pid(database) == first  # one connection, reused
        assert pings == []  # pool_pre_ping would have pinged all 20 checkouts (3 round trips each)
        monkeypatch.setattr(kit_db, "PING_AFTER_IDLE_SECONDS", 0.0)
        assert await _pid(database) == first
        assert pings == [1]
    finally:
        await database.dispose()


@pytest.mark.parametrize("db_backend", ["postgresql"], indirect=True)
async def test_an_idle_connection_the_server_dropped_is_replaced_before_use(database_url, monkeypatch):
    database = Database(database_url)
    try:
        dropped = await _pid(database)
        admin = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://"))
        try:
            assert await admin.fetchval("SELECT pg_terminate_backend($1)", dropped)
        finally:
            await admin.close()
        monkeypatch.setattr(kit_db, "PING_AFTER_IDLE_SECONDS", 0.0)  # it has been idle "long enough"
        assert await _pid(database) != dropped  # no error reached the caller
    finally:
        await database.dispose()
