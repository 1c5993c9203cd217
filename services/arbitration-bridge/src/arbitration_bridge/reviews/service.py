"""仲裁审查确认: requests (within 15 days of the agreement taking effect) and the commission's decisions."""

from __future__ import annotations

import logging
import time
from datetime import date
from typing import Any

from onewindow_domain.calendar import china_today
from onewindow_domain.clocks import compute_due
from onewindow_kit.auth import Principal
from onewindow_kit.bridge.documents import document_ref
from onewindow_kit.bridge.messages import announce, notify
from onewindow_kit.crypto import FieldCipher
from onewindow_kit.db import utcnow
from onewindow_kit.errors import AlreadyExists, Conflict, NotFound, StateConflict, ValidationFailed
from onewindow_kit.pagination import keyset_page
from onewindow_kit.partners.models import Partner
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from arbitration_bridge.cases.models import CaseRecord
from arbitration_bridge.commissions import choose_commission
from arbitration_bridge.referrals.models import Referral
from arbitration_bridge.referrals.schemas import Agreement
from arbitration_bridge.referrals.service import calendar, can_see, referral_of_case
from arbitration_bridge.reviews.exceptions import ReviewTooLate
from arbitration_bridge.reviews.models import Review
from arbitration_bridge.reviews.schemas import ReviewDecision, ReviewView
from arbitration_bridge.transfers.service import stream_of, with_links

log = logging.getLogger("arbitration_bridge.reviews")

APPLICATION_RULE = "arbitration_review_application_15d"  # 劳动人事争议仲裁办案规则 第74条
DECISION_RULE = "arbitration_review_decision_5wd"  # 5 working days (办案规则 第75条, 第80条; decision 0018)


def apply_by(*, effective_on: date) -> date:
    """The last day to ask: 15 days after the agreement took effect, first day excluded, rolled past days off."""
    return compute_due(APPLICATION_RULE, effective_on, calendar=calendar()).due_on


def decision_due(*, requested_on: date) -> date:
    """The day by which the commission should have decided (5 working days, first day excluded)."""
    return compute_due(DECISION_RULE, requested_on, calendar=calendar()).due_on


def documents_of(agreement: dict[str, Any]) -> list[dict[str, Any]]:
    """What the commission receives with the request: the agreement with the digest of its content
    (canonical JSON until a generated PDF takes its place in the same shape)."""
    return [document_ref(kind="agreement", title="调解协议书", content=agreement) | {"ref": agreement["agreement_no"]}]


# The generated documents (文书) a review carries, as mediation names them: the signed 调解协议书 and
# the 仲裁审查确认申请书, each added to ``documents`` with its PDF's SHA-256 and a signed link.
REVIEW_DOCUMENTS = ("agreement", "arbitration_review_application")


def review_document_path(review_id: str, document_id: str) -> str:
    return f"/partner/arbitration/v1/reviews/{review_id}/documents/{document_id}"


def listed_document(review: Review, document_id: str) -> dict[str, Any] | None:
    return next((d for d in review.documents or () if d.get("document_id") == document_id), None)


async def open_review(
    *,
    session: AsyncSession,
    record: CaseRecord,
    center_id: str,
    requested_by: str,
    partner_id: str | None,
    default_partner_id: str | None,
    note: str | None = None,
    today: date | None = None,
) -> Review:
    """Ask the commission to review the case's agreement; refused with the reason past the 15 days."""
    agreement = record.agreement
    if record.mediation_status != "agreed" or not agreement or record.agreement_effective_on is None:
        raise StateConflict(
            "only an agreement can be reviewed: this case's mediation has none",
            extra={
                "mediation_status": record.mediation_status,
                "detail_zh": "本案调解未达成协议，无可申请仲裁审查确认的调解协议",
            },
        )
    body = Agreement.model_validate(agreement).model_dump(mode="json")
    existing = (
        await session.execute(
            select(Review).where(Review.case_id == record.case_id, Review.agreement_no == body["agreement_no"])
        )
    ).scalar_one_or_none()
    if existing is not None:
        raise AlreadyExists(f"仲裁审查确认 was already requested: {existing.id}", extra={"review_id": existing.id})
    today = today or china_today()
    effective = record.agreement_effective_on
    last_day = apply_by(effective_on=effective)
    if today > last_day:
        raise ReviewTooLate(
            f"申请仲裁审查确认应当自调解协议生效之日起15日内提出（劳动人事争议仲裁办案规则第七十四条）：协议于"
            f"{effective.isoformat()}生效，申请期限已于{last_day.isoformat()}届满",
            extra={"effective_on": effective.isoformat(), "apply_by": last_day.isoformat()},
        )
    referral = await referral_of_case(session=session, case_id=record.case_id)
    if partner_id is None and referral is not None:
        partner_id = referral.partner_id  # the commission that referred the case reviews its agreement
    partner = await choose_commission(
        session=session, center_id=center_id, partner_id=partner_id, default_partner_id=default_partner_id
    )
    own_referral = referral is not None and referral.partner_id == partner.id
    review = Review(
        case_id=record.case_id,
        case_no=record.case_no,
        center_id=center_id,
        partner_id=partner.id,
        referral_id=referral.id if own_referral else None,
        stream_key=referral.id if own_referral and referral else stream_of(record.case_id),
        agreement_no=body["agreement_no"],
        agreement=body,
        documents=documents_of(body),
        effective_on=effective,
        apply_by=last_day,
        requested_by=requested_by[:120],
        note=note,
    )
    session.add(review)
    await session.flush()
    return review


async def open_if_requested(
    *, session: AsyncSession, record: CaseRecord, center_id: str | None, default_partner_id: str | None
) -> Review | None:
    """After ``mediation.proceeding.agreed``: ask for review when the parties asked for it in the agreement."""
    if record.mediation_status != "agreed" or not (record.agreement or {}).get("parties_request_arbitration_review"):
        return None
    if center_id is None:
        log.warning(
            "仲裁审查确认 not requested: the case's centre is not known yet; staff can request it",
            extra={"event_type": "mediation.proceeding.agreed"},
        )
        return None
    try:
        return await open_review(
            session=session,
            record=record,
            center_id=center_id,
            requested_by="mediation",
            partner_id=None,
            default_partner_id=default_partner_id,
        )
    except Conflict as exc:
        log.warning("仲裁审查确认 not requested: %s", exc.detail, extra={"event_type": "mediation.proceeding.agreed"})
        return None


async def mark_requested(
    *,
    session: AsyncSession,
    review_id: str,
    applicants: list[dict[str, Any]],
    respondents: list[dict[str, Any]],
    cipher: FieldCipher,
    generated: list[dict[str, Any]] | None = None,
    link_secret: str = "",
    public_url: str = "",
    link_seconds: int = 0,
) -> bool:
    """The identities are in hand: send ``review.requested`` (once, whichever worker gets here first).
    ``generated`` (mediation's newest documents) are added to ``documents`` after the agreement's
    canonical-JSON entry (kept as it was), each with its PDF's digest and a signed, expiring link."""
    now = utcnow()
    due = decision_due(requested_on=china_today())
    taken = await session.execute(
        update(Review)
        .where(Review.id == review_id, Review.state == "preparing")
        .values(state="requested", requested_at=now, updated_at=now, last_error=None, decision_due_on=due)
    )
    if taken.rowcount != 1:
        return False
    review = await session.get(Review, review_id, populate_existing=True)
    assert review is not None
    if generated:
        review.documents = list(review.documents or documents_of(review.agreement)) + with_links(
            [],
            generated,
            transfer_id=review.id,
            secret=link_secret,
            public_url=public_url,
            link_seconds=link_seconds,
            now=time.time(),
            path=review_document_path,
        )
    data: dict[str, Any] = {
        "review_id": review.id,
        "case_no": review.case_no,
        "agreement": review.agreement,
        "documents": review.documents or documents_of(review.agreement),
        "effective_on": review.effective_on.isoformat(),
        "apply_by": review.apply_by.isoformat(),
        "decide_by": due.isoformat(),
        "applicants": applicants,
        "respondents": respondents,
    }
    if review.referral_id:
        referral = await session.get(Referral, review.referral_id)
        if referral is not None:
            data |= {"referral_id": referral.id, "pre_filing_no": referral.pre_filing_no}
    await notify(
        session,
        partner_id=review.partner_id,
        stream_key=review.stream_key,
        event_type="review.requested",
        data=data,
        cipher=cipher,
    )
    partner = await session.get(Partner, review.partner_id)
    await announce(
        session,
        case_id=review.case_id,
        event_type="arbitration.review.requested",
        summary_zh=f"已向{partner.name if partner else review.partner_id}申请仲裁审查确认（调解协议{review.agreement_no}），"
        f"仲裁院应于{due.isoformat()}前作出审查结论",
        review_id=review.id,
        partner_id=review.partner_id,
        agreement_no=review.agreement_no,
        due_on=due.isoformat(),
    )
    await session.flush()
    return True


async def record_decision(*, session: AsyncSession, partner_id: str, review_id: str, data: ReviewDecision) -> Review:
    """The commission's decision on a review it was asked for (404 for another's), once."""
    review = await session.get(Review, review_id, with_for_update=True, populate_existing=True)
    if review is None or review.partner_id != partner_id or review.state == "preparing":
        raise NotFound(f"review {review_id} does not exist")
    if (
        review.state == "decided"
        and review.decision == data.decision
        and review.decided_on == data.decided_on
        and review.document_no == (data.document_no if data.decision == "confirmed" else None)
    ):
        return review  # the same decision again (another key): already recorded, nothing changes
    if review.state == "decided":
        raise StateConflict(
            f"review {review_id} was already decided ({review.decision}, {review.document_no})",
            extra={"decision": review.decision, "document_no": review.document_no},
        )
    if data.decided_on > china_today():
        raise ValidationFailed.field("decided_on", "决定日期不能晚于今天")
    now = utcnow()
    review.state = "decided"
    review.decision = data.decision
    review.document_no = data.document_no if data.decision == "confirmed" else None
    review.decided_on, review.decision_reason, review.decided_at, review.updated_at = (
        data.decided_on,
        data.reason,
        now,
        now,
    )
    partner = await session.get(Partner, partner_id)
    name = partner.name if partner else partner_id
    text = (
        f"{name}审查确认调解协议，出具仲裁调解书（{data.document_no}）"
        if data.decision == "confirmed"
        else f"{name}对调解协议不予确认" + (f"：{data.reason}" if data.reason else "")
    )
    await announce(
        session,
        case_id=review.case_id,
        event_type="arbitration.review.decided",
        summary_zh=text,
        review_id=review.id,
        partner_id=partner_id,
        decision=data.decision,
        document_no=review.document_no,
        decided_on=data.decided_on.isoformat(),
        reason=data.reason,
        agreement_no=review.agreement_no,
    )
    await session.flush()
    return review


def to_view(review: Review, *, today: date | None = None) -> ReviewView:
    waiting = review.state == "requested" and review.decision_due_on is not None
    days_left = (review.decision_due_on - (today or china_today())).days if waiting and review.decision_due_on else None
    return ReviewView(
        review_id=review.id,
        case_id=review.case_id,
        case_no=review.case_no,
        center_id=review.center_id,
        partner_id=review.partner_id,
        referral_id=review.referral_id,
        state=review.state,
        agreement=Agreement.model_validate(review.agreement),
        effective_on=review.effective_on,
        apply_by=review.apply_by,
        documents=review.documents or [],
        decision_due_on=review.decision_due_on,
        days_left=days_left,
        overdue=days_left is not None and days_left < 0,
        requested_by=review.requested_by,
        note=review.note,
        last_error=review.last_error,
        requested_at=review.requested_at,
        decision=review.decision,
        document_no=review.document_no,
        decided_on=review.decided_on,
        decision_reason=review.decision_reason,
        decided_at=review.decided_at,
        created_at=review.created_at,
    )


async def get_staff_review(*, session: AsyncSession, principal: Principal, review_id: str) -> Review:
    """A review of the caller's centre (404 otherwise)."""
    review = await session.get(Review, review_id)
    if review is None or not can_see(principal, review.center_id):
        raise NotFound(f"review {review_id} does not exist")
    return review


async def list_staff_reviews(
    *,
    session: AsyncSession,
    principal: Principal,
    state: str | None,
    case_id: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[Review], str | None]:
    """Reviews of the caller's centre (all for admins), newest first."""
    query = select(Review)
    if not principal.has_any_role("admin"):
        query = query.where(Review.center_id == principal.center_id)
    if state:
        query = query.where(Review.state == state)
    if case_id:
        query = query.where(Review.case_id == case_id)
    return await keyset_page(session, query, col(Review.created_at), col(Review.id), cursor=cursor, limit=limit)
