"""The parties' portal (当事人端) and the window's queue of online applications (网上申请)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import StreamingResponse
from onewindow_kit.crypto import FieldCipher
from onewindow_kit.db import SessionDep, WriteSessionDep
from onewindow_kit.dependencies import DatabaseDep, StorageDep
from onewindow_kit.documents import PDF_ROUTE, pdf_response
from onewindow_kit.errors import NotFound, PayloadTooLarge, StateConflict, UnsupportedMediaType
from onewindow_kit.openapi import problems

from intake.attachments.dependencies import EvidenceUploadDep
from intake.attachments.schemas import SENSITIVE_EVIDENCE
from intake.attachments.service import file_response
from intake.cases.models import PiiAccess
from intake.cases.router import to_public
from intake.cases.schemas import CasePublic
from intake.config import SettingsDep
from intake.portal import attachments, service
from intake.portal.auth import ApplicationDesk, Gateway, Party
from intake.portal.models import ApplicationAttachment, OnlineApplication
from intake.portal.schemas import (
    STATUS_ZH,
    ApplicationAttachmentPublic,
    ApplicationDetail,
    ApplicationPublic,
    ApplicationRegister,
    ApplicationReturn,
    ApplicationStatus,
    OnlineApplicationCreate,
    PhoneScope,
    PhoneScopeRequest,
    PortalCase,
    PortalCaseSummary,
    PortalDocument,
)

portal_router = APIRouter(prefix="/portal", tags=["portal"])
applications_router = APIRouter(prefix="/applications", tags=["applications"])
internal_router = APIRouter(prefix="/internal/portal", include_in_schema=False)


def _cipher(request: Request) -> FieldCipher:
    cipher: FieldCipher = request.app.state.cipher
    return cipher


def _public(a: OnlineApplication) -> ApplicationPublic:
    return ApplicationPublic.model_validate(a).model_copy(update={"status_label": STATUS_ZH[a.status]})


@internal_router.post("/scope", response_model=PhoneScope)
async def resolve_phone_scope(
    body: PhoneScopeRequest, request: Request, session: SessionDep, _gw: Gateway
) -> PhoneScope:
    """The gateway, signing a party in: the phone's keyed hash and the cases it is a party of."""
    return await service.phone_scope(session=session, cipher=_cipher(request), phone=body.phone)


@portal_router.post(
    "/applications",
    response_model=ApplicationPublic,
    status_code=status.HTTP_201_CREATED,
    operation_id="submit_online_application",
)
async def submit_online_application(
    body: OnlineApplicationCreate, request: Request, session: SessionDep, principal: Party
) -> ApplicationPublic:
    """A worker applies for mediation online (same checks as the window). It waits in the centre's
    queue until a clerk registers it as a case or returns it with a reason."""
    application = await service.submit_application(
        session=session, principal=principal, cipher=_cipher(request), data=body
    )
    return _public(application)


@portal_router.get("/applications", response_model=list[ApplicationPublic], operation_id="list_my_applications")
async def list_my_applications(session: SessionDep, principal: Party) -> list[ApplicationPublic]:
    """The signed-in phone's online applications and what became of them (退回原因 included)."""
    return [_public(a) for a in await service.my_applications(session=session, principal=principal)]


@portal_router.get("/cases", response_model=list[PortalCaseSummary], operation_id="list_my_cases")
async def list_my_cases(session: SessionDep, principal: Party) -> list[PortalCaseSummary]:
    """The cases the signed-in phone is a party of."""
    return await service.party_cases(session=session, principal=principal)


@portal_router.get("/cases/{case_id}", response_model=PortalCase, operation_id="get_my_case")
async def get_my_case(case_id: str, session: SessionDep, principal: Party) -> PortalCase:
    """Progress in plain words: status, next step, deadline, milestones (404 unless a party of it)."""
    return await service.party_case(session=session, principal=principal, case_id=case_id)


@portal_router.get(
    "/cases/{case_id}/documents",
    response_model=list[PortalDocument],
    responses=problems(NotFound),
    operation_id="list_my_case_documents",
)
async def list_my_case_documents(case_id: str, session: SessionDep, principal: Party) -> list[PortalDocument]:
    """The case's documents meant for its parties (受理回执), newest version of each."""
    return await service.party_documents(session=session, principal=principal, case_id=case_id)


@portal_router.get(
    "/documents/{document_id}/content",
    **PDF_ROUTE,
    operation_id="download_my_case_document",
)
async def download_my_case_document(
    document_id: str, session: SessionDep, principal: Party, storage: StorageDep
) -> Response:
    """The PDF of a party document of one of the party's cases (404 for anything else)."""
    doc = await service.party_document(session=session, principal=principal, document_id=document_id)
    return await pdf_response(storage=storage, doc=doc)


@applications_router.get("", response_model=list[ApplicationPublic], operation_id="list_online_applications")
async def list_online_applications(
    session: SessionDep, principal: ApplicationDesk, status: ApplicationStatus | None = None
) -> list[ApplicationPublic]:
    """The centre's online applications (default: all; ``status=submitted`` is the work queue)."""
    rows = await service.application_queue(
        session=session, center_id=principal.center_id or "-", status=status.value if status else None
    )
    return [_public(a) for a in rows]


@applications_router.get("/{application_id}", response_model=ApplicationDetail, operation_id="get_online_application")
async def get_online_application(
    application_id: str, request: Request, session: SessionDep, principal: ApplicationDesk
) -> ApplicationDetail:
    """One application with the full submission (ID and phone numbers: the read is recorded)."""
    a = await service.get_application(session=session, principal=principal, application_id=application_id)
    session.add(
        PiiAccess(
            case_id=a.id,
            actor=principal.subject,
            actor_roles=",".join(sorted(principal.roles)),
            fields="id_number,phone",
            purpose="online_application_review",
        )
    )
    files = await attachments.of_application(session=session, application_id=a.id)
    return ApplicationDetail(
        **_public(a).model_dump(),
        submission=service.submission(_cipher(request), a).model_dump(mode="json"),
        attachments=[_attachment(a.id, f) for f in files],
    )


def _attachment(application_id: str, row: ApplicationAttachment) -> ApplicationAttachmentPublic:
    return ApplicationAttachmentPublic.model_validate(row).model_copy(
        update={
            "sensitive": row.evidence_type in SENSITIVE_EVIDENCE,
            "download_path": f"/api/intake/applications/{application_id}/attachments/{row.id}/content",
        }
    )


@portal_router.post(
    "/applications/{application_id}/attachments",
    status_code=status.HTTP_201_CREATED,
    response_model=ApplicationAttachmentPublic,
    operation_id="upload_application_attachment",
    responses=problems(
        StateConflict,
        PayloadTooLarge,
        UnsupportedMediaType,
        descriptions={
            409: "The application has been registered or returned: no more files",
            413: "The file is larger than INTAKE_ATTACHMENT_MAX_BYTES (nothing is stored)",
            415: "The content is not an allowed type, whatever the file is called",
        },
    ),
)
async def upload_application_attachment(
    application_id: str,
    principal: Party,
    db: DatabaseDep,
    storage: StorageDep,
    upload: EvidenceUploadDep,
) -> ApplicationAttachmentPublic:
    """Attach an evidence file to one's own application while it waits for the clerk (the
    window's checks: type from the content, size limit)."""
    row = await attachments.upload(
        db=db, storage=storage, principal=principal, application_id=application_id, upload=upload
    )
    return _attachment(application_id, row)


@applications_router.get(
    "/{application_id}/attachments/{attachment_id}/content",
    response_class=StreamingResponse,
    operation_id="download_application_attachment",
    responses={
        200: {"description": "The file", "content": {"application/octet-stream": {"schema": {"type": "string"}}}},
        **problems(descriptions={403: "An ID copy or health record, and the caller is not a personal-data role"}),
    },
)
async def download_application_attachment(
    application_id: str,
    attachment_id: str,
    principal: ApplicationDesk,
    session: WriteSessionDep,
    storage: StorageDep,
    settings: SettingsDep,
) -> StreamingResponse:
    """A file of an application of the clerk's centre; each download is logged (pii_access)."""
    a = await service.get_application(session=session, principal=principal, application_id=application_id)
    row = await attachments.open_for_clerk(
        session=session, principal=principal, application=a, attachment_id=attachment_id, pii_roles=settings.pii_roles
    )
    return file_response(storage, row)


@applications_router.post(
    "/{application_id}/register",
    response_model=CasePublic,
    status_code=status.HTTP_201_CREATED,
    responses=problems(StateConflict),
    operation_id="register_online_application",
)
async def register_online_application(
    application_id: str,
    body: ApplicationRegister,
    request: Request,
    settings: SettingsDep,
    session: SessionDep,
    principal: ApplicationDesk,
) -> CasePublic:
    """Register the application as a case (channel 网上), through the window's registration."""
    a = await service.get_application(session=session, principal=principal, application_id=application_id)
    written = await service.register_application(
        session=session,
        principal=principal,
        cipher=_cipher(request),
        config=settings.triage,
        application=a,
        data=body,
    )
    return await to_public(session, written.case, (written.parties, written.claims))


@applications_router.post(
    "/{application_id}/return",
    response_model=ApplicationPublic,
    responses=problems(StateConflict),
    operation_id="return_online_application",
)
async def return_online_application(
    application_id: str, body: ApplicationReturn, request: Request, session: SessionDep, principal: ApplicationDesk
) -> ApplicationPublic:
    """Return the application to its applicant with a reason they read (nothing becomes a case);
    the applicant is told by text message to look (the reason is not in the message)."""
    a = await service.get_application(session=session, principal=principal, application_id=application_id)
    returned = await service.return_application(
        session=session, principal=principal, cipher=_cipher(request), application=a, reason=body.reason
    )
    return _public(returned)
