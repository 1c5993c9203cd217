"""The background loop, started in the app's lifespan.

Each tick: expire proceedings whose clock ran out, announce overdue instalments, send session
reminders, and retry parked assignments. All state is in the database (nothing to lose on a
restart) and every effect is a conditional UPDATE checked by its row count, so several replicas on
PostgreSQL may run the loop at once without expiring or announcing anything twice. Each item runs in
its own transaction: one failing item is logged and retried on the next tick, never blocking the rest.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from onewindow_domain.calendar import CHINA_TZ, china_today
from onewindow_kit.db import Database, utcnow
from onewindow_kit.errors import Conflict
from onewindow_kit.events import publish
from onewindow_kit.worker import Worker
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mediation.actor import SYSTEM
from mediation.agreements import service as agreements
from mediation.agreements.models import Instalment
from mediation.assignment import service as assignment
from mediation.config import MediationSettings
from mediation.proceedings import service as proceedings
from mediation.proceedings.models import Proceeding
from mediation.proceedings.service import OPEN_STATES
from mediation.sessions.models import MediationSession

log = logging.getLogger("mediation.scheduler")


@dataclass
class TickReport:
    expired: list[str] = field(default_factory=list)
    overdue: list[str] = field(default_factory=list)
    reminded: list[str] = field(default_factory=list)
    assigned: list[str] = field(default_factory=list)


async def _ids(db: Database, stmt) -> list[str]:  # type: ignore[no-untyped-def]
    async with db.transaction(read_only=True) as session:
        return list((await session.execute(stmt)).scalars())


async def expire_due(*, db: Database, settings: MediationSettings, today: date, batch: int = 200) -> list[str]:
    """Expire open proceedings whose deadline is before ``today``; returns the ids expired by this call."""
    ids = await _ids(
        db,
        select(Proceeding.id)
        .where(Proceeding.status.in_(OPEN_STATES), Proceeding.deadline_on < today)
        .order_by(Proceeding.deadline_on, Proceeding.id)
        .limit(batch),
    )
    done = []
    for pid in ids:
        try:
            async with db.transaction() as session:
                p = await session.get(Proceeding, pid)
                if p is not None and p.status in OPEN_STATES and p.deadline_on < today:
                    await proceedings.expire(session=session, proceeding=p, settings=settings, today=today)
                    done.append(pid)
        except Conflict:
            log.info("proceeding moved meanwhile; not expired", extra={"proceeding_id": pid})
        except Exception:
            log.exception("expiry failed; retried next tick", extra={"proceeding_id": pid})
    return done


async def announce_overdue(*, db: Database, today: date, batch: int = 500) -> list[str]:
    """Announce each unpaid instalment past its due date, once."""
    ids = await _ids(
        db,
        select(Instalment.id)
        .where(Instalment.paid_on.is_(None), Instalment.overdue_notified_at.is_(None), Instalment.due_on < today)
        .order_by(Instalment.due_on)
        .limit(batch),
    )
    done = []
    for iid in ids:
        try:
            async with db.transaction() as session:
                if await agreements.announce_overdue(session=session, instalment_id=iid, today=today):
                    done.append(iid)
        except Exception:
            log.exception("overdue announcement failed; retried next tick", extra={"instalment_id": iid})
    return done


async def send_reminders(*, db: Database, now: datetime, hours: int, batch: int = 500) -> list[str]:
    """``mediation.session.reminded`` once per session starting within ``hours``."""
    ids = await _ids(
        db,
        select(MediationSession.id)
        .where(
            MediationSession.status == "scheduled",
            MediationSession.reminded_at.is_(None),
            MediationSession.starts_at > now,
            MediationSession.starts_at <= now + timedelta(hours=hours),
        )
        .limit(batch),
    )
    done = []
    for sid in ids:
        try:
            async with db.transaction() as session:
                if await _remind(session, sid, now):
                    done.append(sid)
        except Exception:
            log.exception("reminder failed; retried next tick", extra={"session_id": sid})
    return done


async def _remind(session: AsyncSession, session_id: str, now: datetime) -> bool:
    claimed = await session.execute(
        update(MediationSession)
        .where(
            MediationSession.id == session_id,
            MediationSession.reminded_at.is_(None),
            MediationSession.status == "scheduled",
        )
        .values(reminded_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        return False
    row = await session.get(MediationSession, session_id)
    assert row is not None
    p = await session.get(Proceeding, row.proceeding_id)
    assert p is not None
    where = f"调解室{row.room}" if row.mode == "in_person" else "在线视频"
    local = row.starts_at.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")
    await publish(
        session,
        type="mediation.session.reminded",
        case_id=p.case_id,
        data={
            **proceedings.base_event_data(p, f"调解会提醒：{local}，{where}"),
            "session": {
                "id": row.id,
                "mode": row.mode,
                "starts_at": row.starts_at,
                "ends_at": row.ends_at,
                "room": row.room,
            },
            "mediator": await proceedings.mediator_brief(session, row.mediator_id),
        },
    )
    return True


async def retry_parked(*, db: Database, settings: MediationSettings, batch: int = 50) -> list[str]:
    """Try again to assign parked proceedings (capacity frees up, leave ends, mediators register)."""
    ids = await _ids(
        db,
        select(Proceeding.id)
        .where(Proceeding.parked_at.is_not(None), Proceeding.mediator_id.is_(None), Proceeding.status.in_(OPEN_STATES))
        .order_by(Proceeding.deadline_on, Proceeding.id)
        .limit(batch),
    )
    done = []
    for pid in ids:
        try:
            async with db.transaction() as session:
                # The row lock makes a second replica wait, then see that it is no longer parked.
                p = (
                    await session.execute(
                        select(Proceeding)
                        .where(Proceeding.id == pid)
                        .with_for_update()
                        .execution_options(populate_existing=True)
                    )
                ).scalar_one_or_none()
                if p is None or p.parked_at is None or p.mediator_id is not None or p.status not in OPEN_STATES:
                    continue
                outcome = await assignment.retry_parked(
                    session=session, proceeding=p, actor=SYSTEM, settings=settings, record_failure=False
                )
                if outcome is not None and outcome.mediator_id:
                    done.append(pid)
        except Exception:
            log.exception("parked retry failed", extra={"proceeding_id": pid})
    return done


async def tick(
    *, db: Database, settings: MediationSettings, today: date | None = None, now: datetime | None = None
) -> TickReport:
    """One pass of every job (tests call this directly with a chosen ``today``)."""
    today = today or china_today()
    now = now or utcnow()
    report = TickReport()
    report.expired = await expire_due(db=db, settings=settings, today=today)
    report.overdue = await announce_overdue(db=db, today=today)
    report.reminded = await send_reminders(db=db, now=now, hours=settings.reminder_hours)
    report.assigned = await retry_parked(db=db, settings=settings)
    return report


class Scheduler(Worker):
    """Runs ``tick`` every ``interval`` seconds until stopped (the kit's ``Worker``: time-driven work,
    so no wake signal; a failed tick is retried with backoff)."""

    def __init__(self, *, db: Database, settings: MediationSettings) -> None:
        self.interval = settings.scheduler_interval_seconds
        super().__init__(
            name="mediation:scheduler",
            db=db,
            poll_seconds=self.interval,
            idle_seconds=self.interval,
            backoff_base=min(5.0, self.interval),
            backoff_max=self.interval,
        )
        self.settings = settings
        self.database = db
        self.ticks = 0

    async def run_once(self) -> float | None:
        report = await tick(db=self.database, settings=self.settings)
        self.ticks += 1
        if report.expired or report.overdue or report.assigned:
            log.info(
                "scheduler tick: %d expired, %d overdue, %d reminded, %d assigned",
                len(report.expired),
                len(report.overdue),
                len(report.reminded),
                len(report.assigned),
            )
        return self.interval
