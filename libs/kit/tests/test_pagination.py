"""Keyset pages (``keyset_page``): both orders, ties on the instant broken by the id, the last page
without a cursor, and a cursor that is not one, on a real database."""

from datetime import UTC, datetime, timedelta

import pytest
from onewindow_kit.db import Database, UtcDateTime
from onewindow_kit.errors import ValidationFailed
from onewindow_kit.pagination import keyset_page
from sqlalchemy import select
from sqlmodel import Field, SQLModel, col

pytestmark = pytest.mark.anyio

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


class Paged(SQLModel, table=True):
    __tablename__ = "test_keyset_paged"

    id: str = Field(primary_key=True, max_length=20)
    created_at: datetime = Field(sa_type=UtcDateTime)
    kind: str = Field(default="a", max_length=4)


@pytest.fixture
async def db(database_url):
    database = Database(database_url)
    async with database.transaction() as session:
        await session.run_sync(lambda s: SQLModel.metadata.create_all(s.connection(), tables=[Paged.__table__]))
        # r1, r2 share an instant (the id decides); r5 is of another kind.
        for row_id, minutes, kind in (("r1", 0, "a"), ("r2", 0, "a"), ("r3", 1, "a"), ("r4", 2, "a"), ("r5", 3, "b")):
            session.add(Paged(id=row_id, created_at=T0 + timedelta(minutes=minutes), kind=kind))
    yield database
    await database.dispose()


async def _all_pages(db: Database, *, limit: int, newest_first: bool) -> list[list[str]]:
    pages, cursor = [], None
    while True:
        async with db.transaction(read_only=True) as session:
            rows, cursor = await keyset_page(
                session,
                select(Paged).where(col(Paged.kind) == "a"),
                col(Paged.created_at),
                col(Paged.id),
                cursor=cursor,
                limit=limit,
                newest_first=newest_first,
            )
        pages.append([r.id for r in rows])
        if cursor is None:
            return pages


async def test_newest_first_pages_cover_every_row_once_in_order(db):
    assert await _all_pages(db, limit=3, newest_first=True) == [["r4", "r3", "r2"], ["r1"]]
    assert await _all_pages(db, limit=2, newest_first=True) == [["r4", "r3"], ["r2", "r1"]]


async def test_oldest_first_pages_cover_every_row_once_in_order(db):
    assert await _all_pages(db, limit=2, newest_first=False) == [["r1", "r2"], ["r3", "r4"]]
    assert await _all_pages(db, limit=4, newest_first=False) == [["r1", "r2", "r3", "r4"]]


async def test_a_cursor_that_is_not_one_is_a_422_on_the_cursor_field(db):
    async with db.transaction(read_only=True) as session:
        with pytest.raises(ValidationFailed) as failed:
            await keyset_page(session, select(Paged), col(Paged.created_at), col(Paged.id), cursor="garbage", limit=2)
    assert failed.value.errors[0]["field"] == "cursor"
