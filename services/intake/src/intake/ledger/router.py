"""The service ledger (送达) of a case."""

from __future__ import annotations

from fastapi import APIRouter, status
from onewindow_kit.db import SessionDep
from onewindow_kit.errors import StateConflict
from onewindow_kit.openapi import problems

from intake.cases.auth import CaseStaff
from intake.config import SettingsDep
from intake.ledger import service
from intake.ledger.schemas import (
    ServedDocumentCreate,
    ServedDocumentPublic,
    ServiceLedger,
    ServiceRecordCreate,
    ServiceRecordPublic,
)

router = APIRouter(prefix="/cases", tags=["service ledger"])


@router.get("/{case_id}/service", response_model=ServiceLedger, operation_id="get_service_ledger")
async def get_service_ledger(case_id: str, principal: CaseStaff, session: SessionDep) -> ServiceLedger:
    """送达台账: each document, each party it must reach, served (how, when, where, proof) or pending."""
    return await service.ledger(session=session, principal=principal, case_id=case_id)


@router.post(
    "/{case_id}/service/documents",
    status_code=status.HTTP_201_CREATED,
    response_model=ServedDocumentPublic,
    operation_id="add_document_to_serve",
)
async def add_document_to_serve(
    case_id: str, data: ServedDocumentCreate, principal: CaseStaff, session: SessionDep
) -> ServedDocumentPublic:
    """Enter a document to serve; each party who must receive it gets a pending record."""
    return await service.add_document(session=session, principal=principal, case_id=case_id, data=data)


@router.post(
    "/{case_id}/service/records/{record_id}/serve",
    response_model=ServiceRecordPublic,
    operation_id="record_service",
    responses=problems(StateConflict),
)
async def record_service(
    case_id: str, record_id: str, data: ServiceRecordCreate, principal: CaseStaff, session: SessionDep
) -> ServiceRecordPublic:
    """Record service in person (signer or scanned 送达回证), by post (tracking number) or e-mail."""
    return await service.record_service(
        session=session, principal=principal, case_id=case_id, record_id=record_id, data=data
    )


@router.post(
    "/{case_id}/service/records/{record_id}/sms",
    response_model=ServiceRecordPublic,
    operation_id="send_service_sms",
    responses=problems(StateConflict),
)
async def send_service_sms(
    case_id: str, record_id: str, principal: CaseStaff, session: SessionDep, settings: SettingsDep
) -> ServiceRecordPublic:
    """Serve by SMS link: the message is queued at once and sent by the notice worker; the record is
    served at the time the provider reports delivery."""
    return await service.send_by_sms(
        session=session, principal=principal, case_id=case_id, record_id=record_id, link_base=settings.sms_link_base
    )
