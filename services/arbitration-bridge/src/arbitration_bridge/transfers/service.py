"""Transfers to arbitration: opened by staff once the window mediation terminated or expired,
prepared by the worker (the file and identities from intake), decided by the commission, flagged
when the commission lets its 5 days pass without an answer."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date
from typing import Any

from onewindow_domain.calendar import china_today
from onewindow_domain.clocks import compute_due
from onewindow_kit.auth import Principal
from onewindow_kit.bridge.casefile import CaseFile
from onewindow_kit.bridge.documents import document_ref, link_fields
from onewindow_kit.bridge.messages import announce, notify
from onewindow_kit.crypto import FieldCipher
from onewindow_kit.db import utcnow
from onewindow_kit.errors import AlreadyExists, NotFound, StateConflict, ValidationFailed
from onewindow_kit.pagination import keyset_page
from onewindow_kit.partners.models import Partner
from sqlalchemy import and_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from arbitration_bridge.cases.models import CaseRecord
from arbitration_bridge.cases.service import (
    MEDIATION_ZH,
    REFUSABLE,
    TRANSFERABLE,
    mediation_summary,
    record_for_update,
)
from arbitration_bridge.commissions import choose_commission
from arbitration_bridge.referrals.service import calendar, can_see
from arbitration_bridge.transfers.models import Transfer
from arbitration_bridge.transfers.schemas import TransferCreate, TransferDecision, TransferView

ACCEPTANCE_RULE = "arbitration_acceptance_5d"  # 5 working days: 调解仲裁法 第29条; 办案规则 第30条、第80条
ACTIVE = ("preparing", "requested", "accepted")
SOURCE_ZH = {"court_pre_filing": "法院委派", "court_in_litigation": "法院委托", "arbitration_pre_filing": "仲裁院委托"}


def acceptance_due(*, requested_on: date) -> date:
    """The commission decides whether to accept within 5 days of receiving the case (first day excluded)."""
    return compute_due(ACCEPTANCE_RULE, requested_on, calendar=calendar()).due_on


def stream_of(case_id: str) -> str:
    return f"case:{case_id}"


LEAD_ZH = {
    "failed_mediation": "调解不成，申请人选择仲裁",
    "refused_mediation": "申请人不愿调解，直接申请仲裁",
    "breached_agreement": "被申请人未按调解协议履行，申请人申请仲裁",
}
KIND_ZH = {
    "failed_mediation": "调解不成转仲裁",
    "refused_mediation": "申请人拒绝调解，直接申请仲裁",
    "breached_agreement": "被申请人不履行调解协议，申请仲裁",
}


# What a transfer carries as generated documents (mediation renders them; kinds as mediation names them).
# Rendered in this order when missing: the cover list (移送材料清单) last, so it lists the other two.
TRANSFER_DOCUMENTS = ("termination", "undisputed_facts", "transfer_cover")


def document_path(transfer_id: str, document_id: str) -> str:
    return f"/partner/arbitration/v1/transfers/{transfer_id}/documents/{document_id}"


def with_links(
    listed: list[dict[str, Any]],
    generated: list[dict[str, Any]],
    *,
    transfer_id: str,
    secret: str,
    public_url: str,
    link_seconds: int,
    now: float,
    path: Callable[[str, str], str] = document_path,
) -> list[dict[str, Any]]:
    """The bundle's documents: each generated one with its digest and a signed, expiring link (the
    titles-only entries stay for what is not generated, so v1 readers see the same list).
    ``transfer_id`` is the link's scope (a review's id for a review, with its ``path``)."""
    expires = int(now) + link_seconds
    by_kind = {g["kind"]: g for g in generated}
    out: list[dict[str, Any]] = []
    for entry in listed:
        g = by_kind.pop(entry["kind"], None)
        out.append(entry if g is None else entry | _linked(g, transfer_id, secret, public_url, expires, path))
    for g in by_kind.values():
        out.append(
            {"kind": g["kind"], "title": g["title"], "ref": g["proceeding_id"]}
            | _linked(g, transfer_id, secret, public_url, expires, path)
        )
    return out


def _linked(
    g: dict[str, Any],
    transfer_id: str,
    secret: str,
    public_url: str,
    expires: int,
    path: Callable[[str, str], str] = document_path,
) -> dict[str, Any]:
    return link_fields(
        g, scope=transfer_id, path=path(transfer_id, g["id"]), secret=secret, public_url=public_url, expires=expires
    )


def listed_document(transfer: Transfer, document_id: str) -> dict[str, Any] | None:
    return next((d for d in transfer.documents or () if d.get("document_id") == document_id), None)


def documents_of(record: CaseRecord, *, kind: str = "failed_mediation") -> list[dict[str, Any]]:
    """The documents of the file the commission receives (the centre keeps the originals)."""
    title = "劳动争议调解申请登记表" if kind != "refused_mediation" else "劳动争议登记表"
    docs: list[dict[str, Any]] = [{"kind": "application", "title": title, "ref": record.case_no}]
    if record.undisputed_facts:
        docs.append({"kind": "undisputed_facts", "title": "无争议事实确认书", "ref": record.proceeding_id})
    if kind == "breached_agreement" and record.agreement:
        # The agreement itself, with the digest of its content (a generated PDF fills the same shape).
        docs.append(
            document_ref(kind="agreement", title="调解协议书", content=record.agreement)
            | {"ref": record.agreement.get("agreement_no")}
        )
    elif record.mediation_status == "terminated":
        docs.append({"kind": "termination", "title": "调解终结书", "ref": record.proceeding_id})
    elif record.mediation_status == "expired":
        docs.append({"kind": "expiry_notice", "title": "调解期限届满告知书", "ref": record.proceeding_id})
    return docs


def check_transferable(record: CaseRecord, *, kind: str) -> None:
    """409 (with the reason in Chinese) unless the case may go to the commission for ``kind``."""
    status = record.mediation_status
    label = MEDIATION_ZH.get(status or "", status or "未调解")
    if kind != "breached_agreement" and record.source and record.source != "window":
        raise StateConflict(
            f"this case was referred ({record.source}); the result goes back to the referrer, not by transfer",
            extra={
                "source": record.source,
                "detail_zh": f"本案系{SOURCE_ZH.get(record.source, '外部委派')}调解，调解结果将反馈委派方，不适用移送仲裁",
            },
        )
    if kind == "failed_mediation" and status not in TRANSFERABLE:
        raise StateConflict(
            "a case is transferred once its mediation terminated or expired without agreement",
            extra={
                "mediation_status": status or "unknown",
                "detail_zh": f"调解程序当前为“{label}”，调解终结或期限届满后方可移送仲裁",
            },
        )
    if kind == "refused_mediation" and status not in REFUSABLE:
        raise StateConflict(
            "a worker who refuses mediation goes to arbitration before a proceeding opens or once it ended",
            extra={
                "mediation_status": status,
                "detail_zh": (
                    "本案已达成调解协议，不履行的可按“不履行调解协议”申请仲裁"
                    if status == "agreed"
                    else f"调解程序当前为“{label}”；当事人不愿继续调解的，须先由调解员记录并终结调解（人民调解法第十七条）"
                ),
            },
        )
    if kind == "breached_agreement" and (status != "agreed" or not record.agreement or not record.agreement_breach):
        raise StateConflict(
            "only an agreement with an overdue instalment is breached",
            extra={
                "mediation_status": status,
                "detail_zh": "本案调解协议尚无逾期未履行的款项，暂不能以不履行调解协议申请仲裁"
                if status == "agreed"
                else "本案未达成调解协议",
            },
        )


def application_of(record: CaseRecord, *, kind: str) -> dict[str, Any]:
    """The parts of the 申请书 the bridge knows without intake (the rest is read when it is sent)."""
    application: dict[str, Any] = {"kind": kind, "kind_zh": KIND_ZH[kind]}
    if kind == "breached_agreement" and record.agreement:
        application["agreement"] = record.agreement
        application["breach"] = record.agreement_breach
    return application


async def known_center(*, session: AsyncSession, case_id: str) -> CaseRecord | None:
    """The bridge's record of a case (its centre may still be unknown: intake's event not yet here)."""
    return await session.get(CaseRecord, case_id)


async def open_transfer(
    *, session: AsyncSession, principal: Principal, data: TransferCreate, center_id: str, default_partner_id: str | None
) -> Transfer:
    """Record the worker's choice of arbitration (409 with the reason when the case does not qualify).

    A case the bridge never heard of can only be one whose worker refused mediation at the window."""
    if not can_see(principal, center_id):
        raise NotFound(f"case {data.case_id} has no mediation known to the arbitration bridge")
    record = await session.get(CaseRecord, data.case_id, with_for_update=True, populate_existing=True)
    if record is None and data.kind == "refused_mediation":
        record = await record_for_update(session, data.case_id, create=True)
        assert record is not None
        record.source = "window"
    if record is None:
        raise NotFound(f"case {data.case_id} has no mediation known to the arbitration bridge")
    if record.center_id is None:
        record.center_id = center_id
    check_transferable(record, kind=data.kind)
    active = (
        (await session.execute(select(Transfer).where(Transfer.case_id == record.case_id, Transfer.state.in_(ACTIVE))))
        .scalars()
        .first()
    )
    if active is not None:
        raise AlreadyExists(
            f"the case was already transferred: {active.id} ({active.state})",
            extra={"transfer_id": active.id, "state": active.state},
        )
    partner = await choose_commission(
        session=session, center_id=center_id, partner_id=data.partner_id, default_partner_id=default_partner_id
    )
    transfer = Transfer(
        case_id=record.case_id,
        case_no=record.case_no,
        center_id=center_id,
        partner_id=partner.id,
        stream_key=stream_of(record.case_id),
        kind=data.kind,
        reason=data.reason,
        requested_by=(principal.name or principal.subject)[:120],
        mediation=mediation_summary(record),
        undisputed_facts=record.undisputed_facts or data.undisputed_facts,
        documents=documents_of(record, kind=data.kind),
        application=application_of(record, kind=data.kind),
    )
    session.add(transfer)
    await session.flush()
    return transfer


async def mark_requested(
    *,
    session: AsyncSession,
    transfer_id: str,
    case: CaseFile,
    applicants: list[dict[str, Any]],
    respondents: list[dict[str, Any]],
    cipher: FieldCipher,
    today: date | None = None,
    generated: list[dict[str, Any]] | None = None,
    link_secret: str = "",
    public_url: str = "",
    link_seconds: int = 7 * 24 * 3600,
) -> bool:
    """The file is in hand: send ``transfer.requested`` (with the generated documents' digests and
    signed links) and start the 5-day clock (once)."""
    today = today or china_today()
    due = acceptance_due(requested_on=today)
    now = utcnow()
    taken = await session.execute(
        update(Transfer)
        .where(Transfer.id == transfer_id, Transfer.state == "preparing")
        .values(
            state="requested",
            requested_at=now,
            requested_on=today,
            due_on=due,
            updated_at=now,
            last_error=None,
            case_no=case.case_no,
        )
    )
    if taken.rowcount != 1:
        return False
    transfer = await session.get(Transfer, transfer_id, populate_existing=True)
    assert transfer is not None
    # The 申请书 (劳动人事争议仲裁办案规则 第29条): the parties above with their service addresses, the
    # requests and the facts they rest on; for a breached agreement, the agreement and the breach.
    application = dict(transfer.application or {"kind": transfer.kind, "kind_zh": KIND_ZH[transfer.kind]})
    application["requests"] = [
        {"category": c.category, "amount": str(c.amount), "description": c.description} for c in case.claims
    ]
    transfer.application = application
    if generated:
        transfer.documents = with_links(
            list(transfer.documents or []),
            generated,
            transfer_id=transfer.id,
            secret=link_secret,
            public_url=public_url,
            link_seconds=link_seconds,
            now=time.time(),
        )
    partner = await session.get(Partner, transfer.partner_id)
    await notify(
        session,
        partner_id=transfer.partner_id,
        stream_key=transfer.stream_key,
        event_type="transfer.requested",
        cipher=cipher,
        data={
            "transfer_id": transfer.id,
            "kind": transfer.kind,
            "case_no": case.case_no,
            "reason": transfer.reason,
            "applicants": applicants,
            "respondents": respondents,
            "claims": [c.model_dump(mode="json", exclude_none=True) for c in case.claims],
            "facts": case.facts,
            "undisputed_facts": transfer.undisputed_facts,
            "mediation": transfer.mediation,
            "documents": transfer.documents,
            "application": application,
            "requested_on": today.isoformat(),
            "accept_due_on": due.isoformat(),
        },
    )
    name = partner.name if partner else transfer.partner_id
    await announce(
        session,
        case_id=transfer.case_id,
        event_type="arbitration.transfer.requested",
        summary_zh=f"{LEAD_ZH[transfer.kind]}，已向{name}移送案件材料；仲裁院应于{due.isoformat()}前决定是否受理",
        transfer_id=transfer.id,
        partner_id=transfer.partner_id,
        kind=transfer.kind,
        due_on=due.isoformat(),
    )
    await session.flush()
    return True


async def record_decision(
    *, session: AsyncSession, partner_id: str, transfer_id: str, data: TransferDecision
) -> Transfer:
    """The commission's decision on a transfer it was sent (404 for another's), once."""
    transfer = await session.get(Transfer, transfer_id, with_for_update=True, populate_existing=True)
    if transfer is None or transfer.partner_id != partner_id or transfer.state == "preparing":
        raise NotFound(f"transfer {transfer_id} does not exist")
    if (
        transfer.state == data.decision
        and transfer.decided_on == data.decided_on
        and (transfer.arbitration_case_no == (data.arbitration_case_no if data.decision == "accepted" else None))
    ):
        return transfer  # the same decision again (another key): already recorded, nothing changes
    if transfer.state != "requested":
        raise StateConflict(
            f"transfer {transfer_id} was already decided ({transfer.state})",
            extra={"state": transfer.state, "arbitration_case_no": transfer.arbitration_case_no},
        )
    if data.decided_on > china_today():
        raise ValidationFailed.field("decided_on", "决定日期不能晚于今天")
    if transfer.requested_on and data.decided_on < transfer.requested_on:
        raise ValidationFailed.field("decided_on", f"决定日期不能早于移送日期{transfer.requested_on.isoformat()}")
    now = utcnow()
    transfer.state = data.decision
    transfer.arbitration_case_no = data.arbitration_case_no if data.decision == "accepted" else None
    transfer.decision_reason = data.reason
    transfer.decided_on, transfer.decided_at, transfer.updated_at = data.decided_on, now, now
    partner = await session.get(Partner, partner_id)
    name = partner.name if partner else partner_id
    if data.decision == "accepted":
        await announce(
            session,
            case_id=transfer.case_id,
            event_type="arbitration.transfer.accepted",
            summary_zh=f"{name}已受理，仲裁案号{data.arbitration_case_no}",
            transfer_id=transfer.id,
            partner_id=partner_id,
            arbitration_case_no=data.arbitration_case_no,
            decided_on=data.decided_on.isoformat(),
        )
    else:
        await announce(
            session,
            case_id=transfer.case_id,
            event_type="arbitration.transfer.rejected",
            summary_zh=f"{name}不予受理：{data.reason}",
            transfer_id=transfer.id,
            partner_id=partner_id,
            reason=data.reason,
            decided_on=data.decided_on.isoformat(),
        )
    await session.flush()
    return transfer


async def flag_overdue(*, session: AsyncSession, today: date | None = None) -> int:
    """Flag, once each, transfers the commission has not decided by their due day (supervisors follow up)."""
    today = today or china_today()
    rows = (
        (
            await session.execute(
                select(Transfer)
                .where(Transfer.state == "requested", Transfer.due_on < today, Transfer.overdue_flagged_at.is_(None))
                .order_by(Transfer.due_on)
                .limit(100)
            )
        )
        .scalars()
        .all()
    )
    flagged = 0
    for transfer in rows:
        now = utcnow()
        taken = await session.execute(
            update(Transfer)
            .where(Transfer.id == transfer.id, Transfer.state == "requested", Transfer.overdue_flagged_at.is_(None))
            .values(overdue_flagged_at=now, updated_at=now)
        )
        if taken.rowcount != 1:
            continue  # decided meanwhile, or another replica flagged it
        partner = await session.get(Partner, transfer.partner_id)
        name = partner.name if partner else transfer.partner_id
        due = transfer.due_on.isoformat() if transfer.due_on else ""
        await announce(
            session,
            case_id=transfer.case_id,
            event_type="arbitration.transfer.overdue",
            summary_zh=f"{name}逾期未答复是否受理（应于{due}前决定，劳动争议调解仲裁法第二十九条），请中心负责人跟进",
            transfer_id=transfer.id,
            partner_id=transfer.partner_id,
            center_id=transfer.center_id,
            due_on=due,
        )
        flagged += 1
    await session.flush()
    return flagged


def to_view(transfer: Transfer, *, today: date | None = None) -> TransferView:
    today = today or china_today()
    waiting = transfer.state == "requested" and transfer.due_on is not None
    days_left = (transfer.due_on - today).days if waiting and transfer.due_on else None
    return TransferView(
        transfer_id=transfer.id,
        case_id=transfer.case_id,
        case_no=transfer.case_no,
        center_id=transfer.center_id,
        partner_id=transfer.partner_id,
        state=transfer.state,
        kind=transfer.kind,
        reason=transfer.reason,
        requested_by=transfer.requested_by,
        application=transfer.application,
        mediation=transfer.mediation,
        undisputed_facts=transfer.undisputed_facts,
        documents=transfer.documents,
        last_error=transfer.last_error,
        requested_at=transfer.requested_at,
        requested_on=transfer.requested_on,
        due_on=transfer.due_on,
        days_left=days_left,
        overdue=days_left is not None and days_left < 0,
        overdue_flagged_at=transfer.overdue_flagged_at,
        arbitration_case_no=transfer.arbitration_case_no,
        decided_on=transfer.decided_on,
        decision_reason=transfer.decision_reason,
        decided_at=transfer.decided_at,
        created_at=transfer.created_at,
        updated_at=transfer.updated_at,
    )


async def get_staff_transfer(*, session: AsyncSession, principal: Principal, transfer_id: str) -> Transfer:
    """A transfer of the caller's centre (404 otherwise)."""
    transfer = await session.get(Transfer, transfer_id)
    if transfer is None or not can_see(principal, transfer.center_id):
        raise NotFound(f"transfer {transfer_id} does not exist")
    return transfer


async def list_staff_transfers(
    *,
    session: AsyncSession,
    principal: Principal,
    state: str | None,
    case_id: str | None,
    overdue: bool | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[Transfer], str | None]:
    """Transfers of the caller's centre (all for admins), newest first; ``overdue``: past the 5 days, undecided."""
    query = select(Transfer)
    if not principal.has_any_role("admin"):
        query = query.where(Transfer.center_id == principal.center_id)
    if state:
        query = query.where(Transfer.state == state)
    if case_id:
        query = query.where(Transfer.case_id == case_id)
    if overdue is not None:
        late = and_(Transfer.state == "requested", Transfer.due_on < china_today())
        query = query.where(late if overdue else ~late)
    return await keyset_page(session, query, col(Transfer.created_at), col(Transfer.id), cursor=cursor, limit=limit)
