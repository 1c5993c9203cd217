"""Document routes of a case: list, generate (受理回执 by route, 调解申请书, 送达回证), download."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Response, status
from onewindow_domain.calendar import china_today
from onewindow_kit.db import SessionDep
from onewindow_kit.dependencies import StorageDep
from onewindow_kit.documents import PDF_ROUTE, pdf_response
from onewindow_kit.errors import NotFound
from onewindow_kit.openapi import problems

from intake.cases.auth import CaseStaff
from intake.cases.service.reading import get_case
from intake.documents import service
from intake.documents.models import CaseDocument
from intake.documents.schemas import CaseDocumentCreate, CaseDocumentPublic

router = APIRouter(tags=["documents"])


def _public(doc: CaseDocument) -> CaseDocumentPublic:
    deadline = (doc.data or {}).get("deadline") if doc.kind == "receipt" else None
    return CaseDocumentPublic.model_validate(doc).model_copy(
        update={
            "download_path": f"/api/intake/documents/{doc.id}/content",
            "deadline_on": date.fromisoformat(deadline) if deadline else None,
        }
    )


@router.get(
    "/cases/{case_id}/documents",
    response_model=list[CaseDocumentPublic],
    responses=problems(NotFound),
    operation_id="list_case_documents",
)
async def list_case_documents(case_id: str, session: SessionDep, principal: CaseStaff) -> list[CaseDocumentPublic]:
    """Every generated document (文书) of the case, every version, newest first, with its SHA-256."""
    case = await get_case(session=session, principal=principal, case_id=case_id)
    return [_public(d) for d in await service.list_documents(session=session, case=case)]


@router.post(
    "/cases/{case_id}/documents",
    response_model=CaseDocumentPublic,
    status_code=status.HTTP_201_CREATED,
    responses=problems(NotFound),
    operation_id="generate_case_document",
)
async def generate_case_document(
    case_id: str, body: CaseDocumentCreate, session: SessionDep, principal: CaseStaff, storage: StorageDep
) -> CaseDocumentPublic:
    """Render a document from the case file as it is now: the 受理回执 (worded for the case's route,
    with its deadline), the 调解申请书 or a 送达回证. Generating again makes a new version."""
    case = await get_case(session=session, principal=principal, case_id=case_id)
    doc = await service.generate(
        session=session,
        storage=storage,
        case=case,
        request=body,
        actor=principal.name or principal.subject,
        today=china_today().isoformat(),
    )
    return _public(doc)


@router.get(
    "/documents/{document_id}/content",
    **PDF_ROUTE,
    operation_id="download_case_document",
)
async def download_case_document(
    document_id: str, session: SessionDep, principal: CaseStaff, storage: StorageDep
) -> Response:
    """The PDF (inline: the browser previews and prints it); 404 for a case the caller may not see."""
    doc = await service.get_document(session=session, document_id=document_id)
    await get_case(session=session, principal=principal, case_id=doc.case_id)
    return await pdf_response(storage=storage, doc=doc)
