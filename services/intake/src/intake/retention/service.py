"""Retention (DOMAIN.md §9, Rules-33 Art 24): personal data of closed case files is kept ≥ 5 years
(mediated) or ≥ 10 years (awarded), then anonymised by a job — never by a button.

The period runs from the day the case file was closed (China). Intake does not learn whether an
arbitration commission or a court decided by award, so every case that went on to either keeps the
longer period: the job errs on the side of keeping."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from onewindow_domain.calendar import CHINA_TZ, china_date
from onewindow_kit.db import Database
from onewindow_kit.storage import Storage
from onewindow_kit.worker import Worker
from sqlalchemy import exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from intake.attachments.models import Attachment
from intake.cases.models import CaseFile, CaseParty, PiiAccess, TimelineEntry
from intake.documents.models import CaseDocument
from intake.ledger.models import ServiceRecord
from intake.retention.models import CaseRetention
from intake.retention.schemas import PiiAccessPublic, RetentionClass, RetentionDue

log = logging.getLogger("intake.retention")

ANONYMISED_NAME = "（已匿名）"
ANONYMISED_FACTS = "（保存期限届满，个人信息已匿名化处理）"
# What stays of a generated document's data (the row keeps kind, version and digest: the archive index).
ANONYMISED_DATA = {"anonymised": True}
# Timeline kinds that show a case went on to arbitration or a court.
ONWARD_PREFIXES = ("arbitration.", "court.")
ONWARD_STATUSES = ("transferred_to_arbitration", "referred_to_court")
RETENTION_BATCH = 500  # case files anonymised per transaction


def add_years(day: date, years: int) -> date:
    """``day`` plus whole years; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


async def plan(
    *,
    session: AsyncSession,
    today: date,
    mediated_years: int,
    awarded_years: int,
    center_id: str | None = None,
    limit: int | None = None,
) -> list[RetentionDue]:
    """The closed, not yet anonymised case files whose retention period ended on or before ``today``
    (the ``limit`` closed longest ago, when given: the worker anonymises in batches).

    The database does the narrowing: only files closed before the shorter period's cut-off are read
    (a day's margin for 29 February and the China/UTC boundary; the exact due date is decided
    below), and whether a file went on to arbitration or a court is an ``EXISTS`` per row, not a list
    of ids sent back — at a million cases that list exceeded the driver's 32,767 parameters and the
    job failed on every pass."""
    shortest = min(mediated_years, awarded_years)
    cutoff = datetime.combine(add_years(today, -shortest) + timedelta(days=2), time.min, CHINA_TZ)
    onward = (
        exists()
        .where(
            col(TimelineEntry.case_id) == col(CaseFile.id),
            or_(*(col(TimelineEntry.kind).startswith(p) for p in ONWARD_PREFIXES)),
        )
        .label("onward")
    )
    query = (
        select(
            col(CaseFile.id),
            col(CaseFile.case_no),
            col(CaseFile.center_id),
            col(CaseFile.status),
            col(CaseFile.closed_at),
            onward,
        )
        .outerjoin(CaseRetention, col(CaseRetention.case_id) == col(CaseFile.id))
        .where(
            col(CaseFile.closed_at).is_not(None),
            col(CaseFile.closed_at) < cutoff,
            col(CaseRetention.case_id).is_(None),
        )
        .order_by(col(CaseFile.closed_at), col(CaseFile.id))
    )
    if center_id is not None:
        query = query.where(col(CaseFile.center_id) == center_id)
    due: list[RetentionDue] = []
    for row in (await session.execute(query)).all():
        awarded = bool(row.onward) or row.status in ONWARD_STATUSES
        closed_on = china_date(row.closed_at)  # not None: filtered above
        due_on = add_years(closed_on, awarded_years if awarded else mediated_years)
        if due_on <= today:
            due.append(
                RetentionDue(
                    case_id=row.id,
                    case_no=row.case_no,
                    center_id=row.center_id,
                    retention_class=RetentionClass.awarded if awarded else RetentionClass.mediated,
                    closed_on=closed_on,
                    due_on=due_on,
                )
            )
            if limit is not None and len(due) >= limit:
                break
    return due


async def anonymise(*, session: AsyncSession, cases: Sequence[RetentionDue], storage: Storage | None = None) -> int:
    """Remove the personal data of ``cases``: parties' names, identifiers, contacts and the facts; the
    service ledger's addresses and signatures; the data the generated documents were rendered from;
    and, with ``storage``, the stored files of those documents and of the evidence attachments (an
    ID copy, a pay slip are personal data through and through). Case numbers, claims, amounts, the
    timeline and each file's row (type, size, digest) stay (statistics and the archive index).

    The files are deleted inside the caller's transaction, before it commits: if the commit fails
    the next run finds the case again and deletes what is left (deleting a missing file is no error),
    whereas deleting after the commit could leave files no run would ever look for again."""
    if not cases:
        return 0
    ids = [c.case_id for c in cases]
    await session.execute(
        update(CaseParty)
        .where(col(CaseParty.case_id).in_(ids), col(CaseParty.role) != "respondent")
        .values(name=ANONYMISED_NAME)
    )
    await session.execute(
        update(CaseParty)
        .where(col(CaseParty.case_id).in_(ids))
        .values(
            id_number_enc=None,
            id_number_hash=None,
            id_number_masked=None,
            sex=None,
            birth_on=None,
            phone_enc=None,
            phone_hash=None,
            phone_masked=None,
            address=None,
            occupation=None,
            legal_representative=None,
        )
    )
    await session.execute(update(CaseFile).where(col(CaseFile.id).in_(ids)).values(facts=ANONYMISED_FACTS))
    await session.execute(
        update(ServiceRecord).where(col(ServiceRecord.case_id).in_(ids)).values(address=None, signed_by=None, note=None)
    )
    keys = list(
        (
            await session.execute(select(col(CaseDocument.storage_key)).where(col(CaseDocument.case_id).in_(ids)))
        ).scalars()
    )
    keys += list(
        (await session.execute(select(col(Attachment.storage_key)).where(col(Attachment.case_id).in_(ids)))).scalars()
    )
    await session.execute(update(CaseDocument).where(col(CaseDocument.case_id).in_(ids)).values(data=ANONYMISED_DATA))
    await session.execute(
        update(Attachment).where(col(Attachment.case_id).in_(ids)).values(file_name=ANONYMISED_NAME, description=None)
    )
    if storage is not None:
        for key in keys:
            if key:
                await storage.delete(key)
    session.add_all(
        CaseRetention(case_id=c.case_id, retention_class=c.retention_class.value, due_on=c.due_on) for c in cases
    )
    await session.flush()
    log.info("retention: %d stored files of %d case files deleted", len(keys) if storage else 0, len(ids))
    return len(ids)


async def access_log(
    *, session: AsyncSession, center_id: str, after: int | None, limit: int
) -> tuple[list[PiiAccessPublic], int | None]:
    """The centre's personal-data access log, newest first."""
    query = (
        select(PiiAccess, col(CaseFile.case_no))
        .join(CaseFile, col(CaseFile.id) == col(PiiAccess.case_id))
        .where(col(CaseFile.center_id) == center_id)
        .order_by(col(PiiAccess.id).desc())
        .limit(limit + 1)
    )
    if after is not None:
        query = query.where(col(PiiAccess.id) < after)
    rows = (await session.execute(query)).all()
    items = [
        PiiAccessPublic(
            id=access.id or 0,
            case_id=access.case_id,
            case_no=case_no,
            actor=access.actor,
            actor_roles=access.actor_roles,
            fields=access.fields,
            purpose=access.purpose,
            at=access.at,
        )
        for access, case_no in rows[:limit]
    ]
    return items, (items[-1].id if len(rows) > limit else None)


class RetentionWorker(Worker):
    """Runs the retention plan every ``interval`` seconds; anonymises only when ``apply`` is set,
    otherwise logs the dry run (case ids only)."""

    def __init__(
        self,
        *,
        db: Database,
        mediated_years: int,
        awarded_years: int,
        apply: bool,
        interval: float,
        storage: Storage | None = None,
    ) -> None:
        # One replica runs it (advisory lock on PostgreSQL).
        super().__init__(name="retention", db=db, poll_seconds=interval, idle_seconds=interval, lock_key=15_000_001)
        self.mediated_years = mediated_years
        self.awarded_years = awarded_years
        self.apply = apply
        self.interval = interval
        self.storage = storage

    async def run_once(self) -> float | None:
        from onewindow_domain.calendar import china_today

        assert self.db is not None
        today = china_today()
        while True:
            # One batch per transaction when applying: a first run over years of history must not
            # hold one transaction (and its locks) over every case file at once.
            async with self.db.transaction(read_only=not self.apply) as session:
                due = await plan(
                    session=session,
                    today=today,
                    mediated_years=self.mediated_years,
                    awarded_years=self.awarded_years,
                    limit=RETENTION_BATCH if self.apply else None,
                )
                if self.apply:
                    await anonymise(session=session, cases=due, storage=self.storage)
            log.info(
                "retention %s: %d case files past their period",
                "applied" if self.apply else "dry run",
                len(due),
                extra={"case_ids": ",".join(c.case_id for c in due[:50])},
            )
            if not self.apply or len(due) < RETENTION_BATCH:
                break
        return self.interval
