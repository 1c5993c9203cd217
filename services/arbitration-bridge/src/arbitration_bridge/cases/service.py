"""Keeping the case read model up to date from events, and reading it for transfers and reviews."""

from __future__ import annotations

from datetime import date
from typing import Any

from onewindow_domain.calendar import china_date
from onewindow_kit.db import utcnow
from onewindow_kit.events import EventEnvelope
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from arbitration_bridge.cases.models import CaseRecord

ENDED = ("agreed", "terminated", "expired", "declined", "withdrawn")
STATUS_VERBS = ("opened", "assigned", "accepted", *ENDED)
# A worker whose mediation failed may choose arbitration (劳动争议调解仲裁法 第14条).
TRANSFERABLE = ("terminated", "expired")
# Mediation is voluntary (人民调解法 第17条): a worker who refused it — before any proceeding opened,
# by declining the proceeding, or by withdrawing — goes to arbitration directly. A proceeding still
# running is ended by its mediator first (intake's lifecycle says the same).
REFUSABLE = (None, "declined", "withdrawn", "terminated", "expired")
MEDIATION_ZH = {
    "opened": "已立案",
    "assigned": "已分派调解员",
    "accepted": "调解中",
    "agreed": "已达成协议",
    "terminated": "调解终结",
    "expired": "期限届满",
    "declined": "当事人拒绝调解",
    "withdrawn": "已撤回",
}


async def record_for_update(session: AsyncSession, case_id: str, *, create: bool) -> CaseRecord | None:
    """The case's record, row-locked; created when ``create`` (two events racing to create it: one wins)."""
    record = await session.get(CaseRecord, case_id, with_for_update=True, populate_existing=True)
    if record is not None or not create:
        return record
    try:
        async with session.begin_nested():
            record = CaseRecord(case_id=case_id)
            session.add(record)
            await session.flush()
        return record
    except IntegrityError:
        return await session.get(CaseRecord, case_id, with_for_update=True, populate_existing=True)


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


async def apply_intake_event(*, session: AsyncSession, event: EventEnvelope) -> None:
    """``intake.case.*``: the case's centre and number. A case routed to mediation is remembered;
    other cases only update a record that mediation's events created first."""
    if not event.case_id:
        return
    data = event.data
    # A case routed to mediation, or straight to arbitration (the worker refused mediation), is remembered.
    create = event.type == "intake.case.routed" and data.get("route") in ("mediation", "arbitration")
    record = await record_for_update(session, event.case_id, create=create)
    if record is None:
        return
    record.center_id = str(data.get("center_id") or record.center_id or "") or None
    record.case_no = str(data.get("case_no") or record.case_no or "") or None
    if data.get("external_ref") and record.external_ref is None:
        record.external_ref = data["external_ref"]
    if event.type == "intake.case.routed" and data.get("route"):
        record.route = str(data["route"])[:20]
        if record.source is None and data.get("route") == "arbitration":
            record.source = "window"
    record.updated_at = utcnow()
    await session.flush()


async def apply_agreement_event(*, session: AsyncSession, event: EventEnvelope) -> CaseRecord | None:
    """``mediation.agreement.payment_overdue``: the agreement is breached (the first overdue instalment
    is kept); ``mediation.agreement.fulfilled`` clears nothing (a breach already cured stays on record)."""
    if not event.case_id or event.type != "mediation.agreement.payment_overdue":
        return None
    record = await record_for_update(session, event.case_id, create=False)
    if record is None or record.agreement_breach is not None:
        return record
    instalment = event.data.get("instalment") or {}
    record.agreement_breach = {
        "agreement_no": event.data.get("agreement_no"),
        "due_on": str(instalment.get("due_on") or "") or None,
        "amount": str(instalment.get("amount") or "") or None,
        "noticed_on": china_date(event.occurred_at).isoformat(),
    }
    record.updated_at = utcnow()
    await session.flush()
    return record


async def apply_mediation_event(*, session: AsyncSession, event: EventEnvelope) -> CaseRecord | None:
    """``mediation.proceeding.*``: the latest proceeding's dates, mediator and outcome."""
    if not event.case_id:
        return None
    data = event.data
    verb = event.type.rsplit(".", 1)[1]
    record = await record_for_update(session, event.case_id, create=True)
    assert record is not None
    proceeding_id = str(data.get("proceeding_id") or "") or None
    if proceeding_id and proceeding_id != record.proceeding_id:
        # Another proceeding (the case mediated again): what the previous one left no longer holds.
        record.proceeding_id = proceeding_id
        record.mediation_status = record.mediator = record.opened_on = record.ended_on = None
        record.outcome_reason = record.undisputed_facts = record.dispute_focus = None
        record.agreement = record.agreement_effective_on = record.agreement_breach = None
    record.case_no = str(data.get("case_no") or record.case_no or "") or None
    record.source = str(data.get("source") or record.source or "window")
    if data.get("external_ref"):
        record.external_ref = data["external_ref"]
    record.deadline_on = _date(data.get("deadline_on")) or record.deadline_on
    if verb in STATUS_VERBS:
        record.mediation_status = verb
    if record.opened_on is None:  # the proceeding's first event is its opening
        record.opened_on = china_date(event.occurred_at)
    if data.get("mediator"):
        record.mediator = {"name": data["mediator"].get("name"), "organisation": data["mediator"].get("organisation")}
    if verb in ENDED:
        record.ended_on = china_date(event.occurred_at)
        record.outcome_reason = data.get("reason")
        record.undisputed_facts = data.get("undisputed_facts")
        record.dispute_focus = data.get("dispute_focus")
    if verb == "agreed" and isinstance(data.get("agreement"), dict):
        record.agreement = data["agreement"]
        effective = data["agreement"].get("effective_on") or data["agreement"].get("signed_on")
        record.agreement_effective_on = _date(effective)
    record.updated_at = utcnow()
    await session.flush()
    return record


def mediation_summary(record: CaseRecord) -> dict[str, Any]:
    """The mediation's dates and outcome as the commission receives them."""
    return {
        "proceeding_id": record.proceeding_id,
        "outcome": record.mediation_status,
        "opened_on": record.opened_on.isoformat() if record.opened_on else None,
        "ended_on": record.ended_on.isoformat() if record.ended_on else None,
        "deadline_on": record.deadline_on.isoformat() if record.deadline_on else None,
        "reason": record.outcome_reason,
        "dispute_focus": record.dispute_focus,
        "mediator": record.mediator,
    }
