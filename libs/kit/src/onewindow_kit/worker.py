"""One base for every background loop: start, stop, wake, backoff, health and metrics.

A :class:`Worker` runs ``run_once()`` in a loop. Between passes it sleeps until one of three things:

- a :class:`WakeSignal` it listens to fires: ``signal.mark(session)`` in a transaction wakes the
  signal's workers once that transaction commits (nothing happens on rollback). On PostgreSQL the
  wake also travels as a ``NOTIFY`` to every other process and replica on the same database
  (``LISTEN`` on one asyncpg connection per process), so the one replica holding a lane's lock hears
  of work another replica wrote; on SQLite one process serves a database and the in-process signal
  is enough;
- the time ``run_once()`` asked for (a retry's backoff, the next item due);
- the idle timeout: long (``idle_seconds``) while wake-on-work is live, short (``poll_seconds``)
  while it is not (PostgreSQL listener down), so an idle stack does nothing and a broken listener
  only delays work.

A pass that raises is logged and retried after exponential backoff; nothing is lost, because the
work itself lives in the database. ``lock_key`` makes a worker exclusive across replicas with a
PostgreSQL session-level advisory lock (held on a connection of its own between passes).

Metrics go through the small :class:`WorkerMetrics` interface, so a Prometheus exporter can replace
the in-memory default without touching the loops.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import random
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection

from onewindow_kit.waiting import wait_event

if TYPE_CHECKING:
    from onewindow_kit.db import Database

log = logging.getLogger("onewindow.worker")

_PENDING = "onewindow.wake_signals"  # session.info key: the signals a commit should fire
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,40}$")


@dataclass(frozen=True)
class WakeSignal:
    """A named kind of work (``outbox``, ``webhooks``…); also the PostgreSQL NOTIFY channel."""

    name: str

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ValueError(f"wake signal names are lower-case identifiers, not {self.name!r}")

    @property
    def channel(self) -> str:
        return f"onewindow_wake_{self.name}"

    def mark(self, session: Any) -> None:
        """Wake this signal's workers after ``session`` (sync or async) commits."""
        pending: set[WakeSignal] = session.info.setdefault(_PENDING, set())
        pending.add(self)


def backoff_seconds(attempts: int, *, base: float, cap: float, jitter: float = 0.2) -> float:
    """Exponential backoff with ±``jitter``: base, 2·base, 4·base… capped at ``cap``."""
    delay: float = min(cap, base * (2 ** max(0, attempts - 1)))
    return delay * random.uniform(1 - jitter, 1 + jitter) if jitter else delay


def advisory_key(*parts: str) -> int:
    """A stable signed 64-bit key for ``pg_try_advisory_lock`` from names."""
    digest = hashlib.sha256(":".join(parts).encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def split_due(rows: Sequence[Any], now: datetime, *, limit: int) -> tuple[list[Any], float | None]:
    """``(id, due_at)`` rows ordered by ``due_at`` (at most ``limit``): the ids due now, and the seconds
    until the first one that is not (0 when the whole page was due: more may wait behind it)."""
    due = [row[0] for row in rows if row[1] <= now]
    if len(rows) >= limit and len(due) == len(rows):
        return due, 0.0
    later = [row[1] for row in rows if row[1] > now]
    return due, (min(later) - now).total_seconds() if later else None


def soonest(*waits: float | None) -> float | None:
    """The smallest of the waits that are set (None when none is)."""
    known = [w for w in waits if w is not None]
    return min(known) if known else None


# -- metrics -----------------------------------------------------------------------------------


class WorkerMetrics(Protocol):
    """What a worker reports; point it at Prometheus (or anything) by implementing these three."""

    def observe_pass(self, worker: str, seconds: float, ok: bool) -> None: ...

    def observe_wake(self, worker: str, reason: str) -> None: ...

    def set_running(self, worker: str, running: bool) -> None: ...


@dataclass
class WorkerStats:
    passes: int = 0
    failures: int = 0
    busy_seconds: float = 0.0
    wakes: dict[str, int] = field(default_factory=dict)
    running: bool = False


class InMemoryWorkerMetrics:
    """The default: counters per worker, read by :meth:`Worker.health`."""

    def __init__(self) -> None:
        self.stats: dict[str, WorkerStats] = {}

    def _of(self, worker: str) -> WorkerStats:
        return self.stats.setdefault(worker, WorkerStats())

    def observe_pass(self, worker: str, seconds: float, ok: bool) -> None:
        stats = self._of(worker)
        stats.passes += 1
        stats.busy_seconds += seconds
        if not ok:
            stats.failures += 1

    def observe_wake(self, worker: str, reason: str) -> None:
        wakes = self._of(worker).wakes
        wakes[reason] = wakes.get(reason, 0) + 1

    def set_running(self, worker: str, running: bool) -> None:
        self._of(worker).running = running


default_metrics = InMemoryWorkerMetrics()


# -- the wake hub: one per Database ---------------------------------------------------------------


class WakeHub:
    """Fans committed wake signals out to the workers of this process and, on PostgreSQL, to every
    other process on the database (NOTIFY/LISTEN over one asyncpg connection)."""

    def __init__(self, url: str) -> None:
        self.url = url
        parsed = make_url(url)
        self.is_postgres = parsed.get_backend_name() == "postgresql"
        self._events: dict[str, set[asyncio.Event]] = {}
        self._listening: set[str] = set()
        self._to_notify: set[str] = set()
        self._changed: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._connected = False
        self._live = asyncio.Event()

    # Called from SQLAlchemy's after_commit / after_rollback (sync context, on the loop's thread).
    # Both also fire when a SAVEPOINT (``session.begin_nested()``) is released or rolled back, with
    # the outer transaction still open: the marks wait for the outer commit. Firing at the release
    # woke the relay before the rows were visible; it found nothing, slept its idle timeout (30 s),
    # and the real commit had nothing left to fire -- events published inside a savepoint (every
    # assignment) waited up to 30 s. Dropping them at a savepoint's rollback lost the marks made
    # before it. A mark made inside a savepoint that is rolled back costs one spurious wake.
    def committed(self, session: Any) -> None:
        if session.in_nested_transaction():
            return
        pending: set[WakeSignal] | None = session.info.pop(_PENDING, None)
        if pending:
            self.fire(pending)

    @staticmethod
    def rolled_back(session: Any) -> None:
        if session.in_nested_transaction():
            return
        session.info.pop(_PENDING, None)

    def fire(self, signals: Iterable[WakeSignal], *, broadcast: bool = True) -> None:
        """Wake the local workers of ``signals`` now and (PostgreSQL) the other processes soon."""
        for signal in signals:
            self._wake_local(signal.name)
            if broadcast and self.is_postgres:
                self._to_notify.add(signal.channel)
        if self._to_notify:
            self._ensure_listening()
            assert self._changed is not None
            self._changed.set()

    def _ensure_listening(self) -> None:
        if self._task is None or self._task.done():
            self._changed = asyncio.Event()
            self._task = asyncio.create_task(self._listen(), name="wake-hub:listen")

    def _wake_local(self, name: str) -> None:
        for event in self._events.get(name, ()):
            event.set()

    @property
    def live(self) -> bool:
        """True when a commit anywhere on this database wakes the workers here."""
        return not self.is_postgres or self._connected

    async def wait_live(self) -> None:
        """Until wake-on-work is live (at once on SQLite)."""
        if self.is_postgres:
            self._ensure_listening()
            await self._live.wait()

    def subscribe(self, signals: Iterable[WakeSignal], event: asyncio.Event) -> None:
        for signal in signals:
            self._events.setdefault(signal.name, set()).add(event)
        if self.is_postgres:
            self._ensure_listening()
            assert self._changed is not None
            self._changed.set()  # perhaps a new channel to LISTEN on

    def unsubscribe(self, signals: Iterable[WakeSignal], event: asyncio.Event) -> None:
        for signal in signals:
            self._events.get(signal.name, set()).discard(event)

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        self._connected = False
        self._live.clear()

    async def _listen(self) -> None:
        import asyncpg  # PostgreSQL only

        parsed = make_url(self.url)
        failures = 0
        while True:
            conn: Any = None
            try:
                conn = await asyncpg.connect(
                    host=parsed.host,
                    port=parsed.port,
                    user=parsed.username,
                    password=parsed.password,
                    database=parsed.database,
                    timeout=10,
                )
                failures = 0
                await self._serve(conn)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                failures += 1
                log.warning("wake listener unavailable (%s); workers poll meanwhile", type(exc).__name__)
            finally:
                self._connected = False
                self._live.clear()
                if conn is not None:
                    with contextlib.suppress(Exception):
                        await asyncio.shield(conn.close(timeout=2))
            await asyncio.sleep(backoff_seconds(failures + 1, base=0.5, cap=30.0))

    async def _serve(self, conn: Any) -> None:
        """LISTEN on every subscribed channel and send our NOTIFYs, until the connection is lost."""
        lost = asyncio.Event()
        conn.add_termination_listener(lambda _c: lost.set())
        own_pid = conn.get_server_pid()

        def received(_conn: Any, pid: int, channel: str, _payload: str) -> None:
            if pid != own_pid:  # our own NOTIFYs were delivered locally already
                self._wake_local(channel.removeprefix("onewindow_wake_"))

        self._listening = set()
        assert self._changed is not None
        while not lost.is_set():
            self._changed.clear()
            for name in list(self._events):
                channel = WakeSignal(name).channel
                if channel not in self._listening:
                    await conn.add_listener(channel, received)
                    self._listening.add(channel)
            if not self._connected:
                self._connected = True
                self._live.set()
                for name in list(self._events):  # work written while we were away
                    self._wake_local(name)
            if self._to_notify:
                # Every pending channel in one simple-query round trip (the profile of issue 17 had
                # one NOTIFY round trip per channel at ~8% of intake's CPU under registration load).
                # If the send fails, the channels stay pending for the next connection.
                channels, self._to_notify = self._to_notify, set()
                try:
                    await conn.execute("".join(f'NOTIFY "{channel}";' for channel in sorted(channels)))
                except BaseException:
                    self._to_notify |= channels
                    raise
            waiter = asyncio.ensure_future(self._changed.wait())
            lost_waiter = asyncio.ensure_future(lost.wait())
            try:
                await asyncio.wait({waiter, lost_waiter}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                waiter.cancel()
                lost_waiter.cancel()


# -- the worker -----------------------------------------------------------------------------------


class Worker:
    """Subclass and implement :meth:`run_once`; ``start()`` in the startup hook, ``stop()`` at shutdown.

    ``run_once`` returns the seconds until it wants to run again: ``0`` for "more work right now",
    a number for "something falls due then", ``None`` for "nothing to do" (the worker then sleeps
    until woken, or the idle timeout)."""

    def __init__(
        self,
        *,
        name: str,
        db: Database | None = None,
        signals: Iterable[WakeSignal] = (),
        poll_seconds: float = 1.0,
        idle_seconds: float = 30.0,
        backoff_base: float = 1.0,
        backoff_max: float = 60.0,
        lock_key: int | None = None,
        metrics: WorkerMetrics | None = None,
    ) -> None:
        self.name = name
        self.db = db
        self.signals = tuple(signals)
        self.poll_seconds = poll_seconds
        self.idle_seconds = max(idle_seconds, poll_seconds)
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.lock_key = lock_key
        self.metrics: WorkerMetrics = metrics or default_metrics
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._lock_conn: AsyncConnection | None = None
        self.consecutive_failures = 0
        self.last_pass_at: datetime | None = None
        self.last_error: str | None = None

    async def run_once(self) -> float | None:
        raise NotImplementedError

    # -- lifecycle ------------------------------------------------------------------------------

    def wake(self) -> None:
        """Run the next pass now (or right after the current one)."""
        self._wake.set()

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        if self.running:
            return
        self._stopping = False
        if self.db is not None and self.signals:
            self.db.wakes.subscribe(self.signals, self._wake)
        self._task = asyncio.create_task(self._loop(), name=f"worker:{self.name}")
        self.metrics.set_running(self.name, True)

    async def stop(self) -> None:
        self._stopping = True
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        if self.db is not None and self.signals:
            self.db.wakes.unsubscribe(self.signals, self._wake)
        await self._release_lock()
        self.metrics.set_running(self.name, False)

    def health(self) -> dict[str, Any]:
        stats = default_metrics.stats.get(self.name) if self.metrics is default_metrics else None
        return {
            "worker": self.name,
            "running": self.running,
            "wake_on_work": bool(self.signals) and (self.db is None or self.db.wakes.live),
            "last_pass_at": self.last_pass_at.isoformat() if self.last_pass_at else None,
            "consecutive_failures": self.consecutive_failures,
            "last_error": self.last_error,
            "passes": stats.passes if stats else None,
            "wakes": dict(stats.wakes) if stats else None,
        }

    # -- the loop -------------------------------------------------------------------------------

    def idle_wait(self) -> float:
        live = bool(self.signals) and (self.db is None or self.db.wakes.live)
        return self.idle_seconds if live else self.poll_seconds

    async def _loop(self) -> None:
        while not self._stopping:
            wait: float | None
            started = time.monotonic()
            standby: float | None = None  # seconds to wait when another replica holds the lock
            try:
                if self.lock_key is not None and not await self._hold_lock():
                    wait = standby = self.poll_seconds * 5  # another replica runs this one
                else:
                    wait = await self.run_once()
                self.consecutive_failures = 0
                self.last_error = None
                ok = True
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                ok = False
                self.consecutive_failures += 1
                self.last_error = f"{type(exc).__name__}: {exc}"[:300]
                log.exception("worker %s pass failed; retrying", self.name, extra={"worker": self.name})
                await self._release_lock()
                wait = backoff_seconds(self.consecutive_failures, base=self.backoff_base, cap=self.backoff_max)
            self.last_pass_at = datetime.now(UTC)
            self.metrics.observe_pass(self.name, time.monotonic() - started, ok)
            if wait is not None and wait <= 0:
                await asyncio.sleep(0)  # let others run between batches
                continue
            if standby is not None:
                # The replica holding the lock is woken by the same commits; trying the lock on
                # every wake only cost a connection and a round trip per commit here. Retry on the
                # timer alone (takeover within poll_seconds × 5 when the holder dies).
                await asyncio.sleep(standby)
                self._wake.clear()
                self.metrics.observe_wake(self.name, "timer")
                continue
            timeout = self.idle_wait() if wait is None else min(wait, self.idle_wait())
            woken = await wait_event(self._wake, max(0.01, timeout))
            self._wake.clear()
            self.metrics.observe_wake(self.name, "signal" if woken else "timer")

    async def _hold_lock(self) -> bool:
        assert self.db is not None and self.lock_key is not None
        if self.db.is_sqlite:
            return True  # one process per SQLite database
        if self._lock_conn is not None:
            return True
        conn = await self.db.engine.connect()
        try:
            result = await conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.lock_key})
            got = bool(result.scalar())
            await conn.commit()
        except BaseException:
            await conn.close()
            raise
        if got:
            self._lock_conn = conn
        else:
            await conn.close()
        return got

    async def _release_lock(self) -> None:
        conn, self._lock_conn = self._lock_conn, None
        if conn is None:
            return
        with contextlib.suppress(Exception):
            await conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.lock_key})
            await conn.commit()
        with contextlib.suppress(Exception):
            await conn.close()
