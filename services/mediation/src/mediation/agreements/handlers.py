"""Events this module consumes: the arbitration bridge's 仲裁审查确认 of an agreement
(``arbitration.review.requested`` / ``decided``, decision 0018) is kept on the agreement, so the
mediator and the window see whether it became a 仲裁调解书."""

from __future__ import annotations

from datetime import date
from typing import Any

from onewindow_kit.events import EventEnvelope
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from mediation.agreements.models import Agreement


def _date(value: Any) -> str | None:
    try:
        return date.fromisoformat(str(value)).isoformat() if value else None
    except ValueError:
        return None


async def on_review_event(session: AsyncSession, event: EventEnvelope) -> None:
    """Record the review's state on the agreement it names; an unknown agreement is ignored.
    A decision is final: a late ``requested`` (events of two streams) does not undo it."""
    data = event.data
    agreement_no = data.get("agreement_no")
    if not agreement_no:
        return
    agreement = (
        await session.execute(
            select(Agreement).where(col(Agreement.agreement_no) == str(agreement_no)).with_for_update()
        )
    ).scalar_one_or_none()
    if agreement is None:
        return
    current = dict(agreement.arbitration_review or {})
    if event.type == "arbitration.review.requested":
        if current.get("state") in ("confirmed", "refused"):
            return
        current |= {"state": "requested", "review_id": data.get("review_id"), "due_on": _date(data.get("due_on"))}
    else:
        decision = data.get("decision")
        if decision not in ("confirmed", "refused"):
            return
        current |= {
            "state": decision,
            "review_id": data.get("review_id") or current.get("review_id"),
            "document_no": data.get("document_no"),
            "decided_on": _date(data.get("decided_on")),
            "reason": data.get("reason"),
        }
    agreement.arbitration_review = current
    await session.flush()


EVENT_HANDLERS = {
    "arbitration.review.requested": on_review_event,
    "arbitration.review.decided": on_review_event,
}
