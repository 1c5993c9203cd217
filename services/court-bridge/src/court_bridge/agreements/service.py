"""The centre's agreements (from mediation's events) and the court an application goes to.

CPL 205: the parties apply jointly to the basic people's court where one of them lives, where the
subject matter is, or where the mediation organisation sits. The partner registry says which
districts each court serves (``court_jurisdiction``); the parties' addresses come from intake's case
file and the organisation's seat from mediation's event. Staff see every eligible court with its
reasons and pick one; the first is the default (the most connecting points, then the seat).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from onewindow_kit.auth import Principal
from onewindow_kit.bridge.casefile import CaseParty, IntakeError
from onewindow_kit.bridge.documents import link_fields, sha256_of
from onewindow_kit.bridge.referrals import can_see
from onewindow_kit.db import utcnow
from onewindow_kit.errors import NotFound, ValidationFailed
from onewindow_kit.events import EventEnvelope
from onewindow_kit.partners.models import Partner
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from court_bridge.agreements.models import CentreAgreement, CourtJurisdiction

log = logging.getLogger("court_bridge.agreements")

ROLE_ZH = {"applicant": "申请人（劳动者）", "respondent": "被申请人（用人单位）"}


def canonical_digest(body: Any) -> str:
    """sha256 of the agreement's canonical JSON (sorted keys, no spaces, UTF-8): the digest a court can
    check the content against until a generated document carries its own (the kit's one byte form,
    shared with the arbitration bridge: ``onewindow_kit.bridge.documents``)."""
    return sha256_of(body)


def agreement_documents(agreement: dict[str, Any]) -> list[dict[str, Any]]:
    """``documents: [{kind, title, sha256, url?}]``: the agreement's canonical JSON (the first entry;
    the generated PDFs are appended when the application is sent: :func:`linked_documents`)."""
    number = agreement.get("agreement_no", "")
    return [
        {
            "kind": "mediation_agreement",
            "title": f"调解协议书（{number}）",
            "sha256": canonical_digest(agreement),
            "digest_of": "agreement_json",
            "url": None,
        }
    ]


# The generated documents (文书) a 司法确认 application carries, as mediation names them: the signed
# 调解协议书 and the 司法确认申请书, added after the canonical-JSON entry (kept as it was, so v1 readers
# see the same first entry) with each PDF's SHA-256 and a signed, expiring link (decision 0019).
CONFIRMATION_DOCUMENTS = ("agreement", "judicial_confirmation_application")


def confirmation_document_path(application_id: str, document_id: str) -> str:
    return f"/partner/court/v1/confirmations/{application_id}/documents/{document_id}"


def linked_documents(
    generated: list[dict[str, Any]],
    *,
    application_id: str,
    secret: str,
    public_url: str,
    link_seconds: int,
    now: float,
) -> list[dict[str, Any]]:
    """Mediation's newest generated documents as bundle entries, each with its digest and a link
    signed for this application."""
    expires = int(now) + link_seconds
    return [
        {"kind": g["kind"], "title": g["title"], "ref": g["proceeding_id"], "digest_of": "pdf"}
        | link_fields(
            g,
            scope=application_id,
            path=confirmation_document_path(application_id, g["id"]),
            secret=secret,
            public_url=public_url,
            expires=expires,
        )
        for g in generated
    ]


# -- mediation's events ------------------------------------------------------------------------------


async def record_agreed(*, session: AsyncSession, event: EventEnvelope) -> CentreAgreement | None:
    """``mediation.proceeding.agreed`` of any case: keep the agreement (once; a redelivery changes nothing)."""
    data = event.data
    agreement = data.get("agreement")
    proceeding_id = data.get("proceeding_id")
    case_id = event.case_id or data.get("case_id")
    if not agreement or not proceeding_id or not case_id:
        return None
    existing = await session.get(CentreAgreement, proceeding_id)
    if existing is not None:
        return existing
    effective = agreement.get("effective_on") or agreement.get("signed_on")
    ref = data.get("external_ref") or {}
    record = CentreAgreement(
        proceeding_id=proceeding_id,
        case_id=case_id,
        case_no=data.get("case_no"),
        center_id=data.get("center_id"),
        seat_district=data.get("center_district"),
        referral_id=ref.get("referral_id") if ref.get("partner") == "court" else None,
        agreement=agreement,
        effective_on=date.fromisoformat(str(effective)),
    )
    session.add(record)
    await session.flush()
    return record


async def record_performance(*, session: AsyncSession, event: EventEnvelope) -> CentreAgreement | None:
    """``mediation.agreement.payment_overdue|instalment_paid|fulfilled``: the agreement's performance."""
    proceeding_id = event.data.get("proceeding_id")
    record = await session.get(CentreAgreement, proceeding_id, with_for_update=True) if proceeding_id else None
    if record is None:
        return None
    instalment = event.data.get("instalment") or {}
    if event.type == "mediation.agreement.payment_overdue":
        position = _position(record, instalment, record.overdue)
        if position:
            record.overdue = sorted({*record.overdue, position})
    if event.type == "mediation.agreement.instalment_paid":
        position = _position(record, instalment, record.paid)
        if position:
            record.paid = sorted({*record.paid, position})
    if event.type == "mediation.agreement.fulfilled":
        record.fulfilled = True
    record.updated_at = utcnow()
    await session.flush()
    return record


def _position(record: CentreAgreement, instalment: dict[str, Any], taken: list[int]) -> int | None:
    """The instalment's position in the schedule (its ``position``, or the first untaken one with its
    due date and amount, for events published before positions were carried)."""
    if instalment.get("position"):
        return int(instalment["position"])
    for i, p in enumerate(record.agreement.get("payments") or [], start=1):
        same = str(p.get("due_on")) == str(instalment.get("due_on")) and str(p.get("amount")) == str(
            instalment.get("amount")
        )
        if same and i not in taken:
            return i
    return None


def overdue_unpaid(record: CentreAgreement) -> list[dict[str, Any]]:
    """The instalments announced overdue and not paid since, with their positions."""
    payments = record.agreement.get("payments") or []
    return [
        {"position": pos, "due_on": payments[pos - 1]["due_on"], "amount": str(payments[pos - 1]["amount"])}
        for pos in record.overdue
        if pos not in record.paid and 0 < pos <= len(payments)
    ]


async def get_staff_agreement(
    *, session: AsyncSession, principal: Principal, proceeding_id: str, for_update: bool = False
) -> CentreAgreement:
    """The agreement if it was signed in the caller's centre (404 otherwise)."""
    record = await session.get(CentreAgreement, proceeding_id, with_for_update=for_update or None)
    if record is None or not can_see(principal, record.center_id):
        raise NotFound(f"proceeding {proceeding_id} has no agreement known to the court bridge")
    return record


# -- which court ---------------------------------------------------------------------------------------


@dataclass
class CourtChoice:
    partner_id: str
    name: str
    reasons: list[str] = field(default_factory=list)


async def set_jurisdiction(*, session: AsyncSession, partner_id: str, districts: list[str]) -> CourtJurisdiction:
    """Record the districts a court serves (the registry's jurisdiction)."""
    partner = await session.get(Partner, partner_id)
    if partner is None or partner.kind != "court":
        raise NotFound(f"court {partner_id} is not registered")
    row = await session.get(CourtJurisdiction, partner_id)
    if row is None:
        row = CourtJurisdiction(partner_id=partner_id)
        session.add(row)
    row.districts, row.updated_at = list(dict.fromkeys(d.strip() for d in districts if d.strip())), utcnow()
    await session.flush()
    return row


async def eligible_courts(
    *, session: AsyncSession, record: CentreAgreement, parties: list[CaseParty] | None
) -> list[CourtChoice]:
    """The registered, active courts that may hear the parties' application, each with its reasons
    (CPL 205), best first. ``parties`` is None when intake could not be read (the seat still counts)."""
    rows = (
        await session.execute(
            select(Partner, CourtJurisdiction)
            .join(CourtJurisdiction, col(CourtJurisdiction.partner_id) == col(Partner.id), isouter=True)
            .where(col(Partner.kind) == "court", col(Partner.active).is_(True))
            .order_by(col(Partner.name))
        )
    ).all()
    choices: list[CourtChoice] = []
    for partner, area in rows:
        districts = list(area.districts) if area else []
        choice = CourtChoice(partner.id, partner.name)
        for district in districts:
            if record.seat_district and district in record.seat_district:
                choice.reasons.append(f"调解组织所在地在{district}")
            for party in parties or []:
                if party.address and district in party.address:
                    choice.reasons.append(f"{ROLE_ZH.get(party.role, party.role)}住所地在{district}")
        choice.reasons = list(dict.fromkeys(choice.reasons))
        if not districts and partner.center_id and partner.center_id == record.center_id:
            choice.reasons.append("与本中心对接的法院（辖区未登记，请核实管辖）")
        if choice.reasons:
            choices.append(choice)
    choices.sort(key=lambda c: (-len(c.reasons), not any(r.startswith("调解组织") for r in c.reasons)))
    return choices


def pick_court(choices: list[CourtChoice], court_id: str | None) -> CourtChoice:
    """The staff's pick among the eligible courts, or the first (422 naming ``court_id`` otherwise)."""
    if not choices:
        raise ValidationFailed.field(
            "court_id",
            "没有可受理的已登记法院：应向当事人住所地、标的物所在地或调解组织所在地的基层人民法院申请（民事诉讼法第二百零五条）",
        )
    if court_id is None:
        return choices[0]
    for choice in choices:
        if choice.partner_id == court_id:
            return choice
    raise ValidationFailed.field(
        "court_id",
        "所选法院对本案无管辖：应向当事人住所地、标的物所在地或调解组织所在地的基层人民法院申请（民事诉讼法第二百零五条）；可选："
        + "、".join(c.name for c in choices),
    )


async def read_case(intake: Any, *, case_id: str) -> tuple[list[CaseParty] | None, list[str] | None]:
    """The parties (addresses, for the court's jurisdiction) and claim categories from intake's case
    file; (None, None) when intake cannot answer now (the caller still works with what it knows)."""
    if intake is None:
        return None, None
    try:
        case = await intake.case(case_id=case_id)
    except (IntakeError, ValidationError) as exc:
        log.warning("case file not readable: %s", type(exc).__name__, extra={"case_id": case_id})
        return None, None
    return case.parties, [c.category for c in case.claims]
