"""Evidence attachments of a case (证据材料): upload, list, download."""

from __future__ import annotations

from fastapi import APIRouter, status
from fastapi.responses import StreamingResponse
from onewindow_kit.db import SessionDep, WriteSessionDep
from onewindow_kit.dependencies import DatabaseDep, StorageDep
from onewindow_kit.errors import PayloadTooLarge, UnsupportedMediaType
from onewindow_kit.openapi import problems

from intake.attachments import service
from intake.attachments.dependencies import EvidenceUploadDep
from intake.attachments.schemas import AttachmentPublic
from intake.cases.auth import CaseRead, CaseStaff
from intake.config import SettingsDep

router = APIRouter(prefix="/cases", tags=["attachments"])


@router.post(
    "/{case_id}/attachments",
    status_code=status.HTTP_201_CREATED,
    response_model=AttachmentPublic,
    operation_id="upload_attachment",
    responses=problems(
        PayloadTooLarge,
        UnsupportedMediaType,
        descriptions={
            413: "The file is larger than INTAKE_ATTACHMENT_MAX_BYTES (nothing is stored)",
            415: "The content is not an allowed type, whatever the file is called; `detected_type` names what it is",
        },
    ),
)
async def upload_attachment(
    case_id: str,
    principal: CaseStaff,
    db: DatabaseDep,
    storage: StorageDep,
    upload: EvidenceUploadDep,
) -> AttachmentPublic:
    """Attach an evidence file to a case. Its type is detected from the content (magic bytes), not
    the name; the bytes go to the storage (local files or S3), the row keeps name, size and SHA-256."""
    attachment = await service.upload_attachment(
        db=db, storage=storage, principal=principal, case_id=case_id, upload=upload
    )
    return service.to_public(attachment)


@router.get("/{case_id}/attachments", response_model=list[AttachmentPublic], operation_id="list_attachments")
async def list_attachments(case_id: str, principal: CaseRead, session: SessionDep) -> list[AttachmentPublic]:
    """The case's attachments, oldest first: who uploaded what, when, size and digest. The centre's
    staff, and the mediator of the case's proceeding (decision 0022's grant; others get 404)."""
    rows = await service.list_attachments(session=session, principal=principal, case_id=case_id)
    return [service.to_public(row) for row in rows]


@router.get(
    "/{case_id}/attachments/{attachment_id}/content",
    response_class=StreamingResponse,
    operation_id="download_attachment",
    responses={
        200: {
            "description": "The file, with `Repr-Digest: sha-256=:…:` (RFC 9530)",
            "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
        },
        **problems(descriptions={403: "An ID copy or health record, and the caller is not a personal-data role"}),
    },
)
async def download_attachment(
    case_id: str,
    attachment_id: str,
    principal: CaseRead,
    session: WriteSessionDep,
    storage: StorageDep,
    settings: SettingsDep,
) -> StreamingResponse:
    """Download an attachment; each download is logged like a read of personal data (pii_access).
    A mediator downloads only their own proceeding's case files (404 otherwise)."""
    attachment = await service.open_attachment(
        session=session,
        storage=storage,
        principal=principal,
        case_id=case_id,
        attachment_id=attachment_id,
        pii_roles=settings.pii_roles,
    )
    return service.file_response(storage, attachment)
