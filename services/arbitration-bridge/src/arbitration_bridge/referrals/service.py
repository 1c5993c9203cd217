"""Referral service functions: keyword-only, one-line docstrings, ``flush()`` only (the caller's
session commits). Every change a commission must hear about enqueues its webhook in the same
transaction; every change the other services must hear about publishes its event in the same
transaction."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from onewindow_domain.calendar import china_today, default_calendar
from onewindow_domain.clocks import ClockRule, ClockUnit, compute_due
from onewindow_kit.auth import Principal
from onewindow_kit.crypto import FieldCipher
from onewindow_kit.db import utcnow
from onewindow_kit.errors import Conflict, NotFound, StateConflict
from onewindow_kit.events import EventEnvelope
from onewindow_kit.pagination import decode_cursor, encode_cursor
from onewindow_kit.partners.models import Partner
from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from arbitration_bridge.messages import announce, notify, scrub
from arbitration_bridge.referrals.models import Referral
from arbitration_bridge.referrals.schemas import (
    FINAL_STATUSES,
    Agreement,
    Mediator,
    ReferralCreate,
    ReferralPublic,
    Result,
)

log = logging.getLogger("arbitration_bridge.referrals")

PAYLOAD_CONTEXT = "referral_payload"
PARTIES_CONTEXT = "referral_result_parties"
DEADLINE_RULE = "mediation_15d"  # 劳动争议调解仲裁法 第14条: 15 days, extendable with both parties' consent
INTAKE_FACTS_MAX = 20000
KIND_ZH = "暂缓立案、先行调解"


def calendar():
    # Lenient: a deadline in a year without a published holiday notice counts plain weeks rather than failing.
    return default_calendar().lenient()


def default_deadline(*, referred_on: date) -> date:
    """15 days after the referral, first day excluded, rolled past days off."""
    return compute_due(DEADLINE_RULE, referred_on, calendar=calendar()).due_on


def acceptance_due(*, received_on: date, working_days: int) -> date:
    """The day the centre answers by: the agreed number of working days after receipt (config)."""
    rule = ClockRule(
        code="arbitration_referral_acceptance",
        amount=working_days,
        unit=ClockUnit.WORKING_DAYS,
        legal_source="中心与仲裁院的衔接约定",
        description_zh="调解组织收到仲裁院委托调解后决定是否接受的期限",
    )
    return compute_due(rule, received_on, calendar=calendar()).due_on


# ---------------------------------------------------------------------------------------------
# Creating and reading (the commission's side)
# ---------------------------------------------------------------------------------------------


def seal_payload(data: ReferralCreate, cipher: FieldCipher) -> str:
    return cipher.encrypt(data.model_dump_json(), context=PAYLOAD_CONTEXT)


def open_payload(referral: Referral, cipher: FieldCipher) -> ReferralCreate:
    return ReferralCreate.model_validate_json(cipher.decrypt(referral.payload_enc, context=PAYLOAD_CONTEXT))


def duplicate(existing_id: str, pre_filing_no: str) -> Conflict:
    return Conflict(
        f"a referral with pre_filing_no {pre_filing_no} already exists: {existing_id}",
        extra={"referral_id": existing_id},
    )


async def create_referral(
    *,
    session: AsyncSession,
    partner: Partner,
    data: ReferralCreate,
    cipher: FieldCipher,
    default_center_id: str,
    acceptance_working_days: int,
    inline_seconds: float = 0.0,
) -> Referral:
    """Store a commission's referral (its parties encrypted); 409 with the existing id for a known pre_filing_no."""
    existing = await _by_pre_filing_no(session, partner.id, data.pre_filing_no)
    if existing is not None:
        raise duplicate(existing, data.pre_filing_no)
    today = china_today()
    referral = Referral(
        partner_id=partner.id,
        pre_filing_no=data.pre_filing_no,
        kind=data.kind,
        commission_name=data.commission_name,
        referred_on=data.referred_on,
        deadline_on=data.deadline or default_deadline(referred_on=data.referred_on),
        received_on=today,
        accept_due_on=acceptance_due(received_on=today, working_days=acceptance_working_days),
        center_id=partner.center_id or default_center_id,
        has_suggestion=bool(data.mediation_suggestion),
        payload_enc=seal_payload(data, cipher),
        # The request registers it at intake itself; the worker steps in only if that did not finish.
        case_next_attempt_at=utcnow() + timedelta(seconds=inline_seconds),
    )
    try:
        async with session.begin_nested():
            session.add(referral)
            await session.flush()
    except IntegrityError:
        # A concurrent request with another key created the same pre_filing_no first.
        existing = await _by_pre_filing_no(session, partner.id, data.pre_filing_no)
        raise duplicate(existing or "unknown", data.pre_filing_no) from None
    return referral


async def _by_pre_filing_no(session: AsyncSession, partner_id: str, pre_filing_no: str) -> str | None:
    return (
        await session.execute(
            select(Referral.id).where(Referral.partner_id == partner_id, Referral.pre_filing_no == pre_filing_no)
        )
    ).scalar_one_or_none()


async def lock_referral(session: AsyncSession, referral_id: str) -> Referral | None:
    """The referral, row-locked until the transaction ends (PostgreSQL; SQLite's writers are serial
    already): two actors deciding at once (a clerk, the worker, a mediation event) take turns."""
    return await session.get(Referral, referral_id, with_for_update=True, populate_existing=True)


async def get_partner_referral(
    *, session: AsyncSession, partner_id: str, referral_id: str, for_update: bool = False
) -> Referral:
    """The referral if this commission sent it (404 otherwise: another commission's does not exist for you)."""
    referral = await (lock_referral(session, referral_id) if for_update else session.get(Referral, referral_id))
    if referral is None or referral.partner_id != partner_id:
        raise NotFound(f"referral {referral_id} does not exist")
    return referral


def result_parties(referral: Referral, cipher: FieldCipher) -> dict[str, Any]:
    """``{"applicants", "respondents"}`` sent with a failed or expired result (empty until sent)."""
    if not referral.result_parties_enc:
        return {}
    return json.loads(cipher.decrypt(referral.result_parties_enc, context=PARTIES_CONTEXT))


def to_public(referral: Referral, cipher: FieldCipher, *, with_parties: bool = True) -> ReferralPublic:
    result = None
    if referral.result:
        result = Result.model_validate(referral.result | (result_parties(referral, cipher) if with_parties else {}))
    return ReferralPublic(
        referral_id=referral.id,
        pre_filing_no=referral.pre_filing_no,
        status=referral.status,
        case_no=referral.case_no,
        deadline=referral.deadline_on,
        mediator=Mediator.model_validate(referral.mediator) if referral.mediator else None,
        result=result,
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
    """A commission's referrals by last change, oldest first (it syncs with ``updated_since``)."""
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
# Notifying the commission (webhooks) and the other services (events)
# ---------------------------------------------------------------------------------------------


async def notify_commission(
    session: AsyncSession,
    referral: Referral,
    event_type: str,
    data: Mapping[str, Any],
    *,
    cipher: FieldCipher,
    occurred_at: datetime | None = None,
) -> None:
    """Queue a contract webhook for the referral's commission, in order behind its earlier ones."""
    await notify(
        session,
        partner_id=referral.partner_id,
        stream_key=referral.id,
        event_type=event_type,
        data={"referral_id": referral.id, "pre_filing_no": referral.pre_filing_no, **data},
        cipher=cipher,
        occurred_at=occurred_at,
    )


async def announce_referral(
    session: AsyncSession, referral: Referral, event_type: str, summary_zh: str, **data: Any
) -> None:
    """Publish an ``arbitration.referral.*`` event about the referral's case (intake's timeline, mediation)."""
    await announce(
        session,
        case_id=referral.case_id,
        event_type=event_type,
        summary_zh=summary_zh,
        referral_id=referral.id,
        pre_filing_no=referral.pre_filing_no,
        kind=referral.kind,
        partner_id=referral.partner_id,
        **data,
    )


def _touch(referral: Referral) -> None:
    referral.updated_at = utcnow()


def _actor(principal: Principal | None, fallback: str) -> str:
    return (principal.name or principal.subject) if principal else fallback


# ---------------------------------------------------------------------------------------------
# Registration at intake (the worker calls intake; this records the answer)
# ---------------------------------------------------------------------------------------------


def intake_facts(data: ReferralCreate) -> str:
    """The facts as intake keeps them: the commission's facts, then its 调解建议书 as far as it fits."""
    if not data.mediation_suggestion:
        return data.facts
    head = f"{data.facts}\n\n【仲裁院调解建议书】\n"
    room = INTAKE_FACTS_MAX - len(head)
    if room <= 0:
        return data.facts
    suggestion = data.mediation_suggestion
    if len(suggestion) > room:
        tail = "……（全文见案件的仲裁院委托信息）"
        suggestion = suggestion[: max(0, room - len(tail))] + tail
    return head + suggestion


def external_ref(referral: Referral, data: ReferralCreate) -> dict[str, Any]:
    """The case's partner reference (decision 0006). It travels in intake's and mediation's events,
    so the 调解建议书 in it is scrubbed of ID- and phone-shaped strings; mediators read it there."""
    ref: dict[str, Any] = {
        "partner": "arbitration",
        "partner_id": referral.partner_id,
        "referral_id": referral.id,
        "partner_case_no": referral.pre_filing_no,
        "kind": referral.kind,
    }
    if data.mediation_suggestion:
        ref["mediation_suggestion"] = scrub(data.mediation_suggestion)
    return ref


def intake_case_body(referral: Referral, data: ReferralCreate) -> dict[str, Any]:
    """The registration form intake receives for a referral (decision 0006)."""
    return {
        "channel": "arbitration_referral",
        "applicants": [a.model_dump(exclude_none=True) for a in data.applicants],
        "respondents": [r.model_dump(exclude_none=True) for r in data.respondents],
        "claims": [c.model_dump(mode="json", exclude_none=True) for c in data.claims],
        "facts": intake_facts(data),
        "route": {"route": "mediation", "reason": f"{data.commission_name}{KIND_ZH}（{referral.pre_filing_no}）"[:500]},
        "deadline_on": referral.deadline_on.isoformat(),
        "external_ref": external_ref(referral, data),
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
    suggestion = "，附调解建议书" if referral.has_suggestion else ""
    await announce_referral(
        session,
        referral,
        "arbitration.referral.received",
        f"{referral.commission_name}{KIND_ZH}，预立案号{referral.pre_filing_no}{suggestion}，"
        f"调解期限至{referral.deadline_on.isoformat()}",
        deadline_on=referral.deadline_on.isoformat(),
        referred_on=referral.referred_on.isoformat(),
    )
    if referral.status == "withdrawn":
        # Withdrawn while intake was registering it: the case exists now, so stop its mediation.
        await announce_referral(
            session,
            referral,
            "arbitration.referral.withdrawn",
            "仲裁院撤回委托调解",
            reason=(referral.result or {}).get("reason"),
        )
    elif referral.status == "declined":
        await announce_referral(
            session,
            referral,
            "arbitration.referral.declined",
            "中心不予接受仲裁院委托调解",
            reason=(referral.result or {}).get("reason"),
        )
    await session.flush()
    return True


# ---------------------------------------------------------------------------------------------
# Decisions: the centre accepts or declines, the commission withdraws
# ---------------------------------------------------------------------------------------------


async def accept_referral(
    *,
    session: AsyncSession,
    referral: Referral,
    principal: Principal | None,
    cipher: FieldCipher,
    actor: str | None = None,
) -> Referral:
    """Accept the referral: the commission hears ``referral.accepted`` with the case number and deadline."""
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
    await notify_commission(
        session,
        referral,
        "referral.accepted",
        {"case_no": referral.case_no, "deadline": referral.deadline_on},
        cipher=cipher,
    )
    await announce_referral(
        session, referral, "arbitration.referral.accepted", f"中心已接受仲裁院委托调解（{referral.pre_filing_no}）"
    )
    await session.flush()
    return referral


async def decline_referral(
    *, session: AsyncSession, referral: Referral, principal: Principal, reason: str, cipher: FieldCipher
) -> Referral:
    """Decline the referral with a reason: ``referral.declined`` to the commission, mediation stops."""
    if referral.status != "received":
        raise StateConflict(
            f"a referral that is {referral.status} cannot be declined", extra={"current_status": referral.status}
        )
    now = utcnow()
    referral.status = "declined"
    referral.decided_by = _actor(principal, "staff")
    referral.result = _result("declined", reason=reason, decided_at=now)
    _touch(referral)
    await notify_commission(session, referral, "referral.declined", {"reason": reason}, cipher=cipher)
    if referral.case_id:
        await announce_referral(
            session, referral, "arbitration.referral.declined", f"中心不予接受仲裁院委托调解：{reason}", reason=reason
        )
    elif referral.case_state in ("pending", "rejected"):
        referral.case_state = "cancelled"
    await session.flush()
    return referral


async def withdraw_referral(*, session: AsyncSession, referral: Referral, reason: str) -> Referral:
    """The commission withdraws its referral (409 once there is a result); mediation is told to stop."""
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
        await announce_referral(
            session, referral, "arbitration.referral.withdrawn", f"仲裁院撤回委托调解：{reason}", reason=reason
        )
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
    # The parties (with identities) are never in this JSON column: they are sealed in result_parties_enc.
    return Result(
        outcome=outcome,
        agreement=agreement,
        reason=reason,
        undisputed_facts=undisputed_facts,
        dispute_focus=dispute_focus,
        decided_at=decided_at,
    ).model_dump(mode="json", exclude={"applicants", "respondents"})


# ---------------------------------------------------------------------------------------------
# Mediation's events become the referral's status and the commission's webhooks
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
    if not isinstance(ref, dict) or ref.get("partner") != "arbitration" or not ref.get("referral_id"):
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
    """``mediation.proceeding.*`` of a referred case → status, mediator, result and webhooks, in order.
    A failed or expired result waits for the parties' service addresses (``result_parties_state``)."""
    referral = await referral_for_event(session, event)
    if referral is None:
        return None
    verb = event.type.rsplit(".", 1)[1]
    if referral.status in FINAL_STATUSES:
        return None  # e.g. the proceeding withdrawn because the commission withdrew: nothing more to say
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
        return referral  # opened, accepted (by the parties), session_scheduled: no change for the commission
    if referral.status == "received":
        # A mediator at work means the centre took the case: the commission hears that first.
        await accept_referral(session=session, referral=referral, principal=None, cipher=cipher, actor="mediation")
    occurred_at = event.occurred_at
    if verb == "assigned":
        mediator = data.get("mediator") or {}
        public = Mediator(name=str(mediator.get("name") or ""), organisation=mediator.get("organisation"))
        referral.mediator = public.model_dump()
        referral.status = "in_mediation"
        _touch(referral)
        await notify_commission(
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
        raw = data.get("agreement") or {}
        agreement = Agreement.model_validate(raw).model_dump(mode="json")
        referral.result = _result("agreed", agreement=agreement, decided_at=occurred_at)
        referral.status = "agreed"
        referral.agreement_effective_on = date.fromisoformat(
            str(agreement.get("effective_on") or agreement["signed_on"])
        )
        _touch(referral)
        await notify_commission(
            session, referral, "referral.agreed", {"agreement": agreement}, cipher=cipher, occurred_at=occurred_at
        )
    else:
        reason = data.get("reason")
        if outcome == "failed" and not reason:
            reason = {"declined": "当事人不同意调解", "withdrawn": "申请人撤回调解申请"}.get(verb, "调解不成")
        referral.result = _result(
            outcome,
            reason=reason,
            undisputed_facts=data.get("undisputed_facts"),
            dispute_focus=data.get("dispute_focus"),
            decided_at=occurred_at,
        )
        referral.status = outcome
        # The commission files the case with the parties' service addresses: read them from intake
        # (they may have been corrected there), then send the result (the worker does both).
        referral.result_parties_state = "preparing"
        referral.result_next_attempt_at = utcnow()
        _touch(referral)
    await session.flush()
    return referral


async def send_result(
    *,
    session: AsyncSession,
    referral_id: str,
    applicants: list[dict[str, Any]],
    respondents: list[dict[str, Any]],
    cipher: FieldCipher,
) -> bool:
    """The addresses are in hand: send ``referral.failed`` / ``referral.expired`` (once, whoever gets here first)."""
    sealed = cipher.encrypt(
        json.dumps({"applicants": applicants, "respondents": respondents}, ensure_ascii=False), context=PARTIES_CONTEXT
    )
    taken = await session.execute(
        update(Referral)
        .where(Referral.id == referral_id, Referral.result_parties_state == "preparing")
        .values(result_parties_state="sent", result_parties_enc=sealed, result_last_error=None)
    )
    if taken.rowcount != 1:
        return False
    referral = await session.get(Referral, referral_id, populate_existing=True)
    assert referral is not None and referral.result is not None
    result = referral.result
    data: dict[str, Any] = {
        "undisputed_facts": result.get("undisputed_facts"),
        "applicants": applicants,
        "respondents": respondents,
    }
    if referral.status == "failed":
        data = {"reason": result.get("reason"), **data, "dispute_focus": result.get("dispute_focus")}
    await notify_commission(
        session,
        referral,
        f"referral.{referral.status}",
        data,
        cipher=cipher,
        occurred_at=datetime.fromisoformat(result["decided_at"]),
    )
    await session.flush()
    return True


# ---------------------------------------------------------------------------------------------
# The clerks' desk
# ---------------------------------------------------------------------------------------------


def can_see(principal: Principal, center_id: str | None) -> bool:
    return principal.has_any_role("admin") or (center_id is not None and principal.center_id == center_id)


async def get_staff_referral(
    *, session: AsyncSession, principal: Principal, referral_id: str, for_update: bool = False
) -> Referral:
    """The referral if it was sent to the caller's centre (404 otherwise)."""
    referral = await (lock_referral(session, referral_id) if for_update else session.get(Referral, referral_id))
    if referral is None or not can_see(principal, referral.center_id):
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


async def referral_of_case(*, session: AsyncSession, case_id: str) -> Referral | None:
    """The referral whose case this is (None for window cases)."""
    return (await session.execute(select(Referral).where(Referral.case_id == case_id).limit(1))).scalar_one_or_none()
