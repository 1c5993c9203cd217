"""司法确认 routes: the court's ruling (partner API) and the staff request after the agreement."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from onewindow_kit.bridge.documents import (
    LINKED_DOCUMENT_RESPONSES,
    LinkExpires,
    LinkSignature,
    linked_document_response,
)
from onewindow_kit.db import SessionDep
from onewindow_kit.dependencies import database_of
from onewindow_kit.errors import (
    AlreadyExists,
    NotFound,
    StateConflict,
    ValidationFailed,
)
from onewindow_kit.idempotency import fingerprint, run_idempotent
from onewindow_kit.openapi import problems
from sqlalchemy.ext.asyncio import AsyncSession

from court_bridge.agreements.dependencies import AgreementStaff
from court_bridge.agreements.service import eligible_courts, get_staff_agreement, pick_court, read_case
from court_bridge.confirmations import service
from court_bridge.confirmations.exceptions import ConfirmationTooLate
from court_bridge.confirmations.models import ConfirmationApplication
from court_bridge.confirmations.schemas import (
    ApplicationPublic,
    ConfirmationApply,
    ConfirmationRequest,
    RulingIn,
    RulingRecorded,
)
from court_bridge.context import get_context
from court_bridge.referrals.dependencies import BoundedBody, CurrentCourt, RequiredKey, StaffDecide, StaffRead
from court_bridge.referrals.router import PARTNER_PREFIX, REPLAYED
from court_bridge.referrals.service import get_staff_referral
from court_bridge.worker import WORK_WAKE

partner_router = APIRouter(prefix=PARTNER_PREFIX, tags=["court partner API v1"])
staff_router = APIRouter(prefix="/referrals", tags=["referrals (staff)"])


@partner_router.post(
    "/confirmations/{application_id}/ruling",
    response_model=RulingRecorded,
    operation_id="record_confirmation_ruling",
    dependencies=[BoundedBody],
    responses=problems(StateConflict, descriptions={409: "Already ruled on, or the same key in flight"}),
)
async def record_confirmation_ruling(
    application_id: str, court: CurrentCourt, key: RequiredKey, data: RulingIn, request: Request
) -> JSONResponse:
    """The court's ruling on a 司法确认 application it received (``confirmation.requested`` for its
    referrals, ``confirmation.applied`` for other centre agreements): ``valid`` (调解协议有效) or
    ``dismissed`` (驳回申请), with the ruling number. Another court's application answers 404; the same
    Idempotency-Key again answers the recorded result."""

    async def work(session: AsyncSession) -> tuple[int, dict[str, Any]]:
        application, referral = await service.record_ruling(
            session=session, partner_id=court.id, application_id=application_id, data=data
        )
        return 200, RulingRecorded(
            application_id=application.id,
            referral_id=referral.id if referral else None,
            court_case_no=referral.court_case_no if referral else None,
            status="ruled",
            ruling=data.ruling,
            ruling_no=data.ruling_no,
            ruled_on=data.ruled_on,
            reason=data.reason,
        ).model_dump(mode="json")

    status_code, body, replayed = await run_idempotent(
        database_of(request.app),
        scope=f"court:{court.id}:rulings",
        key=key,
        fingerprint=fingerprint(
            "POST", f"{PARTNER_PREFIX}/confirmations/{application_id}/ruling", await request.body()
        ),
        work=work,
    )
    return JSONResponse(body, status_code=status_code, headers=REPLAYED if replayed else None)


@partner_router.get(
    "/confirmations/{application_id}/documents/{document_id}",
    response_class=Response,
    operation_id="download_confirmation_document",
    responses=LINKED_DOCUMENT_RESPONSES,
)
async def download_confirmation_document(
    application_id: str,
    document_id: str,
    court: CurrentCourt,
    session: SessionDep,
    request: Request,
    expires: LinkExpires,
    signature: LinkSignature,
) -> Response:
    """A document of a 司法确认 application sent to this court (the signed 调解协议书 or the
    司法确认申请书), from the signed link in ``confirmation.requested|applied`` (``documents[].url``),
    fetched with the court's own token. Check its SHA-256 against the bundle's ``documents[].sha256``;
    another court's application, or a document it does not list, answers 404."""
    application = await session.get(ConfirmationApplication, application_id)
    visible = application is not None and application.partner_id == court.id
    listed = service.listed_document(application, document_id) if application is not None and visible else None
    if listed is None:
        raise NotFound(f"confirmation application {application_id} has no document {document_id}")
    ctx = get_context(request)
    return await linked_document_response(
        ctx.documents,
        secret=ctx.settings.lookup_key,
        scope=application_id,
        listed=listed,
        document_id=document_id,
        expires=expires,
        signature=signature,
    )


@staff_router.post(
    "/{referral_id}/confirmation",
    response_model=ApplicationPublic,
    status_code=201,
    operation_id="request_judicial_confirmation",
    responses=problems(
        StateConflict,
        AlreadyExists,
        ConfirmationTooLate,
        descriptions={409: "No agreement, already applied, or past the 30 days (the reason says which)"},
    ),
)
async def request_judicial_confirmation(
    referral_id: str, session: SessionDep, principal: StaffDecide, data: ConfirmationRequest | None = None
) -> ApplicationPublic:
    """Apply for 司法确认 of the referral's agreement when the parties ask after signing; refused
    with the reason once 30 days have passed since the agreement took effect (民事诉讼法 第205条)."""
    referral = await get_staff_referral(session=session, principal=principal, referral_id=referral_id, for_update=True)
    application = await service.open_application(
        session=session, referral=referral, requested_by=principal.name or principal.subject
    )
    WORK_WAKE.mark(session)  # the worker reads the identities and sends the request
    return service.to_public(application)


@staff_router.get(
    "/{referral_id}/confirmation", response_model=ApplicationPublic, operation_id="get_judicial_confirmation"
)
async def get_judicial_confirmation(referral_id: str, session: SessionDep, principal: StaffRead) -> ApplicationPublic:
    """The 司法确认 application of a referral and the court's ruling."""
    referral = await get_staff_referral(session=session, principal=principal, referral_id=referral_id)
    application = await service.application_of(session=session, referral_id=referral.id)
    if application is None:
        raise NotFound(f"referral {referral_id} has no 司法确认 application")
    return service.to_public(application)


agreement_router = APIRouter(prefix="/agreements", tags=["enforceability (staff)"])


@agreement_router.post(
    "/{proceeding_id}/confirmation",
    response_model=ApplicationPublic,
    status_code=201,
    operation_id="apply_agreement_confirmation",
    responses=problems(
        NotFound,
        AlreadyExists,
        ConfirmationTooLate,
        ValidationFailed,
        descriptions={409: "Already applied, or past the 30 days (with the dates and the rule)"},
    ),
)
async def apply_agreement_confirmation(
    proceeding_id: str, session: SessionDep, principal: AgreementStaff, request: Request, data: ConfirmationApply
) -> ApplicationPublic:
    """Both parties' joint application for 司法确认 of any centre agreement (window cases included),
    to a basic court the registry shows competent (民事诉讼法 第205条: where a party lives, the subject
    is, or the mediation organisation sits); refused with the dates past the 30 days."""
    record = await get_staff_agreement(session=session, principal=principal, proceeding_id=proceeding_id)
    parties, _ = await read_case(get_context(request).intake, case_id=record.case_id)
    court = pick_court(await eligible_courts(session=session, record=record, parties=parties), data.court_id)
    application = await service.open_agreement_application(
        session=session, record=record, court=court, requested_by=principal.name or principal.subject
    )
    WORK_WAKE.mark(session)  # the worker reads the identities and sends the application
    return service.to_public(application)


@agreement_router.get(
    "/{proceeding_id}/confirmation",
    response_model=ApplicationPublic,
    operation_id="get_agreement_confirmation",
    responses=problems(NotFound),
)
async def get_agreement_confirmation(
    proceeding_id: str, session: SessionDep, principal: AgreementStaff
) -> ApplicationPublic:
    """The 司法确认 application of an agreement, its clock and the court's ruling."""
    record = await get_staff_agreement(session=session, principal=principal, proceeding_id=proceeding_id)
    application = await service.application_for_proceeding(session=session, proceeding_id=record.proceeding_id)
    if application is None and record.referral_id:
        application = await service.application_of(session=session, referral_id=record.referral_id)
    if application is None:
        raise NotFound(f"proceeding {proceeding_id} has no 司法确认 application")
    return service.to_public(application)
