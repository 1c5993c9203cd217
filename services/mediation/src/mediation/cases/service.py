"""Events that open and end proceedings (docs/decisions/0006).

- ``intake.case.routed`` with ``route == "mediation"``: open a proceeding (source from
  ``external_ref``, clock from the source or the partner's ``deadline_on``) and assign a mediator
  at once; an assignment that fails parks the case, it never fails the delivery.
- ``intake.case.closed``: withdraw the case's open proceeding.
- ``court.referral.withdrawn`` / ``arbitration.referral.withdrawn``: withdraw the proceeding of
  that case (found by ``case_id``, else by the referral id).

The inbox records each event id in the same transaction, so a redelivery has no second effect.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import date
from decimal import Decimal
from typing import Any

from onewindow_kit.errors import ValidationFailed
from onewindow_kit.events import EventEnvelope
from onewindow_kit.logs import redact
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from mediation.actor import SYSTEM, Actor
from mediation.assignment import service as assignment
from mediation.config import MediationSettings
from mediation.proceedings import service as proceedings
from mediation.proceedings.models import Proceeding
from mediation.proceedings.service import OPEN_STATES, CaseRouted

log = logging.getLogger("mediation.cases")

CLOSE_REASON_ZH = {
    "withdrawn": "申请人撤回申请",
    "agreement_fulfilled": "协议已履行完毕",
    "not_accepted": "不予受理",
    "transferred": "案件已移交其他机构处理",
    "duplicate": "重复登记",
    "other": "窗口结案",
}

Handler = Callable[[AsyncSession, EventEnvelope], Awaitable[None]]


def _date(value: Any) -> date | None:
    return date.fromisoformat(str(value)) if value else None


def case_routed(event: EventEnvelope) -> CaseRouted:
    """What a proceeding keeps from ``intake.case.routed``."""
    d = event.data
    return CaseRouted(
        case_id=str(d.get("case_id") or event.case_id),
        case_no=str(d.get("case_no") or ""),
        center_id=str(d["center_id"]),
        street=d.get("street") or None,
        external_ref=d.get("external_ref") or None,
        collective=bool(d.get("collective")),
        worker_count=int(d.get("worker_count") or 1),
        risk_grade=str(d.get("risk_grade") or "green"),
        dispute_type=str(d.get("dispute_type") or "rights"),
        deadline_on=_date(d.get("deadline_on")),
        received_on=proceedings.received_on_of(d, event.occurred_at),
        claims=[
            {
                "category": c.get("category"),
                "amount": str(c.get("amount") or "0"),
                "final_award": bool(c.get("final_award")),
            }
            for c in d.get("claims") or []
        ],
        respondents=[
            {
                "name": r.get("name"),
                "credit_code": r.get("credit_code"),
                "role": r.get("role"),
                "industry": r.get("industry"),
            }
            for r in d.get("respondents") or []
        ],
        languages=[str(x) for x in d.get("languages") or []],
    )


async def open_from_routed(session: AsyncSession, event: EventEnvelope, *, settings: MediationSettings) -> None:
    """Open and assign a proceeding for a case routed to mediation."""
    if event.data.get("route") != "mediation":
        return
    async with proceedings.events_at_end(session):  # opened and assigned in one outbox statement (0034)
        await _open_and_assign(session, event, settings=settings)


async def _open_and_assign(session: AsyncSession, event: EventEnvelope, *, settings: MediationSettings) -> None:
    try:
        proceeding = await proceedings.open_proceeding(session=session, case=case_routed(event), settings=settings)
    except (KeyError, ValueError, TypeError) as exc:
        # A malformed event is refused with 422: the publisher's relay marks it dead — visible and
        # replayable by an admin — and goes on with the next case instead of retrying it forever.
        raise ValidationFailed(
            f"{event.type} {event.id} cannot open a proceeding: {type(exc).__name__}: {exc}"[:500],
            errors=[{"field": "data", "message": "事件内容不完整或含有不应传递的个人信息，无法立案"}],
        ) from exc
    if proceeding is None:
        log.info("case already has an open proceeding", extra={"case_id": event.case_id})
        return
    await assignment.assign_safely(session=session, proceeding=proceeding, actor=SYSTEM, settings=settings)


async def _open_proceedings_of(
    session: AsyncSession, *, case_id: str | None, referral_id: str | None
) -> list[Proceeding]:
    stmt = select(Proceeding).where(Proceeding.status.in_(OPEN_STATES))
    if case_id:
        stmt = stmt.where(Proceeding.case_id == case_id)
    elif referral_id:
        stmt = stmt.where(Proceeding.referral_id == referral_id)
    else:
        return []
    return list((await session.execute(stmt.order_by(Proceeding.opened_at))).scalars())


async def withdraw_on_case_closed(session: AsyncSession, event: EventEnvelope, *, settings: MediationSettings) -> None:
    """The window closed the case: its open proceeding ends as withdrawn."""
    reason_code = str(event.data.get("close_reason") or "other")
    for p in await _open_proceedings_of(session, case_id=event.case_id or event.data.get("case_id"), referral_id=None):
        await proceedings.withdraw(
            session=session,
            proceeding=p,
            actor=Actor("intake", "一窗受理"),
            reason=f"窗口结案：{CLOSE_REASON_ZH.get(reason_code, reason_code)}",
            settings=settings,
            reason_code=f"case_closed_{reason_code}",
        )


async def withdraw_on_referral_withdrawn(
    session: AsyncSession, event: EventEnvelope, *, settings: MediationSettings
) -> None:
    """The court or the arbitration commission withdrew its referral."""
    who = "法院" if event.type.startswith("court.") else "仲裁院"
    # The partner's free text goes into our events: mask anything shaped like an ID or phone number.
    reason = redact(str(event.data.get("reason") or event.data.get("summary_zh") or "委派方撤回"))
    found = await _open_proceedings_of(
        session, case_id=event.case_id or event.data.get("case_id"), referral_id=event.data.get("referral_id")
    )
    for p in found:
        await proceedings.withdraw(
            session=session,
            proceeding=p,
            actor=Actor(event.source, who),
            reason=f"{who}撤回委派：{reason}"[:1000],
            settings=settings,
            reason_code="referral_withdrawn",
        )


async def follow_case_corrected(session: AsyncSession, event: EventEnvelope, *, settings: MediationSettings) -> None:
    """The window corrected the case: the open proceeding's copy (claims, amount, workers,
    respondents) follows, and the change is on its history."""
    d = event.data
    for p in await _open_proceedings_of(session, case_id=event.case_id or d.get("case_id"), referral_id=None):
        before = {"total_claimed": str(p.total_claimed), "worker_count": p.worker_count}
        if "claims" in d:
            p.claims = [
                {
                    "category": c.get("category"),
                    "amount": str(c.get("amount") or "0"),
                    "final_award": bool(c.get("final_award")),
                }
                for c in d.get("claims") or []
            ]
            p.total_claimed = sum((Decimal(c["amount"]) for c in p.claims), Decimal("0"))
        if "respondents" in d:
            p.respondents = [
                {
                    "name": r.get("name"),
                    "credit_code": r.get("credit_code"),
                    "role": r.get("role"),
                    "industry": r.get("industry"),
                }
                for r in d.get("respondents") or []
            ]
        p.worker_count = int(d.get("worker_count") or p.worker_count)
        p.collective = bool(d.get("collective", p.collective))
        proceedings.record_change(
            session,
            p,
            Actor("intake", "一窗受理"),
            action="case_corrected",
            detail={
                "before": before,
                "after": {"total_claimed": str(p.total_claimed), "worker_count": p.worker_count},
                "fields": list(d.get("changed") or []),
            },
        )
        proceedings.bump(p)


async def rebase_on_deadline_changed(
    session: AsyncSession, event: EventEnvelope, *, settings: MediationSettings
) -> None:
    """The case's partner period now runs from the confirmation of acceptance (the court's: 人民法院在线调解
    规则 第24条): an open proceeding whose clock is still the partner's and was never extended follows it."""
    new = _date(event.data.get("deadline_on"))
    if new is None:
        return
    for p in await _open_proceedings_of(session, case_id=event.case_id or event.data.get("case_id"), referral_id=None):
        if not p.partner_deadline or p.extended_days or p.deadline_on == new:
            continue
        proceedings.record_change(
            session,
            p,
            Actor("intake", "一窗受理"),
            action="deadline_rebased",
            detail={"from": p.deadline_on.isoformat(), "to": new.isoformat()},
        )
        p.deadline_on = new
        p.deadline_basis_zh = f"委派方调解期限自确认接受委派之日起计算，至{new.isoformat()}"[:1000]
        p.deadline_at_risk = False
        proceedings.bump(p)
    await session.flush()


def event_handlers(settings: MediationSettings) -> dict[str, Handler]:
    """The inbox handlers of this module, bound to the service's settings."""

    def bind(fn: Callable[..., Awaitable[None]]) -> Handler:
        async def handler(session: AsyncSession, event: EventEnvelope) -> None:
            await fn(session, event, settings=settings)

        handler.__name__ = fn.__name__
        return handler

    return {
        "intake.case.routed": bind(open_from_routed),
        "intake.case.closed": bind(withdraw_on_case_closed),
        "intake.case.corrected": bind(follow_case_corrected),
        "intake.case.deadline_changed": bind(rebase_on_deadline_changed),
        "court.referral.withdrawn": bind(withdraw_on_referral_withdrawn),
        "arbitration.referral.withdrawn": bind(withdraw_on_referral_withdrawn),
    }
