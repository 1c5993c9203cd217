"""Events this module consumes, all kept on the agreement they name: the arbitration bridge's
仲裁审查确认 (``arbitration.review.requested`` / ``decided``, decision 0018), so the mediator and the
window see whether it became a 仲裁调解书; and the court bridge's 司法确认 and 支付令
(``court.confirmation.*``, ``court.payment_order.*``, decision 0017)."""

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


# -- enforceability: what the court bridge reports back (司法确认, 支付令) --------------------------------

CONFIRMATION_EVENTS = ("court.confirmation.requested", "court.confirmation.ruled")
PAYMENT_ORDER_EVENTS = tuple(
    f"court.payment_order.{verb}" for verb in ("requested", "accepted", "rejected", "issued", "objected", "paid")
)


async def follow_court(session: AsyncSession, event: EventEnvelope) -> None:
    """Record on the agreement the court's side of its enforceability: the 司法确认 application and
    ruling (valid → enforceable; dismissed → arbitration or suit), the 支付令 and its result."""
    proceeding_id = event.data.get("proceeding_id")
    if not proceeding_id:
        return  # a referral's application from before agreements carried the proceeding
    agreement = (
        await session.execute(select(Agreement).where(Agreement.proceeding_id == proceeding_id).with_for_update())
    ).scalar_one_or_none()
    if agreement is None:
        return
    keep = ("application_id", "ruling", "ruling_no", "ruled_on", "decide_by", "state", "order_no", "decided_on")
    status = {k: event.data[k] for k in keep if event.data.get(k) is not None}
    status |= {"event": event.type, "summary_zh": event.data.get("summary_zh"), "at": event.occurred_at.isoformat()}
    if event.type in CONFIRMATION_EVENTS:
        status["state"] = "requested" if event.type.endswith("requested") else str(event.data.get("ruling"))
        agreement.judicial_confirmation = status
    else:
        agreement.payment_order = status
    await session.flush()


EVENT_HANDLERS = {
    "arbitration.review.requested": on_review_event,
    "arbitration.review.decided": on_review_event,
    **dict.fromkeys((*CONFIRMATION_EVENTS, *PAYMENT_ORDER_EVENTS), follow_court),
}
