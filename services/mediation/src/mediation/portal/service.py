"""The parties' view of their mediation: proposed sessions and their replies, the agreement and
its electronic confirmations. Every look-up starts from the case ids of the party's token."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from onewindow_kit import documents
from onewindow_kit.auth import Principal
from onewindow_kit.db import utcnow
from onewindow_kit.errors import NotFound, StateConflict, Unauthorized
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from mediation.agreements.models import Agreement, AgreementConfirmation, Instalment
from mediation.agreements.service import agreement_digest, confirmations_of, instalments_of
from mediation.documents.models import Document
from mediation.portal.schemas import (
    ConfirmationPublic,
    PaymentPublic,
    PortalAgreement,
    PortalDocument,
    PortalSession,
    SessionReplyCreate,
    SessionReplyPublic,
)
from mediation.proceedings.models import Proceeding
from mediation.sessions.models import MediationSession, SessionReply

# An online session's link shows from this long before it starts until it ends.
LINK_LEAD = timedelta(minutes=30)
SESSION_ZH = {"scheduled": "已安排", "held": "已召开", "cancelled": "已取消"}


def _side(principal: Principal, case_id: str) -> str:
    side = principal.party_cases.get(case_id)
    if side is None:
        raise NotFound("案件不存在")
    return side


async def _proceeding_ids(session: AsyncSession, case_id: str) -> list[str]:
    rows = await session.execute(select(col(Proceeding.id)).where(col(Proceeding.case_id) == case_id))
    return list(rows.scalars().all())


def _portal_session(s: MediationSession, reply: SessionReply | None, now: datetime) -> PortalSession:
    link_from = s.starts_at - LINK_LEAD if s.mode == "online" else None
    show_link = (
        s.mode == "online" and s.status == "scheduled" and link_from is not None and link_from <= now <= s.ends_at
    )
    return PortalSession(
        id=s.id,
        mode=s.mode,
        room=s.room if s.mode == "in_person" else None,
        starts_at=s.starts_at,
        ends_at=s.ends_at,
        status=s.status,
        status_label=SESSION_ZH.get(s.status, s.status),
        meeting_link=s.meeting_link if show_link else None,
        link_available_from=link_from,
        my_reply=SessionReplyPublic.model_validate(reply) if reply else None,
    )


async def party_sessions(
    *, session: AsyncSession, principal: Principal, case_id: str, now: datetime | None = None
) -> list[PortalSession]:
    """The sessions of the case's proceedings, by time, with this party's replies."""
    _side(principal, case_id)
    ids = await _proceeding_ids(session, case_id)
    if not ids:
        return []
    sessions = (
        (
            await session.execute(
                select(MediationSession)
                .where(col(MediationSession.proceeding_id).in_(ids))
                .order_by(col(MediationSession.starts_at), col(MediationSession.id))
            )
        )
        .scalars()
        .all()
    )
    replies = {
        r.session_id: r
        for r in (
            await session.execute(
                select(SessionReply).where(
                    col(SessionReply.session_id).in_([s.id for s in sessions]),
                    col(SessionReply.phone_ref) == (principal.phone_ref or "-"),
                )
            )
        ).scalars()
    }
    at = now or utcnow()
    return [_portal_session(s, replies.get(s.id), at) for s in sessions]


async def reply_to_session(
    *, session: AsyncSession, principal: Principal, session_id: str, data: SessionReplyCreate
) -> PortalSession:
    """Confirm a proposed session or ask for another time (the latest answer counts)."""
    s = await session.get(MediationSession, session_id)
    proceeding = await session.get(Proceeding, s.proceeding_id) if s else None
    if s is None or proceeding is None or proceeding.case_id not in principal.party_cases:
        raise NotFound("调解会议不存在")
    side = principal.party_cases[proceeding.case_id]
    now = utcnow()
    if s.status != "scheduled" or s.starts_at <= now:
        raise StateConflict(
            "该调解会议已开始、已召开或已取消，不能再答复", extra={"current_status": s.status, "allowed": []}
        )
    reply = (
        await session.execute(
            select(SessionReply).where(
                col(SessionReply.session_id) == s.id, col(SessionReply.phone_ref) == principal.phone_ref
            )
        )
    ).scalar_one_or_none()
    if reply is None:
        reply = SessionReply(
            session_id=s.id,
            side=side,
            phone_ref=principal.phone_ref or "",
            phone_masked=_masked(principal),
            answer=data.answer.value,
        )
        session.add(reply)
    reply.answer = data.answer.value
    reply.note = data.note
    reply.replied_at = now
    await session.flush()
    return _portal_session(s, reply, now)


def _masked(principal: Principal) -> str:
    value = principal.claims.get("phone_masked")
    return str(value)[:11] if value else "****"


async def _agreement_of_case(session: AsyncSession, case_id: str) -> tuple[Agreement, list[Instalment]]:
    ids = await _proceeding_ids(session, case_id)
    agreement = (
        (
            await session.execute(
                select(Agreement)
                .where(col(Agreement.proceeding_id).in_(ids))
                .order_by(col(Agreement.created_at).desc())
            )
        )
        .scalars()
        .first()
        if ids
        else None
    )
    if agreement is None:
        raise NotFound("本案尚无调解协议")
    return agreement, await instalments_of(session=session, agreement_id=agreement.id)


async def party_agreement(*, session: AsyncSession, principal: Principal, case_id: str) -> PortalAgreement:
    """The case's agreement as its party reads it, with the digest a confirmation signs."""
    _side(principal, case_id)
    agreement, instalments = await _agreement_of_case(session, case_id)
    return await _portal_agreement(session, principal, agreement, instalments)


async def _portal_agreement(
    session: AsyncSession, principal: Principal, a: Agreement, instalments: list[Instalment]
) -> PortalAgreement:
    confirmations = await confirmations_of(session=session, agreement_id=a.id)
    mine = next((c for c in confirmations if c.phone_ref == principal.phone_ref), None)
    return PortalAgreement(
        id=a.id,
        agreement_no=a.agreement_no,
        signed_on=a.signed_on,
        effective_on=a.effective_on,
        facts=a.facts,
        terms=a.terms,
        total_amount=a.total_amount,
        payments=[PaymentPublic(due_on=i.due_on, amount=i.amount, payer=i.payer, payee=i.payee) for i in instalments],
        digest=agreement_digest(a, instalments),
        object=f"agreement:{a.id}",
        my_confirmation=ConfirmationPublic.model_validate(mine) if mine else None,
        confirmations=[ConfirmationPublic.model_validate(c) for c in confirmations],
    )


async def confirm_agreement(
    *, session: AsyncSession, principal: Principal, agreement_id: str, confirmation: Principal
) -> PortalAgreement:
    """Record the party's SMS-code confirmation of the agreement it read (电子签名证据)."""
    a = await session.get(Agreement, agreement_id)
    proceeding = await session.get(Proceeding, a.proceeding_id) if a else None
    if a is None or proceeding is None or proceeding.case_id not in principal.party_cases:
        raise NotFound("调解协议不存在")
    claims: dict[str, Any] = dict(confirmation.claims)
    if (
        confirmation.kind != "party"
        or confirmation.subject != principal.subject
        or claims.get("phone_ref") != principal.phone_ref
        or claims.get("object") != f"agreement:{a.id}"
    ):
        raise Unauthorized("确认凭证与当前登录或协议不符")
    instalments = await instalments_of(session=session, agreement_id=a.id)
    digest = agreement_digest(a, instalments)
    if claims.get("digest") != digest:
        raise StateConflict("协议内容已变更，请重新阅读后确认", extra={"current_digest": digest, "allowed": []})
    existing = await confirmations_of(session=session, agreement_id=a.id)
    if any(c.phone_ref == principal.phone_ref for c in existing):
        raise StateConflict("您已确认过本协议", extra={"allowed": []})
    session.add(
        AgreementConfirmation(
            agreement_id=a.id,
            case_id=proceeding.case_id,
            side=principal.party_cases[proceeding.case_id],
            phone_ref=principal.phone_ref or "",
            phone_masked=str(claims.get("phone_masked") or _masked(principal))[:11],
            digest=digest,
            confirmed_at=datetime.fromtimestamp(int(claims.get("iat", 0)), tz=utcnow().tzinfo),
            token_id=str(confirmation.token_id or ""),
        )
    )
    try:
        await session.flush()
    except IntegrityError as exc:  # the same confirmation token twice, at once
        raise StateConflict("该确认凭证已使用", extra={"allowed": []}) from exc
    return await _portal_agreement(session, principal, a, instalments)


# What mediation renders that a party reads. The applications to a court or the arbitration
# commission and the 送达回证 are the mediator's papers; the 无争议事实确认书 is the mediator's too
# until it is served (then it reaches the party on paper or by the ledger's link).
PARTY_DOCUMENT_KINDS = frozenset({"session_notice", "agreement", "termination"})


async def party_documents(*, session: AsyncSession, principal: Principal, case_id: str) -> list[PortalDocument]:
    """The newest version of each party document of the case's proceedings (404 for another case)."""
    _side(principal, case_id)
    rows = (
        (
            await session.execute(
                select(Document)
                .where(col(Document.case_id) == case_id, col(Document.kind).in_(sorted(PARTY_DOCUMENT_KINDS)))
                .order_by(col(Document.created_at).desc(), col(Document.version).desc())
            )
        )
        .scalars()
        .all()
    )
    newest: dict[tuple[str, str, str], Document] = {}
    for doc in rows:  # newest first
        recipient = str((doc.data or {}).get("recipient") or "")
        newest.setdefault((doc.proceeding_id, doc.kind, recipient), doc)
    return [
        PortalDocument.model_validate(
            {
                **d.model_dump(),
                "recipient": (d.data or {}).get("recipient") or None,
                "download_path": f"/api/mediation/portal/documents/{d.id}/content",
            }
        )
        for d in newest.values()
    ]


async def party_document(*, session: AsyncSession, principal: Principal, document_id: str) -> Document:
    """A party document of the mediation (调解通知书, 调解协议书, 调解终结书); 404 for anything else."""
    return await documents.party_document_or_404(
        session=session, model=Document, document_id=document_id, kinds=PARTY_DOCUMENT_KINDS, principal=principal
    )
