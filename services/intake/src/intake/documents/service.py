"""Rendering, storing and reading a case's documents (intake owns the case file, so it renders the
receipt and the application from its own tables)."""

from __future__ import annotations

from datetime import date
from typing import Any

from onewindow_documents import claim_zh, render_async
from onewindow_domain.calendar import china_date, default_calendar
from onewindow_domain.clocks import compute_due, get_rule
from onewindow_kit import documents
from onewindow_kit.storage import Storage
from sqlalchemy.ext.asyncio import AsyncSession

from intake.cases.models import CaseFile
from intake.cases.service.reading import case_parts
from intake.centers.models import Center
from intake.documents.models import CaseDocument
from intake.documents.schemas import CaseDocumentCreate, CaseDocumentKind

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
                "category_zh": claim_zh(c.category),
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
    rendered = await render_async(request.kind.value, data)
    return await documents.store_version(
        session=session,
        storage=storage,
        model=CaseDocument,
        owner={"case_id": case.id},
        kind=request.kind.value,
        rendered=rendered,
        data=data,
        actor=actor,
    )


async def list_documents(*, session: AsyncSession, case: CaseFile) -> list[CaseDocument]:
    """Every version of every document of the case, newest first."""
    return await documents.list_versions(session=session, model=CaseDocument, owner={"case_id": case.id})


async def get_document(*, session: AsyncSession, document_id: str) -> CaseDocument:
    return await documents.get_or_404(session=session, model=CaseDocument, document_id=document_id)
