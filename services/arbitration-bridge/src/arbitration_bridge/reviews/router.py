"""仲裁审查确认 routes: the commission's decision (partner API) and the staff's requests
(``/reviews``, via the gateway's ``/api/arbitration/reviews``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from onewindow_kit.bridge.documents import (
    LINKED_DOCUMENT_RESPONSES,
    LinkExpires,
    LinkSignature,
    linked_document_response,
)
from onewindow_kit.bridge.routes import partner_decision
from onewindow_kit.db import SessionDep
from onewindow_kit.dependencies import database_of
from onewindow_kit.errors import AlreadyExists, NotFound, StateConflict
from onewindow_kit.openapi import problems
from onewindow_kit.partners.dependencies import BoundedBody, RequiredKey
from sqlalchemy.ext.asyncio import AsyncSession

from arbitration_bridge.casefile.dependencies import center_of
from arbitration_bridge.cases.models import CaseRecord
from arbitration_bridge.commissions import CommissionUnresolved
from arbitration_bridge.context import get_context
from arbitration_bridge.referrals.dependencies import CurrentCommission, StaffDecide, StaffRead
from arbitration_bridge.referrals.router import PARTNER_PREFIX
from arbitration_bridge.referrals.service import WORK_WAKE, can_see, referral_of_case
from arbitration_bridge.reviews import service
from arbitration_bridge.reviews.exceptions import ReviewTooLate
from arbitration_bridge.reviews.models import Review
from arbitration_bridge.reviews.schemas import (
    ReviewCreate,
    ReviewDecided,
    ReviewDecision,
    ReviewPage,
    ReviewState,
    ReviewView,
)

partner_router = APIRouter(prefix=PARTNER_PREFIX, tags=["arbitration partner API v1"])
staff_router = APIRouter(prefix="/reviews", tags=["reviews (staff)"])


@partner_router.post(
    "/reviews/{review_id}/decision",
    response_model=ReviewDecided,
    operation_id="record_review_decision",
    dependencies=[BoundedBody],
    responses=problems(StateConflict, descriptions={409: "Already decided, or the same key in flight"}),
)
async def record_review_decision(
    review_id: str, commission: CurrentCommission, key: RequiredKey, data: ReviewDecision, request: Request
) -> JSONResponse:
    """The commission's decision on an agreement it was asked to review (``review.requested``):
    ``confirmed`` with the 仲裁调解书 number, or ``refused`` with the reason."""

    async def work(session: AsyncSession) -> tuple[int, dict[str, Any]]:
        review = await service.record_decision(
            session=session, partner_id=commission.id, review_id=review_id, data=data
        )
        return 200, ReviewDecided(
            review_id=review.id,
            status="decided",
            decision=data.decision,
            document_no=review.document_no,
            decided_on=data.decided_on,
            reason=data.reason,
        ).model_dump(mode="json")

    return await partner_decision(
        request,
        scope=f"arbitration:{commission.id}:review-decisions",
        key=key,
        path=f"{PARTNER_PREFIX}/reviews/{review_id}/decision",
        work=work,
    )


@partner_router.get(
    "/reviews/{review_id}/documents/{document_id}",
    response_class=Response,
    operation_id="download_review_document",
    responses=LINKED_DOCUMENT_RESPONSES,
)
async def download_review_document(
    review_id: str,
    document_id: str,
    commission: CurrentCommission,
    session: SessionDep,
    request: Request,
    expires: LinkExpires,
    signature: LinkSignature,
) -> Response:
    """A document of a review sent to this commission (the signed 调解协议书 or the 仲裁审查确认申请书),
    from the signed link in ``review.requested`` (``documents[].url``), fetched with the commission's
    own token. Check its SHA-256 against the bundle's ``documents[].sha256``."""
    review = await session.get(Review, review_id)
    visible = review is not None and review.partner_id == commission.id
    listed = service.listed_document(review, document_id) if review is not None and visible else None
    if listed is None:
        raise NotFound(f"review {review_id} has no document {document_id}")
    ctx = get_context(request)
    return await linked_document_response(
        ctx.documents,
        secret=ctx.settings.lookup_key,
        scope=review_id,
        listed=listed,
        document_id=document_id,
        expires=expires,
        signature=signature,
    )


@staff_router.post(
    "",
    response_model=ReviewView,
    status_code=201,
    operation_id="request_arbitration_review",
    responses=problems(
        NotFound,
        StateConflict,
        AlreadyExists,
        ReviewTooLate,
        CommissionUnresolved,
        descriptions={
            409: "No agreement, already requested, past the 15 days (the reason "
            "with ``effective_on`` and ``apply_by``), or no commission fits"
        },
    ),
)
async def request_arbitration_review(data: ReviewCreate, request: Request, principal: StaffDecide) -> ReviewView:
    """Ask the commission to review the case's agreement (仲裁审查确认) when both parties apply after
    signing; refused with the reason once 15 days have passed since it took effect
    (劳动人事争议仲裁办案规则 第74条)."""
    ctx = get_context(request)
    db = database_of(request.app)
    async with db.transaction(read_only=True) as session:
        record = await session.get(CaseRecord, data.case_id)
        referral = await referral_of_case(session=session, case_id=data.case_id)
        center_id = (record.center_id if record else None) or (referral.center_id if referral else None)
    if record is None:
        raise NotFound(f"case {data.case_id} has no mediation known to the arbitration bridge")
    if center_id is None:
        center_id = await center_of(ctx, data.case_id)  # no transaction is open while intake is asked
    if not can_see(principal, center_id):
        raise NotFound(f"case {data.case_id} has no mediation known to the arbitration bridge")
    async with db.transaction() as session:
        record = await session.get(CaseRecord, data.case_id, with_for_update=True, populate_existing=True)
        assert record is not None
        review = await service.open_review(
            session=session,
            record=record,
            center_id=center_id,
            requested_by=principal.name or principal.subject,
            partner_id=data.partner_id,
            default_partner_id=ctx.settings.default_partner_id,
            note=data.note,
        )
        WORK_WAKE.mark(session)  # the worker reads the identities and sends the request
        view = service.to_view(review)
    return view


@staff_router.get("", response_model=ReviewPage, operation_id="list_arbitration_reviews")
async def list_arbitration_reviews(
    session: SessionDep,
    principal: StaffRead,
    state: ReviewState | None = None,
    case_id: Annotated[str | None, Query(max_length=64)] = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> ReviewPage:
    """Review requests of the caller's centre, newest first."""
    rows, next_cursor = await service.list_staff_reviews(
        session=session, principal=principal, state=state, case_id=case_id, cursor=cursor, limit=limit
    )
    return ReviewPage(items=[service.to_view(r) for r in rows], next_cursor=next_cursor)


@staff_router.get("/{review_id}", response_model=ReviewView, operation_id="get_arbitration_review")
async def get_arbitration_review(review_id: str, session: SessionDep, principal: StaffRead) -> ReviewView:
    """One review request and the commission's decision."""
    return service.to_view(await service.get_staff_review(session=session, principal=principal, review_id=review_id))
