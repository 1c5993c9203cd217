"""Evidence attachments: detect the type from the content, store the bytes, record the row.

An upload is all or nothing: the file goes to the storage first (which itself never leaves half a
file), then the row commits; if the row cannot commit, the file is deleted again. The database
transaction is not held while the bytes stream (on SQLite it would hold the write lock for the
whole upload), so the case is checked in a short read transaction first.
"""

from __future__ import annotations

import base64
import logging
import zipfile
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import BinaryIO, Protocol, TypedDict
from urllib.parse import quote

import anyio
import anyio.to_thread
from fastapi import UploadFile
from fastapi.responses import StreamingResponse
from onewindow_kit.auth import Principal
from onewindow_kit.db import Database
from onewindow_kit.errors import Forbidden, NotFound, PayloadTooLarge, UnsupportedMediaType, ValidationFailed
from onewindow_kit.storage import CHUNK_BYTES, Storage
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from intake.attachments.dependencies import EvidenceUpload
from intake.attachments.models import Attachment
from intake.attachments.schemas import SENSITIVE_EVIDENCE, AttachmentPublic, EvidenceType
from intake.cases.models import PiiAccess, TimelineEntry, new_id
from intake.cases.service import get_case

log = logging.getLogger("intake.attachments")

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "heic": "image/heic",
    "webp": "image/webp",
    "gif": "image/gif",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
EVIDENCE_ZH = {
    EvidenceType.labour_contract: "劳动合同",
    EvidenceType.pay_slip: "工资条",
    EvidenceType.attendance_record: "考勤记录",
    EvidenceType.chat_screenshot: "聊天记录截图",
    EvidenceType.id_copy: "身份证复印件",
    EvidenceType.termination_notice: "解除劳动合同通知",
    EvidenceType.social_insurance: "社保缴纳记录",
    EvidenceType.medical_record: "病历或工伤材料",
    EvidenceType.service_receipt: "送达回证",
    EvidenceType.other: "其他材料",
}
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}


def sniff(head: bytes) -> str:
    """The type the first bytes announce (magic numbers), whatever the file is called; ``zip``
    for any ZIP container (OOXML is told apart by :func:`detect_type`), ``unknown`` otherwise."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return "heic"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"  # legacy .doc/.xls (and macro carriers): not taken
    if head.startswith((b"MZ", b"\x7fELF")):
        return "executable"
    if head[:1] in (b"<", b"{", b"[") or head.lstrip()[:5].lower() in (b"<!doc", b"<html", b"<?xml", b"<svg "):
        return "text"
    return "unknown"


def _ooxml_kind(file: BinaryIO) -> str:
    """``docx``/``xlsx`` for a Word/Excel package, ``zip`` for any other archive (or a broken one)."""
    try:
        with zipfile.ZipFile(file) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return "zip"
    if "[Content_Types].xml" in names:
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
    return "zip"


async def detect_type(file: BinaryIO) -> str:
    """The type of a seekable file from its content; the position is back at 0 afterwards."""

    def detect() -> str:
        file.seek(0)
        kind = sniff(file.read(64))
        if kind == "zip":
            file.seek(0)
            kind = _ooxml_kind(file)
        file.seek(0)
        return kind

    return await anyio.to_thread.run_sync(detect)


def clean_file_name(raw: str | None) -> str:
    """The name to show: no directories, no control characters, at most 200 characters."""
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[-200:] or "未命名文件"


async def _chunks(upload: UploadFile) -> AsyncIterator[bytes]:
    await upload.seek(0)
    while chunk := await upload.read(CHUNK_BYTES):
        yield chunk


def to_public(attachment: Attachment) -> AttachmentPublic:
    return AttachmentPublic.model_validate(
        {
            **attachment.model_dump(),
            "sensitive": attachment.evidence_type in SENSITIVE_EVIDENCE,
        }
    )


async def checked_upload_type(upload: UploadFile, *, max_bytes: int, allowed_types: Sequence[str]) -> str:
    """The upload's type detected from its content, once its size and type pass (413, 422, 415 otherwise)."""
    size = upload.size
    if size is None:  # Starlette counts what it spooled; never None for a parsed upload
        raise ValidationFailed.field("file", "无法读取上传的文件")
    if size > max_bytes:
        raise PayloadTooLarge(
            f"file: 文件不能超过{max_bytes}字节",
            errors=[{"field": "file", "message": f"文件不能超过{max_bytes // (1024 * 1024)}MB"}],
        )
    if size == 0:
        raise ValidationFailed.field("file", "文件为空")
    detected = await detect_type(upload.file)
    if detected not in allowed_types:
        raise UnsupportedMediaType(
            f"file: 不支持的文件类型（检测为 {detected}）",
            errors=[
                {"field": "file", "message": f"不支持的文件类型：检测为 {detected}，可上传 {'、'.join(allowed_types)}"}
            ],
            extra={"detected_type": detected},
        )
    return detected


class StoredUpload(TypedDict):
    """The id and file columns of an uploaded file's row (``Attachment``, ``ApplicationAttachment``)."""

    id: str
    file_name: str
    detected_type: str
    content_type: str
    size: int
    sha256: str
    storage_backend: str
    storage_key: str


async def store_upload(*, storage: Storage, upload: EvidenceUpload, folder: str) -> StoredUpload:
    """Check the upload's size and type (413, 422, 415: nothing stored) and store its bytes as
    ``folder/<new row id>``; the columns of its row. Record the row inside :func:`removed_unless_recorded`."""
    detected = await checked_upload_type(upload.file, max_bytes=upload.max_bytes, allowed_types=upload.allowed_types)
    row_id = new_id()
    key = f"{folder}/{row_id}"
    stored = await storage.save(key, _chunks(upload.file), max_bytes=upload.max_bytes)
    return StoredUpload(
        id=row_id,
        file_name=clean_file_name(upload.file.filename),
        detected_type=detected,
        content_type=CONTENT_TYPES.get(detected, "application/octet-stream"),
        size=stored.size,
        sha256=stored.sha256,
        storage_backend=storage.backend,
        storage_key=key,
    )


@asynccontextmanager
async def removed_unless_recorded(storage: Storage, key: str) -> AsyncIterator[None]:
    """Delete the stored file at ``key`` again when the block that records its row fails or is
    cancelled, so an upload is all or nothing."""
    try:
        yield
    except BaseException:
        with anyio.CancelScope(shield=True):
            await storage.delete(key)
        raise


async def upload_attachment(
    *,
    db: Database,
    storage: Storage,
    principal: Principal,
    case_id: str,
    upload: EvidenceUpload,
) -> Attachment:
    """Check, store and record one uploaded file (413, 415 and 404 leave nothing behind)."""
    async with db.transaction(read_only=True) as session:
        await get_case(session=session, principal=principal, case_id=case_id)
    stored = await store_upload(storage=storage, upload=upload, folder=f"cases/{case_id}/attachments")
    async with removed_unless_recorded(storage, stored["storage_key"]), db.transaction() as session:
        attachment = Attachment(
            case_id=case_id,
            evidence_type=upload.evidence_type.value,
            description=upload.description,
            **stored,
            uploaded_by=principal.subject,
            uploaded_by_name=(principal.name or principal.subject)[:100],
        )
        session.add(attachment)
        session.add(
            TimelineEntry(
                case_id=case_id,
                source="intake",
                kind="case.attachment_added",
                actor=attachment.uploaded_by_name,
                summary=f"上传证据材料：{EVIDENCE_ZH[upload.evidence_type]}",
                data={"attachment_id": attachment.id, "evidence_type": attachment.evidence_type},
            )
        )
    log.info("attachment stored", extra={"case_id": case_id, "attachment_id": attachment.id, "size": attachment.size})
    return attachment


async def list_attachments(*, session: AsyncSession, principal: Principal, case_id: str) -> list[Attachment]:
    """The case's attachments, oldest first."""
    await get_case(session=session, principal=principal, case_id=case_id)
    rows = await session.execute(
        select(Attachment)
        .where(col(Attachment.case_id) == case_id)
        .order_by(col(Attachment.uploaded_at), col(Attachment.id))
    )
    return list(rows.scalars().all())


async def open_attachment(
    *,
    session: AsyncSession,
    storage: Storage,
    principal: Principal,
    case_id: str,
    attachment_id: str,
    pii_roles: Sequence[str],
) -> Attachment:
    """The attachment to download, once the read is logged (like a read of personal data)."""
    await get_case(session=session, principal=principal, case_id=case_id)
    attachment = await session.get(Attachment, attachment_id)
    if attachment is None or attachment.case_id != case_id:
        raise NotFound(f"attachment {attachment_id} does not exist")
    may_read(principal, attachment, pii_roles=pii_roles)
    if not await storage.exists(attachment.storage_key):
        log.error("attachment file missing", extra={"case_id": case_id, "attachment_id": attachment.id})
        raise NotFound(f"attachment {attachment_id} has no file")
    log_read(session=session, principal=principal, row=attachment, case_id=case_id, purpose="下载证据材料")
    return attachment


def may_read(principal: Principal, row: StoredFile, *, pii_roles: Sequence[str]) -> None:
    """403 for an ID copy or a health record (SENSITIVE_EVIDENCE) unless the caller has a personal-data role."""
    if row.evidence_type in SENSITIVE_EVIDENCE and not principal.has_any_role(*pii_roles):
        raise Forbidden("这份材料含敏感个人信息，您的角色不能下载")


def log_read(*, session: AsyncSession, principal: Principal, row: StoredFile, case_id: str, purpose: str) -> None:
    """Log the read of a file like a read of personal data (pii_access), ``purpose``（证据类型）."""
    session.add(
        PiiAccess(
            case_id=case_id,
            actor=principal.subject,
            actor_roles=",".join(sorted(principal.roles)),
            fields=f"attachment:{row.id}",
            purpose=f"{purpose}（{EVIDENCE_ZH[EvidenceType(row.evidence_type)]}）",
        )
    )


def content_disposition(file_name: str) -> str:
    """``attachment; filename="…"; filename*=UTF-8''…`` (RFC 6266): an ASCII fallback and the real name."""
    fallback = "".join(ch if (ch.isascii() and ch.isalnum()) or ch in "._-" else "_" for ch in file_name) or "file"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(file_name, safe='')}"


def digest_b64(sha256_hex: str) -> str:
    """The hex digest as RFC 9530 wants it (base64)."""
    return base64.b64encode(bytes.fromhex(sha256_hex)).decode()


class StoredFile(Protocol):
    """What a download and its read log need of an uploaded file's row."""

    id: str
    evidence_type: str
    storage_key: str
    content_type: str
    size: int
    file_name: str
    sha256: str


def file_response(storage: Storage, row: StoredFile) -> StreamingResponse:
    """The file streamed from storage as a download under its shown name, with its digest
    (``Repr-Digest``, RFC 9530, and the ETag), never sniffed or cached by the browser."""
    return StreamingResponse(
        storage.read(row.storage_key),
        media_type=row.content_type,
        headers={
            "Content-Length": str(row.size),
            "Content-Disposition": content_disposition(row.file_name),
            "Repr-Digest": f"sha-256=:{digest_b64(row.sha256)}:",
            "ETag": f'"{row.sha256}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )
