"""Referral service functions: keyword-only, one-line docstrings, ``flush()`` only (the caller's
session commits). Every change a court must hear about enqueues its webhook in the same transaction;
every change the other services must hear about publishes its event in the same transaction."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from onewindow_domain.calendar import china_today, default_calendar
from onewindow_domain.clocks import compute_due
from onewindow_kit.auth import Principal
from onewindow_kit.crypto import FieldCipher
from onewindow_kit.db import utcnow
from onewindow_kit.errors import Conflict, NotFound, StateConflict
from onewindow_kit.events import EventEnvelope, publish
from onewindow_kit.logs import redact
from onewindow_kit.pagination import decode_cursor, encode_cursor
from onewindow_kit.partners.models import Partner
from onewindow_kit.webhooks.outbox import enqueue
from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from court_bridge.referrals.models import Referral
from court_bridge.referrals.schemas import (
    FINAL_STATUSES,
    Agreement,
    Mediator,
    ReferralCreate,
    ReferralPublic,
    Result,
)

log = logging.getLogger("court_bridge.referrals")

PAYLOAD_CONTEXT = "referral_payload"
DEADLINE_RULES = {"pre_filing": "court_referral_30d", "in_litigation": "in_litigation_referral_15d"}
KIND_ZH = {"pre_filing": "诉前委派调解", "in_litigation": "诉中委托调解"}


def _calendar():
    # Lenient: a deadline in a year without a published holiday notice counts plain weeks rather than failing.
    return default_calendar().lenient()


def default_deadline(*, kind: str, referred_on: date) -> date:
    """30 days (委派) or 15 days (委托) after the referral, first day excluded, rolled past days off."""
    return compute_due(DEADLINE_RULES[kind], referred_on, calendar=_calendar()).due_on


def acceptance_due(*, received_on: date) -> date:
    """The centre answers within 3 working days of receipt (人民法院在线调解规则 第12条)."""
    return compute_due("court_referral_acceptance_3wd", received_on, calendar=_calendar()).due_on


# ---------------------------------------------------------------------------------------------
# Creating and reading (the court's side)
# ---------------------------------------------------------------------------------------------


def seal_payload(data: ReferralCreate, cipher: FieldCipher) -> str:
    return cipher.encrypt(data.model_dump_json(), context=PAYLOAD_CONTEXT)


def open_payload(referral: Referral, cipher: FieldCipher) -> ReferralCreate:
    return ReferralCreate.model_validate_json(cipher.decrypt(referral.payload_enc, context=PAYLOAD_CONTEXT))


def duplicate(existing_id: str, court_case_no: str) -> Conflict:
    return Conflict(
        f"a referral with court_case_no {court_case_no} already exists: {existing_id}",
        extra={"referral_id": existing_id},
    )


async def create_referral(
    *,
    session: AsyncSession,
    partner: Partner,
    data: ReferralCreate,
    cipher: FieldCipher,
    default_center_id: str,
    inline_seconds: float = 0.0,
) -> Referral:
    """Store a court's referral (its parties encrypted); 409 with the existing id for a known court_case_no."""
    existing = await _by_case_no(session, partner.id, data.court_case_no)
    if existing is not None:
        raise duplicate(existing, data.court_case_no)
    today = china_today()
    deadline = data.deadline or default_deadline(kind=data.kind, referred_on=data.referred_on)
    referral = Referral(
        partner_id=partner.id,
        court_case_no=data.court_case_no,
        kind=data.kind,
        court_name=data.court_name,
        referred_on=data.referred_on,
        deadline_on=deadline,
        received_on=today,
        accept_due_on=acceptance_due(received_on=today),
        center_id=partner.center_id or default_center_id,
        payload_enc=seal_payload(data, cipher),
        # The request registers it at intake itself; the worker steps in only if that did not finish.
        case_next_attempt_at=utcnow() + timedelta(seconds=inline_seconds),
    )
    try:
        async with session.begin_nested():
            session.add(referral)
            await session.flush()
    except IntegrityError:
        # A concurrent request with another key created the same court_case_no first.
        existing = await _by_case_no(session, partner.id, data.court_case_no)
        raise duplicate(existing or "unknown", data.court_case_no) from None
    return referral


async def _by_case_no(session: AsyncSession, partner_id: str, court_case_no: str) -> str | None:
    return (
        await session.execute(
            select(Referral.id).where(Referral.partner_id == partner_id, Referral.court_case_no == court_case_no)
        )
    ).scalar_one_or_none()


async def lock_referral(session: AsyncSession, referral_id: str) -> Referral | None:
    """The referral, row-locked until the transaction ends (PostgreSQL; SQLite's writers are serial
    already): two actors deciding at once (a clerk, the worker, a mediation event) take turns."""
    return await session.get(Referral, referral_id, with_for_update=True, populate_existing=True)


async def get_partner_referral(
    *, session: AsyncSession, partner_id: str, referral_id: str, for_update: bool = False
) -> Referral:
    """The referral if this court sent it (404 otherwise: another court's referral does not exist for you)."""
    referral = await (lock_referral(session, referral_id) if for_update else session.get(Referral, referral_id))
    if referral is None or referral.partner_id != partner_id:
        raise NotFound(f"referral {referral_id} does not exist")
    return referral


def to_public(referral: Referral) -> ReferralPublic:
    return ReferralPublic(
        referral_id=referral.id,
        court_case_no=referral.court_case_no,
        status=referral.status,
        case_no=referral.case_no,
        deadline=referral.deadline_on,
        mediator=Mediator.model_validate(referral.mediator) if referral.mediator else None,
        result=Result.model_validate(referral.result) if referral.result else None,
        updated_at=referral.updated_at,
    )


async def list_partner_referrals(
    *,
    session: AsyncSession,
    partner_id: str,
    status: str | None,
    updated_since: datetime | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[Referral], str | None]:
    """A court's referrals by last change, oldest first (a court syncs with ``updated_since``)."""
    query = (
        select(Referral)
        .where(Referral.partner_id == partner_id)
        .order_by(Referral.updated_at, Referral.id)
        .limit(limit + 1)
    )
    if status:
        query = query.where(Referral.status == status)
    if updated_since is not None:
        query = query.where(Referral.updated_at >= updated_since)
    if cursor:
        at, key = decode_cursor(cursor)
        query = query.where(or_(Referral.updated_at > at, and_(Referral.updated_at == at, Referral.id > key)))
    rows = list((await session.execute(query)).scalars())
    page = rows[:limit]
    next_cursor = encode_cursor(page[-1].updated_at, page[-1].id) if len(rows) > limit else None
    return page, next_cursor


# ---------------------------------------------------------------------------------------------
# Notifying the court (webhooks) and the other services (events)
# ---------------------------------------------------------------------------------------------


async def notify_court(
    session: AsyncSession,
    referral: Referral,
    event_type: str,
    data: Mapping[str, Any],
    *,
    cipher: FieldCipher,
    occurred_at: datetime | None = None,
) -> None:
    """Queue a contract webhook for the referral's court, in order behind its earlier ones."""
    await enqueue(
        session,
        partner_id=referral.partner_id,
        stream_key=referral.id,
        event_type=event_type,
        data={"referral_id": referral.id, "court_case_no": referral.court_case_no, **data},
        cipher=cipher,
        occurred_at=occurred_at,
    )


def _scrub(value: Any) -> Any:
    """Free text from courts or mediators may hold a phone or ID number: events never carry them."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: _scrub(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    return value


async def announce(session: AsyncSession, referral: Referral, event_type: str, summary_zh: str, **data: Any) -> None:
    """Publish a ``court.*`` event about the referral's case (intake's timeline, mediation)."""
    await publish(
        session,
        type=event_type,
        case_id=referral.case_id,
        data=_scrub(
            {
                "referral_id": referral.id,
                "court_case_no": referral.court_case_no,
                "kind": referral.kind,
                "partner_id": referral.partner_id,
                "summary_zh": summary_zh,
                **data,
            }
        ),
    )


def _touch(referral: Referral) -> None:
    referral.updated_at = utcnow()


def _actor(principal: Principal | None, fallback: str) -> str:
    return (principal.name or principal.subject) if principal else fallback


# ---------------------------------------------------------------------------------------------
# Registration at intake (the worker calls intake; this records the answer)
# ---------------------------------------------------------------------------------------------


def intake_case_body(referral: Referral, data: ReferralCreate) -> dict[str, Any]:
    """The registration form intake receives for a referral (decision 0006)."""
    return {
        "channel": "court_referral",
        "applicants": [a.model_dump(exclude_none=True) for a in data.applicants],
        "respondents": [r.model_dump(exclude_none=True) for r in data.respondents],
        "claims": [c.model_dump(mode="json", exclude_none=True) for c in data.claims],
        "facts": data.facts,
        "route": {
            "route": "mediation",
            "reason": f"{data.court_name}{KIND_ZH[referral.kind]}（{referral.court_case_no}）"[:500],
        },
        "deadline_on": referral.deadline_on.isoformat(),
        "external_ref": {
            "partner": "court",
            "partner_id": referral.partner_id,
            "referral_id": referral.id,
            "partner_case_no": referral.court_case_no,
            "kind": referral.kind,
        },
    }


async def complete_registration(*, session: AsyncSession, referral_id: str, case_id: str, case_no: str) -> bool:
    """Record the case intake registered (once, whoever learns it first) and tell the other services.
    Acceptance is a separate step (the worker, a clerk, or a mediator's assignment)."""
    taken = await session.execute(
        update(Referral)
        .where(Referral.id == referral_id, Referral.case_id.is_(None))
        .values(case_id=case_id, case_no=case_no, case_state="registered", case_last_error=None, updated_at=utcnow())
    )
    if taken.rowcount != 1:
        return False
    referral = await lock_referral(session, referral_id)
    assert referral is not None
    await announce(
        session,
        referral,
        "court.referral.received",
        f"{referral.court_name}{KIND_ZH[referral.kind]}，法院案号{referral.court_case_no}，调解期限至{referral.deadline_on.isoformat()}",
        deadline_on=referral.deadline_on.isoformat(),
        referred_on=referral.referred_on.isoformat(),
    )
    if referral.status == "withdrawn":
        # Withdrawn while intake was registering it: the case exists now, so stop its mediation.
        await announce(
            session,
            referral,
            "court.referral.withdrawn",
            "法院撤回委派调解",
            reason=(referral.result or {}).get("reason"),
        )
    elif referral.status == "declined":
        await announce(
            session,
            referral,
            "court.referral.declined",
            "中心不予接受法院委派",
            reason=(referral.result or {}).get("reason"),
        )
    await session.flush()
    return True


# ---------------------------------------------------------------------------------------------
# Decisions: the centre accepts or declines, the court withdraws
# ---------------------------------------------------------------------------------------------


async def accept_referral(
    *,
    session: AsyncSession,
    referral: Referral,
    principal: Principal | None,
    cipher: FieldCipher,
    actor: str | None = None,
) -> Referral:
    """Accept the referral: the court hears ``referral.accepted`` with the case number and deadline."""
    if referral.status != "received":
        raise StateConflict(
            f"a referral that is {referral.status} cannot be accepted", extra={"current_status": referral.status}
        )
    if referral.case_no is None:
        raise StateConflict(
            "the case is still being registered at intake; accept it once it has a case number",
            extra={"case_state": referral.case_state},
        )
    referral.status = "accepted"
    referral.accepted_at = utcnow()
    referral.decided_by = actor or _actor(principal, "auto")
    _touch(referral)
    await notify_court(
        session,
        referral,
        "referral.accepted",
        {"case_no": referral.case_no, "deadline": referral.deadline_on},
        cipher=cipher,
    )
    await announce(
        session, referral, "court.referral.accepted", f"中心已接受{KIND_ZH[referral.kind]}（{referral.court_case_no}）"
    )
    await session.flush()
    return referral


async def decline_referral(
    *, session: AsyncSession, referral: Referral, principal: Principal, reason: str, cipher: FieldCipher
) -> Referral:
    """Decline the referral with a reason: ``referral.declined`` to the court, mediation stops."""
    if referral.status != "received":
        raise StateConflict(
            f"a referral that is {referral.status} cannot be declined", extra={"current_status": referral.status}
        )
    now = utcnow()
    referral.status = "declined"
    referral.decided_by = _actor(principal, "staff")
    referral.result = _result("declined", reason=reason, decided_at=now)
    _touch(referral)
    await notify_court(session, referral, "referral.declined", {"reason": reason}, cipher=cipher)
    if referral.case_id:
        await announce(session, referral, "court.referral.declined", f"中心不予接受法院委派：{reason}", reason=reason)
    elif referral.case_state in ("pending", "rejected"):
        referral.case_state = "cancelled"
    await session.flush()
    return referral


async def withdraw_referral(*, session: AsyncSession, referral: Referral, reason: str) -> Referral:
    """The court withdraws its referral (409 once there is a result); mediation is told to stop."""
    if referral.status in FINAL_STATUSES:
        raise StateConflict(
            f"the referral already has a result ({referral.status}) and can no longer be withdrawn",
            extra={"current_status": referral.status},
        )
    now = utcnow()
    referral.status = "withdrawn"
    referral.result = _result("withdrawn", reason=reason, decided_at=now)
    _touch(referral)
    if referral.case_id:
        await announce(session, referral, "court.referral.withdrawn", f"法院撤回委派调解：{reason}", reason=reason)
    elif referral.case_state in ("pending", "rejected"):
        referral.case_state = "cancelled"
    await session.flush()
    return referral


def _result(
    outcome: str,
    *,
    decided_at: datetime,
    agreement: dict[str, Any] | None = None,
    reason: str | None = None,
    undisputed_facts: str | None = None,
    dispute_focus: str | None = None,
) -> dict[str, Any]:
    return Result(
        outcome=outcome,
        agreement=agreement,
        reason=reason,
        undisputed_facts=undisputed_facts,
        dispute_focus=dispute_focus,
        decided_at=decided_at,
    ).model_dump(mode="json")


# ---------------------------------------------------------------------------------------------
# Mediation's events become the referral's status and the court's webhooks
# ---------------------------------------------------------------------------------------------

RESULT_EVENTS = {
    "agreed": "agreed",
    "terminated": "failed",
    "declined": "failed",
    "withdrawn": "failed",
    "expired": "expired",
}


async def referral_for_event(session: AsyncSession, event: EventEnvelope) -> Referral | None:
    """The referral an event is about, from ``data.external_ref`` (None for other cases)."""
    ref = event.data.get("external_ref") or {}
    if not isinstance(ref, dict) or ref.get("partner") != "court" or not ref.get("referral_id"):
        return None
    referral = await lock_referral(session, str(ref["referral_id"]))
    if referral is None or (ref.get("partner_id") and ref["partner_id"] != referral.partner_id):
        log.warning("event names an unknown referral", extra={"event_id": str(event.id), "event_type": event.type})
        return None
    return referral


async def apply_case_registered(*, session: AsyncSession, event: EventEnvelope) -> bool:
    """``intake.case.registered`` of a referred case: completes a registration whose answer we missed."""
    referral = await referral_for_event(session, event)
    if referral is None or referral.case_id is not None or not event.case_id:
        return False
    return await complete_registration(
        session=session, referral_id=referral.id, case_id=event.case_id, case_no=str(event.data.get("case_no") or "")
    )


async def apply_proceeding_event(
    *, session: AsyncSession, event: EventEnvelope, cipher: FieldCipher
) -> Referral | None:
    """``mediation.proceeding.*`` of a referred case → status, mediator, result and webhooks, in order."""
    referral = await referral_for_event(session, event)
    if referral is None:
        return None
    verb = event.type.rsplit(".", 1)[1]
    if referral.status in FINAL_STATUSES:
        return None  # e.g. the proceeding withdrawn because the court withdrew: nothing more to say
    data = event.data
    if referral.case_id is None and event.case_id:
        # Mediation knows the case before we heard intake's answer: take it from the event.
        await complete_registration(
            session=session, referral_id=referral.id, case_id=event.case_id, case_no=str(data.get("case_no") or "")
        )
    if data.get("proceeding_id"):
        referral.proceeding_id = str(data["proceeding_id"])
    if verb != "assigned" and verb not in RESULT_EVENTS:
        await session.flush()
        return referral  # opened, accepted (by the parties), session_scheduled: no change for the court
    if referral.status == "received":
        # A mediator at work means the centre took the case: the court hears that first.
        await accept_referral(session=session, referral=referral, principal=None, cipher=cipher, actor="mediation")
    occurred_at = event.occurred_at
    if verb == "assigned":
        mediator = data.get("mediator") or {}
        public = Mediator(name=str(mediator.get("name") or ""), organisation=mediator.get("organisation"))
        referral.mediator = public.model_dump()
        referral.status = "in_mediation"
        _touch(referral)
        await notify_court(
            session,
            referral,
            "referral.mediator_assigned",
            {"mediator": public.model_dump()},
            cipher=cipher,
            occurred_at=occurred_at,
        )
        await session.flush()
        return referral
    outcome = RESULT_EVENTS[verb]
    if outcome == "agreed":
        agreement = Agreement.model_validate(data.get("agreement") or {}).model_dump(mode="json")
        referral.result = _result("agreed", agreement=agreement, decided_at=occurred_at)
        referral.status = "agreed"
        effective = (data.get("agreement") or {}).get("effective_on") or agreement["signed_on"]
        referral.agreement_effective_on = date.fromisoformat(str(effective))
        _touch(referral)
        await notify_court(
            session, referral, "referral.agreed", {"agreement": agreement}, cipher=cipher, occurred_at=occurred_at
        )
    elif outcome == "failed":
        reason = data.get("reason") or {"declined": "当事人不同意调解", "withdrawn": "申请人撤回调解申请"}.get(
            verb, "调解不成"
        )
        referral.result = _result(
            "failed",
            reason=reason,
            undisputed_facts=data.get("undisputed_facts"),
            dispute_focus=data.get("dispute_focus"),
            decided_at=occurred_at,
        )
        referral.status = "failed"
        _touch(referral)
        await notify_court(
            session,
            referral,
            "referral.failed",
            {
                "reason": reason,
                "undisputed_facts": data.get("undisputed_facts"),
                "dispute_focus": data.get("dispute_focus"),
            },
            cipher=cipher,
            occurred_at=occurred_at,
        )
    else:
        referral.result = _result(
            "expired",
            reason=data.get("reason"),
            undisputed_facts=data.get("undisputed_facts"),
            dispute_focus=data.get("dispute_focus"),
            decided_at=occurred_at,
        )
        referral.status = "expired"
        _touch(referral)
        await notify_court(session, referral, "referral.expired", {}, cipher=cipher, occurred_at=occurred_at)
    await session.flush()
    return referral


# ---------------------------------------------------------------------------------------------
# The clerks' desk
# ---------------------------------------------------------------------------------------------


def can_see(principal: Principal, referral: Referral) -> bool:
    return principal.has_any_role("admin") or principal.center_id == referral.center_id


async def get_staff_referral(
    *, session: AsyncSession, principal: Principal, referral_id: str, for_update: bool = False
) -> Referral:
    """The referral if it was sent to the caller's centre (404 otherwise)."""
    referral = await (lock_referral(session, referral_id) if for_update else session.get(Referral, referral_id))
    if referral is None or not can_see(principal, referral):
        raise NotFound(f"referral {referral_id} does not exist")
    return referral


async def list_staff_referrals(
    *,
    session: AsyncSession,
    principal: Principal,
    status: str | None,
    awaiting_decision: bool | None,
    case_state: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[Referral], str | None]:
    """Referrals of the caller's centre (all centres for admins), newest first."""
    query = select(Referral).order_by(Referral.created_at.desc(), Referral.id.desc()).limit(limit + 1)
    if not principal.has_any_role("admin"):
        query = query.where(Referral.center_id == principal.center_id)
    if status:
        query = query.where(Referral.status == status)
    if awaiting_decision is not None:
        query = (
            query.where(Referral.status == "received")
            if awaiting_decision
            else query.where(Referral.status != "received")
        )
    if case_state:
        query = query.where(Referral.case_state == case_state)
    if cursor:
        at, key = decode_cursor(cursor)
        query = query.where(or_(Referral.created_at < at, and_(Referral.created_at == at, Referral.id < key)))
    rows = list((await session.execute(query)).scalars())
    page = rows[:limit]
    return page, encode_cursor(page[-1].created_at, page[-1].id) if len(rows) > limit else None


async def retry_registration(*, session: AsyncSession, referral: Referral) -> Referral:
    """Put a rejected (or waiting) registration back in line to be tried now."""
    if referral.case_state not in ("pending", "rejected"):
        raise StateConflict(
            f"the case registration is {referral.case_state}", extra={"case_state": referral.case_state}
        )
    referral.case_state = "pending"
    referral.case_next_attempt_at = utcnow()
    await session.flush()
    return referral
