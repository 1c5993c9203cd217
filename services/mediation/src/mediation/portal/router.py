"""The parties' portal in mediation: sessions to confirm, the agreement to read and confirm."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from onewindow_kit.auth import verify_confirmation
from onewindow_kit.db import SessionDep
from onewindow_kit.dependencies import StorageDep
from onewindow_kit.documents import PDF_ROUTE, pdf_response
from onewindow_kit.errors import NotFound, StateConflict
from onewindow_kit.openapi import problems

from mediation.portal import service
from mediation.portal.auth import Party
from mediation.portal.schemas import (
    AgreementConfirm,
    PortalAgreement,
    PortalDocument,
    PortalSession,
    SessionReplyCreate,
)

router = APIRouter(prefix="/portal", tags=["portal"])


@router.get("/cases/{case_id}/sessions", response_model=list[PortalSession], operation_id="list_my_sessions")
async def list_my_sessions(case_id: str, session: SessionDep, principal: Party) -> list[PortalSession]:
    """The case's mediation sessions with this party's replies (an online link only near its time)."""
    return await service.party_sessions(session=session, principal=principal, case_id=case_id)


@router.post(
    "/sessions/{session_id}/reply",
    response_model=PortalSession,
    responses=problems(StateConflict),
    operation_id="reply_to_session",
)
async def reply_to_session(
    session_id: str, body: SessionReplyCreate, session: SessionDep, principal: Party
) -> PortalSession:
    """Confirm a proposed session time, or ask for another (with the times that would suit)."""
    return await service.reply_to_session(session=session, principal=principal, session_id=session_id, data=body)


@router.get("/cases/{case_id}/agreement", response_model=PortalAgreement, operation_id="get_my_agreement")
async def get_my_agreement(case_id: str, session: SessionDep, principal: Party) -> PortalAgreement:
    """The case's mediation agreement to read, its digest, and the confirmations recorded on it."""
    return await service.party_agreement(session=session, principal=principal, case_id=case_id)


@router.post(
    "/agreements/{agreement_id}/confirm",
    response_model=PortalAgreement,
    responses=problems(StateConflict),
    operation_id="confirm_my_agreement",
)
async def confirm_my_agreement(
    agreement_id: str, body: AgreementConfirm, request: Request, session: SessionDep, principal: Party
) -> PortalAgreement:
    """Record the party's confirmation (a confirmation token from the gateway's
    ``POST /auth/party/confirmations`` for this agreement's digest) as electronic signature evidence."""
    confirmation = await verify_confirmation(request, body.confirmation_token)
    return await service.confirm_agreement(
        session=session, principal=principal, agreement_id=agreement_id, confirmation=confirmation
    )


@router.get(
    "/cases/{case_id}/documents",
    response_model=list[PortalDocument],
    responses=problems(NotFound),
    operation_id="list_my_mediation_documents",
)
async def list_my_mediation_documents(case_id: str, session: SessionDep, principal: Party) -> list[PortalDocument]:
    """The mediation's documents meant for the parties (调解通知书, 调解协议书, 调解终结书), newest of each."""
    return await service.party_documents(session=session, principal=principal, case_id=case_id)


@router.get(
    "/documents/{document_id}/content",
    **PDF_ROUTE,
    operation_id="download_my_mediation_document",
)
async def download_my_mediation_document(
    document_id: str, session: SessionDep, principal: Party, storage: StorageDep
) -> Response:
    """The PDF of a party document of one of the party's cases (404 for anything else)."""
    doc = await service.party_document(session=session, principal=principal, document_id=document_id)
    return await pdf_response(storage=storage, doc=doc)
