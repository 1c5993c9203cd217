"""Who besides the centre's staff reads a case: the mediator and the panel of its proceeding.

Intake owns the case file and mediation owns assignments; intake learns who was assigned from
``mediation.proceeding.assigned`` (its ``mediator`` carries the staff account's subject or login,
as the notifications use it) and who sits on a tripartite panel from
``mediation.proceeding.panel_set``, and keeps one grant row per reader (docs/decisions/0022).
"""

from __future__ import annotations

from typing import Any

from onewindow_kit.auth import Principal
from onewindow_kit.events import EventEnvelope
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from intake.cases.models import CaseFile, CaseGrant
from intake.cases.service.partner_events import apply_partner_event
from intake.notifications.service import audiences_of, mediator_audience


async def is_granted(*, session: AsyncSession, principal: Principal, case_id: str) -> bool:
    """True when a mediator ``principal`` was assigned to (or sits on the panel of) the case's proceeding."""
    if not principal.has_any_role("mediator"):
        return False
    found = await session.execute(
        select(CaseGrant.id)
        .where(CaseGrant.case_id == case_id, CaseGrant.audience.in_(audiences_of(principal)))
        .limit(1)
    )
    return found.scalar_one_or_none() is not None


async def _replace(
    session: AsyncSession, *, case_id: str, reason: str, proceeding_id: str | None, audiences: list[str]
) -> None:
    await session.execute(delete(CaseGrant).where(CaseGrant.case_id == case_id, CaseGrant.reason == reason))
    for audience in dict.fromkeys(audiences):
        session.add(CaseGrant(case_id=case_id, audience=audience, reason=reason, proceeding_id=proceeding_id))
    await session.flush()


async def follow_assignment(session: AsyncSession, event: EventEnvelope) -> None:
    """``mediation.proceeding.assigned``: the timeline as before, and the (new) mediator may read the
    case; a reassigned mediator's grant goes."""
    await apply_partner_event(session, event)
    if not event.case_id or await session.get(CaseFile, event.case_id) is None:
        return
    audience = mediator_audience(event.data.get("mediator"))
    await _replace(
        session,
        case_id=event.case_id,
        reason="mediator",
        proceeding_id=event.data.get("proceeding_id"),
        audiences=[audience] if audience else [],
    )


async def follow_panel(session: AsyncSession, event: EventEnvelope) -> None:
    """``mediation.proceeding.panel_set``: the panel's registered mediators may read the case."""
    await apply_partner_event(session, event)
    if not event.case_id or await session.get(CaseFile, event.case_id) is None:
        return
    members: list[dict[str, Any]] = event.data.get("members") or []
    audiences = [a for a in (mediator_audience(m) for m in members) if a]
    await _replace(
        session,
        case_id=event.case_id,
        reason="panel",
        proceeding_id=event.data.get("proceeding_id"),
        audiences=audiences,
    )


EVENT_HANDLERS = {
    "mediation.proceeding.assigned": follow_assignment,
    "mediation.proceeding.panel_set": follow_panel,
}
