"""The bridge worker's one step pattern (``attempt``) and its due-row query, on a real database."""

from datetime import timedelta

import pytest
from onewindow_kit.bridge.casefile import IntakeError
from onewindow_kit.bridge.worker import attempt, due_ids
from onewindow_kit.db import Database, UtcDateTime, utcnow
from sqlmodel import Field, SQLModel

pytestmark = pytest.mark.anyio


class HandOff(SQLModel, table=True):
    __tablename__ = "test_bridge_hand_off"

    id: str = Field(primary_key=True, max_length=20)
    state: str = Field(default="preparing", max_length=12)
    attempts: int = 0
    last_error: str | None = Field(default=None, max_length=500)
    next_attempt_at: object = Field(default_factory=utcnow, sa_type=UtcDateTime)
    result: str | None = Field(default=None, max_length=100)


class Retry:
    retry_base_seconds = 10.0
    retry_max_seconds = 100.0


@pytest.fixture
async def db(database_url):
    database = Database(database_url)
    async with database.transaction() as session:
        await session.run_sync(lambda s: SQLModel.metadata.create_all(s.connection(), tables=[HandOff.__table__]))
        session.add(HandOff(id="due-1"))
        session.add(HandOff(id="due-2", next_attempt_at=utcnow() - timedelta(seconds=5)))
        session.add(HandOff(id="later", next_attempt_at=utcnow() + timedelta(seconds=120)))
        session.add(HandOff(id="sent", state="sent"))
    yield database
    await database.dispose()


async def _row(db: Database, row_id: str) -> HandOff:
    async with db.transaction(read_only=True) as session:
        row = await session.get(HandOff, row_id)
    assert row is not None
    return row


def _preparing(row: HandOff) -> bool:
    return row.state == "preparing"


async def _record(session, result: tuple[str, str]) -> None:
    row = await session.get(HandOff, result[0])
    row.state, row.result = "sent", result[1]


async def test_due_rows_come_oldest_first_with_the_wait_for_the_next(db):
    async with db.transaction(read_only=True) as session:
        ids, wait = await due_ids(
            session, HandOff, state_column="state", state="preparing", at_column="next_attempt_at", now=utcnow()
        )
    assert ids == ["due-2", "due-1"]
    assert wait is not None and 100 < wait <= 120


async def test_a_retryable_error_counts_an_attempt_and_backs_off(db):
    async def down(row):
        raise IntakeError("intake did not answer", retry=True)

    before = utcnow()
    outcome = await attempt(db, Retry(), model=HandOff, row_id="due-1", ready=_preparing, call=down, record=_record)
    row = await _row(db, "due-1")
    assert outcome == "retry"
    assert (row.state, row.attempts, row.last_error) == ("preparing", 1, "intake did not answer")
    assert row.next_attempt_at >= before + timedelta(seconds=8)  # 10 s ± 20 %


async def test_a_refusal_goes_to_on_refused_and_is_not_retried(db):
    async def refuse(row):
        raise IntakeError("intake answered 422", retry=False, status=422)

    def refused(row, exc):
        row.state = "rejected"

    outcome = await attempt(
        db, Retry(), model=HandOff, row_id="due-1", ready=_preparing, call=refuse, record=_record, on_refused=refused
    )
    row = await _row(db, "due-1")
    assert outcome == "refused"
    assert (row.state, row.attempts, row.last_error) == ("rejected", 1, "intake answered 422")


async def test_success_records_once_and_a_row_no_longer_ready_is_skipped(db):
    calls = []

    async def answer(row):
        calls.append(row.id)
        return row.id, "ok"

    assert (
        await attempt(db, Retry(), model=HandOff, row_id="due-1", ready=_preparing, call=answer, record=_record)
        == "done"
    )
    assert (await _row(db, "due-1")).result == "ok"
    assert (
        await attempt(db, Retry(), model=HandOff, row_id="due-1", ready=_preparing, call=answer, record=_record)
        == "skipped"
    )
    assert (
        await attempt(db, Retry(), model=HandOff, row_id="sent", ready=_preparing, call=answer, record=_record)
        == "skipped"
    )
    assert (
        await attempt(db, Retry(), model=HandOff, row_id="missing", ready=_preparing, call=answer, record=_record)
        == "skipped"
    )
    assert calls == ["due-1"]
