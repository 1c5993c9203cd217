"""Evidence attachments: what the API takes and answers."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class EvidenceType(StrEnum):
    """What a file proves (证据类型); the SPA shows the Chinese label."""

    labour_contract = "labour_contract"  # 劳动合同
    pay_slip = "pay_slip"  # 工资条、工资流水
    attendance_record = "attendance_record"  # 考勤记录
    chat_screenshot = "chat_screenshot"  # 聊天记录截图
    id_copy = "id_copy"  # 身份证复印件 (sensitive: only the personal-data roles download it)
    termination_notice = "termination_notice"  # 解除/终止劳动合同通知
    social_insurance = "social_insurance"  # 社保缴纳记录
    medical_record = "medical_record"  # 病历、工伤认定 (health data: personal-data roles only)
    service_receipt = "service_receipt"  # 签收的送达回证扫描件
    other = "other"  # 其他


# Evidence whose content is sensitive personal information (个人信息保护法 第28条; DOMAIN.md §9).
SENSITIVE_EVIDENCE = frozenset({EvidenceType.id_copy, EvidenceType.medical_record})


class AttachmentPublic(BaseModel):
    """One attachment of a case: who uploaded what, when, and its digest."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    case_id: str
    evidence_type: EvidenceType
    description: str | None
    file_name: str
    detected_type: str = Field(description="Detected from the content: pdf, jpeg, png, heic, webp, docx, xlsx")
    content_type: str
    size: int = Field(description="Bytes")
    sha256: str = Field(description="SHA-256 of the content, hex")
    uploaded_by: str
    uploaded_by_name: str | None
    uploaded_at: datetime
    sensitive: bool = Field(description="ID copy or health record: only the personal-data roles may download it")
