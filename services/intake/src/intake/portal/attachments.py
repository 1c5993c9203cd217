"""Files attached to an online application: the applicant uploads them (the window's own type
detection and size limit, ``intake.attachments``), the clerk opens them when checking the
application, and registration makes each an attachment of the new case (same stored bytes)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from onewindow_kit.auth import Principal
from onewindow_kit.db import Database
from onewindow_kit.errors import (
    NotFound,
    StateConflict,
    ValidationFailed,
)
from onewindow_kit.storage import Storage
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from intake.attachments.dependencies import EvidenceUpload
from intake.attachments.models import Attachment
from intake.attachments.schemas import EvidenceType
from intake.attachments.service import EVIDENCE_ZH, log_read, may_read, removed_unless_recorded, store_upload
from intake.cases.models import TimelineEntry, new_id
from intake.portal.models import ApplicationAttachment, OnlineApplication

log = logging.getLogger("intake.portal.attachments")

MAX_FILES = 20  # per application


async def _own_open_application(session: AsyncSession, principal: Principal, application_id: str) -> OnlineApplication:
    application = await session.get(OnlineApplication, application_id)
    if application is None or application.phone_ref != (principal.phone_ref or "-"):
        raise NotFound("网上申请不存在")
    if application.status != "submitted":
        raise StateConflict("申请已处理，不能再添加材料", extra={"current_status": application.status})
    return application


async def upload(
    *,
    db: Database,
    storage: Storage,
    principal: Principal,
    application_id: str,
    upload: EvidenceUpload,
) -> ApplicationAttachment:
    """Check, store and record one file of the applicant's own, still undecided application."""
    async with db.transaction(read_only=True) as session:
        await _own_open_application(session, principal, application_id)
        count = (
            await session.execute(
                select(func.count()).where(col(ApplicationAttachment.application_id) == application_id)
            )
        ).scalar_one()
    if count >= MAX_FILES:
        raise ValidationFailed.field("file", f"每份申请最多上传{MAX_FILES}个文件")
    stored = await store_upload(storage=storage, upload=upload, folder=f"applications/{application_id}/attachments")
    async with removed_unless_recorded(storage, stored["storage_key"]), db.transaction() as session:
        await _own_open_application(session, principal, application_id)  # not decided meanwhile
        row = ApplicationAttachment(
            application_id=application_id,
            evidence_type=upload.evidence_type.value,
            description=upload.description,
            **stored,
        )
        session.add(row)
    log.info("application attachment stored", extra={"attachment_id": row.id, "size": row.size})
    return row


async def of_application(*, session: AsyncSession, application_id: str) -> list[ApplicationAttachment]:
    rows = await session.execute(
        select(ApplicationAttachment)
        .where(col(ApplicationAttachment.application_id) == application_id)
        .order_by(col(ApplicationAttachment.uploaded_at), col(ApplicationAttachment.id))
    )
    return list(rows.scalars().all())


async def open_for_clerk(
    *,
    session: AsyncSession,
    principal: Principal,
    application: OnlineApplication,
    attachment_id: str,
    pii_roles: Sequence[str],
) -> ApplicationAttachment:
    """A file of an application of the clerk's centre, once the read is logged."""
    row = await session.get(ApplicationAttachment, attachment_id)
    if row is None or row.application_id != application.id:
        raise NotFound("材料不存在")
    may_read(principal, row, pii_roles=pii_roles)
    log_read(session=session, principal=principal, row=row, case_id=application.id, purpose="审核网上申请材料")
    return row


async def attach_to_case(*, session: AsyncSession, application: OnlineApplication, case_id: str) -> int:
    """Registration: each file of the application becomes an attachment of the case (same bytes)."""
    rows = await of_application(session=session, application_id=application.id)
    for row in rows:
        attachment_id = new_id()
        session.add(
            Attachment(
                id=attachment_id,
                case_id=case_id,
                evidence_type=row.evidence_type,
                description=row.description,
                file_name=row.file_name,
                detected_type=row.detected_type,
                content_type=row.content_type,
                size=row.size,
                sha256=row.sha256,
                storage_backend=row.storage_backend,
                storage_key=row.storage_key,
                uploaded_by=f"application:{application.reference}",
                uploaded_by_name="申请人（网上申请）",
                uploaded_at=row.uploaded_at,
            )
        )
        session.add(
            TimelineEntry(
                case_id=case_id,
                source="intake",
                kind="case.attachment_added",
                actor="申请人（网上申请）",
                summary=f"网上申请所附证据材料：{EVIDENCE_ZH[EvidenceType(row.evidence_type)]}",
                data={"attachment_id": attachment_id, "evidence_type": row.evidence_type},
            )
        )
    return len(rows)
