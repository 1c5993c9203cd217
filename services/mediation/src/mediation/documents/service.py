"""Rendering, storing and reading a proceeding's documents.

The data of a document comes from mediation's own tables (proceeding, agreement, instalments,
mediator, sessions) and the parties' names and addresses from intake's case file (``GET
/cases/{id}`` with the service token: intake owns the case file, mediation never copies it).
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from onewindow_documents import RenderError, claim_zh, render_async, template_of
from onewindow_kit import documents
from onewindow_kit.bridge.casefile import CaseFile, IntakeClient, IntakeError
from onewindow_kit.errors import StateConflict, UpstreamUnavailable
from onewindow_kit.storage import Storage
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from mediation.agreements.models import Agreement
from mediation.agreements.service import instalments_of
from mediation.documents.models import Document
from mediation.documents.schemas import DocumentCreate, MediationDocumentKind
from mediation.proceedings.models import Proceeding
from mediation.registry.models import Mediator, Organisation
from mediation.sessions.models import MediationSession

CLOSE_ZH = {
    "withdrawn": "申请人撤回调解申请。",
    "refused": "一方当事人拒绝继续调解。",
    "false_information": "当事人提供虚假信息。",
    "delay": "当事人无正当理由拖延调解。",
    "expired": "调解期限届满，当事人未同意延长。",
}
NEEDS_AGREEMENT = {
    MediationDocumentKind.agreement,
    MediationDocumentKind.judicial_confirmation_application,
    MediationDocumentKind.arbitration_review_application,
}
ENDED = ("terminated", "expired", "withdrawn")
# The 移送材料清单 lists the newest version of each paper of the proceeding, in this order; not
# itself, and not the 送达回证 (a receipt of service stays with the centre).
COVER_SKIPS = {MediationDocumentKind.transfer_cover.value, MediationDocumentKind.service_receipt.value}
COVER_ORDER = {k: i for i, k in enumerate(("termination", "undisputed_facts", "session_notice", "agreement"))}
_SHANGHAI = ZoneInfo("Asia/Shanghai")


def _parties(case: CaseFile) -> dict[str, Any]:
    applicants = [{"name": a.name, "address": a.address} for a in case.applicants]
    respondents = [
        {
            "name": r.name,
            "credit_code": r.credit_code,
            "legal_representative": r.legal_representative,
            "address": r.address,
        }
        for r in case.respondents
    ]
    return {"applicants": applicants, "respondents": respondents}


async def read_case(*, intake: IntakeClient, case_id: str) -> CaseFile:
    """The case file from intake (503 when intake does not answer: nothing is rendered half-informed)."""
    try:
        return await intake.case(case_id=case_id)
    except IntakeError as exc:
        raise UpstreamUnavailable("the case system (intake) did not answer; try again shortly") from exc


async def document_data(
    *, session: AsyncSession, proceeding: Proceeding, case: CaseFile, request: DocumentCreate, today: str
) -> dict[str, Any]:
    """Everything the template of ``request.kind`` reads, as plain JSON values."""
    p = proceeding
    mediator = await session.get(Mediator, p.mediator_id) if p.mediator_id else None
    org = await session.get(Organisation, mediator.organisation_id) if mediator else None
    data: dict[str, Any] = {
        "case_no": p.case_no,
        "org_name": org.name if org else "劳动争议调解组织",
        "mediator": mediator.name if mediator else None,
        "issued_on": today,
        "received_on": p.received_on.isoformat(),
        "facts": case.facts,
        "claims": [{"category_zh": claim_zh(c.category), "amount": format(c.amount, "f")} for c in case.claims],
        "claimed_amount": format(p.total_claimed, "f"),
        **_parties(case),
    }
    kind = request.kind
    if kind in NEEDS_AGREEMENT:
        agreement = (
            (await session.execute(select(Agreement).where(col(Agreement.proceeding_id) == p.id))).scalars().first()
        )
        if agreement is None:
            raise StateConflict(
                "the proceeding has no agreement yet", extra={"detail_zh": "本调解程序尚未达成调解协议，不能生成该文书"}
            )
        instalments = await instalments_of(session=session, agreement_id=agreement.id)
        data |= {
            "agreement_no": agreement.agreement_no,
            "agreed_on": agreement.signed_on.isoformat(),
            "facts": agreement.facts or case.facts,
            "terms": [t for t in agreement.terms.splitlines() if t.strip()],
            "total_amount": format(agreement.total_amount, "f"),
            "instalments": [{"due_on": i.due_on.isoformat(), "amount": format(i.amount, "f")} for i in instalments],
        }
    if kind in (MediationDocumentKind.termination, MediationDocumentKind.undisputed_facts):
        if kind == MediationDocumentKind.termination and p.status not in ENDED:
            raise StateConflict(
                "the proceeding has not ended without agreement",
                extra={"status": p.status, "detail_zh": "调解程序尚未终结，不能生成调解终结书"},
            )
        facts = [f for f in (p.undisputed_facts or "").splitlines() if f.strip()]
        data |= {
            "undisputed_facts": facts,
            "reason": p.close_reason or CLOSE_ZH.get(p.close_reason_code or p.status, "调解未能达成协议。"),
        }
    if kind == MediationDocumentKind.session_notice:
        s = (
            (
                await session.execute(
                    select(MediationSession)
                    .where(col(MediationSession.proceeding_id) == p.id)
                    .order_by(col(MediationSession.starts_at).desc())
                )
            )
            .scalars()
            .first()
        )
        if s is None:
            raise StateConflict("no session is scheduled", extra={"detail_zh": "尚未安排调解会议，不能生成调解通知书"})
        data |= {
            "session_at": s.starts_at.astimezone(_SHANGHAI).strftime("%Y年%m月%d日 %H:%M"),
            "mode": "online" if s.mode == "online" else "in_person",
            "place": (s.meeting_link if s.mode == "online" else s.room) or "",
            "recipient": request.recipient or "各方当事人",
        }
    if kind == MediationDocumentKind.transfer_cover:
        if p.status not in ENDED:
            raise StateConflict(
                "the proceeding has not ended without agreement",
                extra={"status": p.status, "detail_zh": "调解程序尚未终结，不能生成移送材料清单"},
            )
        papers = await documents.list_versions(session=session, model=Document, owner={"proceeding_id": p.id})
        newest: dict[str, Document] = {}
        for d in papers:
            if d.kind not in COVER_SKIPS and (d.kind not in newest or d.version > newest[d.kind].version):
                newest[d.kind] = d
        if not newest:
            raise StateConflict(
                "nothing to list: generate the 调解终结书 first",
                extra={"detail_zh": "尚无可移送的文书，请先生成调解终结书"},
            )
        data |= {
            "center_name": data["org_name"],
            "documents": [
                {"kind": d.kind, "title": d.title, "version": d.version, "sha256": d.sha256}
                for d in sorted(newest.values(), key=lambda d: COVER_ORDER.get(d.kind, len(COVER_ORDER)))
            ],
        }
    if kind == MediationDocumentKind.service_receipt:
        of = request.of_kind or MediationDocumentKind.agreement
        data |= {
            "document_title": template_of(of.value).title_zh,
            "recipient": request.recipient or "",
            "method_zh": "直接送达",
        }
    return data


async def generate(
    *,
    session: AsyncSession,
    storage: Storage,
    proceeding: Proceeding,
    case: CaseFile,
    request: DocumentCreate,
    actor: str,
    today: str,
) -> Document:
    """Render the document and store it as the next version (bytes in storage, the row with digest and data)."""
    data = await document_data(session=session, proceeding=proceeding, case=case, request=request, today=today)
    try:
        rendered = await render_async(request.kind.value, data)
    except RenderError as exc:  # a template bug, not the caller's fault: let it be a 500 with the reason logged
        raise RuntimeError(str(exc)) from exc
    return await documents.store_version(
        session=session,
        storage=storage,
        model=Document,
        owner={"proceeding_id": proceeding.id},
        extra={"case_id": proceeding.case_id},
        kind=request.kind.value,
        rendered=rendered,
        data=data,
        actor=actor,
    )


async def list_documents(*, session: AsyncSession, proceeding: Proceeding) -> list[Document]:
    """Every version of every document of the proceeding, newest first."""
    return await documents.list_versions(session=session, model=Document, owner={"proceeding_id": proceeding.id})


async def get_document(*, session: AsyncSession, document_id: str) -> Document:
    return await documents.get_or_404(session=session, model=Document, document_id=document_id)
