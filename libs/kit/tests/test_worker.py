"""The one Worker base: wake signals fire on commit (never on rollback), travel across processes
on PostgreSQL, and a failing pass is retried with backoff."""

import asyncio
import contextlib
import uuid

import onewindow_kit.events.models  # noqa: F401
import pytest
from onewindow_kit.db import Database
from onewindow_kit.events.models import InboxEvent
from onewindow_kit.worker import WakeSignal, Worker, split_due
from sqlalchemy import insert

pytestmark = pytest.mark.anyio

WORK = WakeSignal("kit_test_work")
GUARD = 30  # seconds: only a hang would reach this; nothing is timed


async def _write(db: Database, *, mark: bool, commit: bool, note: str) -> None:
    async with db.sessionmaker() as session:
        await session.execute(insert(InboxEvent).values(event_id=uuid.uuid4(), type="t", source=note))
        if mark:
            WORK.mark(session)
        if commit:
            await session.commit()
        else:
            await session.rollback()


async def _until_live(db: Database) -> None:
    async with asyncio.timeout(GUARD):
        await db.wakes.wait_live()


async def test_a_commit_fires_its_signal_and_a_rollback_does_not(database_url):
    db = Database(database_url)
    woken = asyncio.Event()
    db.wakes.subscribe([WORK], woken)
    try:
        await _until_live(db)
        woken.clear()  # (set once when the PostgreSQL listener connects: work may have been missed)
        await _write(db, mark=True, commit=False, note="rolled-back")
        assert not woken.is_set()
        await _write(db, mark=False, commit=True, note="unmarked")
        assert not woken.is_set()
        await _write(db, mark=True, commit=True, note="marked")
        assert woken.is_set()  # in-process: synchronously in after_commit
    finally:
        db.wakes.unsubscribe([WORK], woken)
        await db.dispose()


async def test_a_signal_marked_in_a_savepoint_fires_at_the_outer_commit_not_before(database_url):
    """A savepoint's release or rollback is not the commit: a worker woken then would find nothing
    visible yet and sleep its idle timeout, and the real commit would have nothing left to fire."""
    db = Database(database_url)
    woken = asyncio.Event()
    db.wakes.subscribe([WORK], woken)
    try:
        await _until_live(db)
        woken.clear()
        async with db.sessionmaker() as session:
            WORK.mark(session)  # marked in the outer transaction, before a savepoint that fails
            with contextlib.suppress(ValueError):
                async with session.begin_nested():
                    await session.execute(insert(InboxEvent).values(event_id=uuid.uuid4(), type="t", source="sp"))
                    raise ValueError("the savepoint rolls back")
            async with session.begin_nested():
                await session.execute(insert(InboxEvent).values(event_id=uuid.uuid4(), type="t", source="sp2"))
                WORK.mark(session)
            assert not woken.is_set(), "fired at the savepoint, before the work is visible"
            await session.commit()
        assert woken.is_set(), "the outer commit did not fire the signal"
    finally:
        db.wakes.unsubscribe([WORK], woken)
        await db.dispose()


async def test_on_postgresql_a_commit_wakes_the_workers_of_another_process(database_url, db_backend):
    if db_backend == "sqlite":
        pytest.skip("one process per SQLite database: the in-process signal is the whole story")
    writer, listener = Database(database_url), Database(database_url)  # two processes' worth
    woken = asyncio.Event()
    listener.wakes.subscribe([WORK], woken)
    try:
        await _until_live(listener)
        woken.clear()
        await _write(writer, mark=True, commit=True, note="from-the-other-process")
        async with asyncio.timeout(GUARD):
            await woken.wait()
    finally:
        listener.wakes.unsubscribe([WORK], woken)
        await writer.dispose()
        await listener.dispose()


class _Counting(Worker):
    def __init__(self, db: Database, fail_first: int = 0) -> None:
        super().__init__(
            name="kit-test", db=db, signals=[WORK], poll_seconds=3600, idle_seconds=3600, backoff_base=0.01
        )
        self.passes = 0
        self.fail_first = fail_first
        self.ran = asyncio.Event()

    async def run_once(self) -> float | None:
        self.passes += 1
        if self.passes <= self.fail_first:
            raise RuntimeError("transient")
        self.ran.set()
        return None


async def test_an_idle_worker_sleeps_until_a_commit_wakes_it(database_url):
    db = Database(database_url)
    db.wakes.subscribe([WORK], asyncio.Event())
    await _until_live(db)  # (on PostgreSQL connecting wakes everyone once: work may have been missed)
    worker = _Counting(db)
    worker.start()
    try:
        async with asyncio.timeout(GUARD):
            await worker.ran.wait()  # the first pass runs at start
        worker.ran.clear()
        assert worker.passes == 1  # idle_seconds is an hour: only a wake can bring the next pass
        await _write(db, mark=True, commit=True, note="work")
        async with asyncio.timeout(GUARD):
            await worker.ran.wait()
        assert worker.passes == 2
        assert worker.health()["running"] is True
    finally:
        await worker.stop()
        await db.dispose()
    assert worker.health()["running"] is False


async def test_a_failing_pass_is_retried_with_backoff_not_given_up(database_url):
    db = Database(database_url)
    worker = _Counting(db, fail_first=3)
    worker.start()
    try:
        async with asyncio.timeout(GUARD):
            await worker.ran.wait()
        assert worker.passes == 4
        assert worker.consecutive_failures == 0 and worker.last_error is None
    finally:
        await worker.stop()
        await db.dispose()


def test_split_due_tells_due_items_from_the_next_deadline():
    from datetime import UTC, datetime, timedelta

    now = datetime(2026, 12, 1, tzinfo=UTC)
    rows = [(1, now - timedelta(seconds=5)), (2, now), (3, now + timedelta(seconds=7))]
    assert split_due(rows, now, limit=50) == ([1, 2], 7.0)
    assert split_due(rows[:2], now, limit=2) == ([1, 2], 0.0)  # a full page due: look again at once
    assert split_due([], now, limit=50) == ([], None)


class _Replica(_Counting):
    """A worker with a replica lock, counting how often it asks PostgreSQL for the lock."""

    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self.lock_key = 0x5E5_11 * 7919  # any key no other test uses
        self.lock_attempts = 0
        self.asked = asyncio.Event()

    async def _hold_lock(self) -> bool:
        if self._lock_conn is None:
            self.lock_attempts += 1
            self.asked.set()
        return await super()._hold_lock()


async def test_a_standby_replica_does_not_try_the_lock_on_every_commit(database_url, db_backend):
    """With two replicas, the one without the lock used to ask for it on every commit's wake (a
    connection and a round trip per commit per lane); it retries on its timer only."""
    if db_backend == "sqlite":
        pytest.skip("one process per SQLite database: there is no replica lock")
    one, two = Database(database_url), Database(database_url)
    holder, standby = _Replica(one), _Replica(two)
    try:
        await _until_live(one)
        await _until_live(two)
        holder.start()
        async with asyncio.timeout(GUARD):
            await holder.ran.wait()
        standby.start()
        async with asyncio.timeout(GUARD):
            await standby.asked.wait()
        for n in range(5):
            holder.ran.clear()
            await _write(one, mark=True, commit=True, note=f"work-{n}")
            async with asyncio.timeout(GUARD):
                await holder.ran.wait()
        await asyncio.sleep(0.5)  # the standby got the same NOTIFYs; give it time to (wrongly) act
        assert standby.passes == 0
        assert standby.lock_attempts == 1
    finally:
        await holder.stop()
        await standby.stop()
        await one.dispose()
        await two.dispose()
