"""Document routes: list a proceeding's documents, generate one, download its PDF."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response, status
from onewindow_domain.calendar import china_today
from onewindow_kit.auth import Principal, require_roles
from onewindow_kit.db import SessionDep
from onewindow_kit.dependencies import StorageDep
from onewindow_kit.documents import PDF_ROUTE, pdf_response
from onewindow_kit.errors import NotFound, StateConflict, UpstreamUnavailable
from onewindow_kit.openapi import problems

from mediation.documents import service
from mediation.documents.dependencies import IntakeDep
from mediation.documents.models import Document
from mediation.documents.schemas import DocumentCreate, DocumentPublic
from mediation.proceedings.dependencies import ProceedingRead, visible_proceeding

router = APIRouter(tags=["documents"])

# Who may render: the people who act on the proceeding, and the bridges (a transfer or a
# confirmation bundle needs the 调解终结书 / 调解协议书 even when nobody printed it yet).
DocumentWrite = Annotated[Principal, Depends(require_roles("mediator", "supervisor", "admin", "service"))]


def _public(doc: Document) -> DocumentPublic:
    return DocumentPublic.model_validate(doc).model_copy(
        update={"download_path": f"/api/mediation/documents/{doc.id}/content"}
    )


@router.get(
    "/proceedings/{proceeding_id}/documents",
    response_model=list[DocumentPublic],
    responses=problems(NotFound),
    operation_id="list_proceeding_documents",
)
async def list_proceeding_documents(
    proceeding_id: str, session: SessionDep, principal: ProceedingRead
) -> list[DocumentPublic]:
    """Every generated document (文书) of the proceeding, every version, newest first, with its SHA-256."""
    p = await visible_proceeding(session=session, principal=principal, proceeding_id=proceeding_id)
    return [_public(d) for d in await service.list_documents(session=session, proceeding=p)]


@router.post(
    "/proceedings/{proceeding_id}/documents",
    response_model=DocumentPublic,
    status_code=status.HTTP_201_CREATED,
    responses=problems(NotFound, StateConflict, UpstreamUnavailable),
    operation_id="generate_proceeding_document",
)
async def generate_proceeding_document(
    proceeding_id: str,
    body: DocumentCreate,
    session: SessionDep,
    principal: DocumentWrite,
    storage: StorageDep,
    intake: IntakeDep,
) -> DocumentPublic:
    """Render a document from the proceeding's current data (调解协议书, 调解终结书, 无争议事实确认书,
    调解通知书, 司法确认申请书, 仲裁审查确认申请书, 送达回证). Generating again after a correction makes
    a new version; earlier versions stay as they were."""
    act = not principal.has_any_role("service")
    p = await visible_proceeding(session=session, principal=principal, proceeding_id=proceeding_id, act=act)
    case = await service.read_case(intake=intake, case_id=p.case_id)
    doc = await service.generate(
        session=session,
        storage=storage,
        proceeding=p,
        case=case,
        request=body,
        actor=principal.name or principal.subject,
        today=china_today().isoformat(),
    )
    return _public(doc)


@router.get(
    "/documents/{document_id}",
    response_model=DocumentPublic,
    responses=problems(NotFound),
    operation_id="get_document",
)
async def get_document(document_id: str, session: SessionDep, principal: ProceedingRead) -> DocumentPublic:
    """One document's record: kind, version, template version, digest."""
    doc = await service.get_document(session=session, document_id=document_id)
    await visible_proceeding(session=session, principal=principal, proceeding_id=doc.proceeding_id)
    return _public(doc)


@router.get(
    "/documents/{document_id}/content",
    **PDF_ROUTE,
    operation_id="download_document",
)
async def download_document(
    document_id: str, session: SessionDep, principal: ProceedingRead, storage: StorageDep
) -> Response:
    """The PDF (inline, so a browser previews and prints it); 404 for a proceeding the caller may not see."""
    doc = await service.get_document(session=session, document_id=document_id)
    await visible_proceeding(session=session, principal=principal, proceeding_id=doc.proceeding_id)
    return await pdf_response(storage=storage, doc=doc)
