"""Rendering, storing and reading a case's documents (intake owns the case file, so it renders the
receipt and the application from its own tables)."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

from onewindow_documents import render
from onewindow_domain.calendar import china_date, default_calendar
from onewindow_domain.clocks import compute_due, get_rule
from onewindow_kit.errors import NotFound
from onewindow_kit.storage import Storage, iterate
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from intake.cases.models import CaseFile
from intake.cases.service.reading import case_parts
from intake.centers.models import Center
from intake.documents.models import CaseDocument
from intake.documents.schemas import CaseDocumentCreate, CaseDocumentKind

CLAIM_ZH = {
    "wage_arrears": "拖欠工资",
    "overtime": "加班费",
    "severance": "经济补偿金",
    "unlawful_termination": "违法解除赔偿金",
    "no_contract_double_wage": "未签合同二倍工资",
    "notice_pay": "代通知金",
    "annual_leave": "未休年休假工资",
    "social_insurance": "社会保险",
    "work_injury": "工伤待遇",
    "confirm_relationship": "确认劳动关系",
    "other": "其他",
}
# The clock a receipt states when the case has no running deadline of its own yet.
ROUTE_RULES = {"mediation": "mediation_15d", "arbitration": "arbitration_acceptance_5d"}


def receipt_deadline(case: CaseFile, route: str, received_on: date) -> date | None:
    """The deadline the receipt shows: the case's running clock, else the route's statutory one."""
    if case.deadline_on is not None:
        return case.deadline_on
    rule = ROUTE_RULES.get(route)
    if rule is None:
        return None
    return compute_due(get_rule(rule), received_on, calendar=default_calendar().lenient()).due_on


async def document_data(
    *, session: AsyncSession, case: CaseFile, request: CaseDocumentCreate, today: str
) -> dict[str, Any]:
    """Everything the template reads, as plain JSON values (masked ID numbers only)."""
    parties, claims = await case_parts(session=session, case_id=case.id)
    center = await session.get(Center, case.center_id)
    received_on = china_date(case.registered_at)
    route = case.route or case.suggested_route
    deadline = receipt_deadline(case, route, received_on)
    return {
        "case_no": case.case_no,
        "center_name": center.name if center else case.center_id,
        "issued_on": today,
        "received_on": received_on.isoformat(),
        "route": route,
        "deadline": deadline.isoformat() if deadline else None,
        "facts": case.facts,
        "claimed_amount": format(case.total_claimed, "f"),
        "claims": [
            {
                "category_zh": CLAIM_ZH.get(c.category, c.category),
                "amount": format(c.amount, "f"),
                "description": c.description,
            }
            for c in claims
        ],
        "applicants": [
            {"name": p.name, "gender": p.sex, "id_masked": p.id_number_masked, "address": p.address}
            for p in parties
            if p.role == "applicant"
        ],
        "respondents": [
            {
                "name": p.name,
                "credit_code": p.credit_code,
                "legal_representative": p.legal_representative,
                "address": p.address,
            }
            for p in parties
            if p.role == "respondent"
        ],
        "document_title": "受理回执" if request.kind == CaseDocumentKind.service_receipt else None,
        "recipient": request.recipient or "",
        "method_zh": "直接送达",
        "org_name": center.name if center else case.center_id,
    }


async def generate(
    *, session: AsyncSession, storage: Storage, case: CaseFile, request: CaseDocumentCreate, actor: str, today: str
) -> CaseDocument:
    """Render the document and store it as the next version (bytes in storage, the row with digest and data)."""
    data = await document_data(session=session, case=case, request=request, today=today)
    rendered = await asyncio.to_thread(render, request.kind.value, data)
    latest = (
        await session.execute(
            select(func.max(col(CaseDocument.version))).where(
                col(CaseDocument.case_id) == case.id, col(CaseDocument.kind) == request.kind.value
            )
        )
    ).scalar()
    doc = CaseDocument(
        case_id=case.id,
        kind=request.kind.value,
        version=(latest or 0) + 1,
        title=rendered.title_zh,
        template_version=rendered.template_version,
        sha256=rendered.sha256,
        size=len(rendered.pdf),
        storage_key="",
        data=data,
        created_by=actor[:64],
    )
    doc.storage_key = f"documents/{doc.id}.pdf"
    await storage.save(doc.storage_key, iterate(rendered.pdf))
    session.add(doc)
    await session.flush()
    return doc


async def list_documents(*, session: AsyncSession, case: CaseFile) -> list[CaseDocument]:
    """Every version of every document of the case, newest first."""
    rows = await session.execute(
        select(CaseDocument)
        .where(col(CaseDocument.case_id) == case.id)
        .order_by(col(CaseDocument.created_at).desc(), col(CaseDocument.version).desc())
    )
    return list(rows.scalars().all())


async def get_document(*, session: AsyncSession, document_id: str) -> CaseDocument:
    doc = await session.get(CaseDocument, document_id)
    if doc is None:
        raise NotFound(f"document {document_id} does not exist")
    return doc
