"""What an evidence upload route takes (the window's and the online application's): the file, its
two form fields, and the limits it must pass (``INTAKE_ATTACHMENT_MAX_BYTES``, ``…_ALLOWED_TYPES``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, File, Form, UploadFile

from intake.attachments.schemas import EvidenceType
from intake.config import SettingsDep


@dataclass(frozen=True)
class EvidenceUpload:
    file: UploadFile
    evidence_type: EvidenceType
    description: str | None  # trimmed; None when blank
    max_bytes: int
    allowed_types: Sequence[str]


def evidence_upload(
    file: Annotated[UploadFile, File(description="The evidence file (PDF, JPEG, PNG, HEIC, WebP, DOCX, XLSX)")],
    evidence_type: Annotated[EvidenceType, Form(description="What the file proves")],
    settings: SettingsDep,
    description: Annotated[str | None, Form(max_length=200)] = None,
) -> EvidenceUpload:
    return EvidenceUpload(
        file=file,
        evidence_type=evidence_type,
        description=(description or "").strip() or None,
        max_bytes=settings.attachment_max_bytes,
        allowed_types=settings.attachment_allowed_types,
    )


EvidenceUploadDep = Annotated[EvidenceUpload, Depends(evidence_upload)]
