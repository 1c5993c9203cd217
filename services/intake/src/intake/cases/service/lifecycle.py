"""The case file's side of the lifecycle: routing, closing and following events as the one table in
``intake.lifecycle`` says, and the timeline entries and event payloads they write."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from onewindow_domain.calendar import china_date
from onewindow_kit.auth import Principal
from onewindow_kit.db import utcnow
from onewindow_kit.errors import (
    PreconditionFailed,
    PreconditionRequired,
    StateConflict,
    ValidationFailed,
)
from onewindow_kit.events import publish
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from intake.cases.models import CaseClaim, CaseFile, CaseParty, TimelineEntry
from intake.cases.schemas import CaseStatus, CloseReason, Route
from intake.lifecycle import service as lifecycle
from intake.lifecycle.service import CLOCKED_STATUSES, OPEN_STATUSES, ROUTE_ZH, STATUS_ZH


def _case_event(case: CaseFile) -> dict[str, Any]:
    """What other services may know of a case without asking: no names, no ID or phone numbers."""
    return {
        "case_id": case.id,
        "case_no": case.case_no,
        "center_id": case.center_id,
        "channel": case.channel,
        "status": case.status,
        "risk_grade": case.risk_grade,
        "collective": case.collective,
        "worker_count": case.worker_count,
        "dispute_type": case.dispute_type,
        "street": case.street,
        "external_ref": case.external_ref,
    }


def _timeline(
    session: AsyncSession,
    case: CaseFile,
    *,
    kind: str,
    summary: str,
    actor: Principal | None = None,
    source: str = "intake",
    data: dict[str, Any] | None = None,
    event_id: str | None = None,
    at: datetime | None = None,
) -> None:
    session.add(
        TimelineEntry(
            case_id=case.id,
            at=at or utcnow(),
            source=source,
            kind=kind,
            summary=summary[:500],
            data=data or {},
            actor=(actor.name or actor.subject) if actor else None,
            event_id=event_id,
        )
    )


def check_version(case: CaseFile, if_match: str | None) -> None:
    """Optimistic concurrency: 428 without ``If-Match``, 412 when the case changed meanwhile."""
    if not if_match:
        raise PreconditionRequired("send If-Match with the case's ETag to change it")
    if if_match.strip().strip('"').removeprefix('W/"').strip('"') != str(case.version):
        raise PreconditionFailed(
            f"the case changed since you read it (now version {case.version}); reload and try again",
            extra={"current_version": case.version},
        )


def _bump(case: CaseFile) -> None:
    case.version += 1
    case.updated_at = utcnow()


async def _apply_route(
    *, session: AsyncSession, case: CaseFile, principal: Principal, route: Route, reason: str | None, suggested: str
) -> None:
    case.status = lifecycle.check_route(
        case.status, route.value, dispute_type=case.dispute_type, current_route=case.route
    )
    # The desk that had the case lets it go; a desk route opens a hand-off on its clocks.
    from intake.desks import service as desks  # desks build on cases: imported here, not at the top

    withdrawn = await desks.withdraw_open(session=session, case=case)
    if withdrawn is not None:
        case.deadline_on = None
    if route.value in lifecycle.DESK_ROUTES:
        await desks.open_handoff(session=session, case=case, desk=route.value, reason=reason)
    case.route = route.value
    case.route_override_reason = reason if route.value != suggested else None
    case.routed_at = utcnow()
    label = ROUTE_ZH[route.value]
    text = f"确认分流：{label}" if route.value == suggested else f"改变建议分流为：{label}（理由：{reason}）"
    _timeline(
        session,
        case,
        kind="case.routed",
        actor=principal,
        summary=text,
        data={"route": route.value, "suggested": suggested, "override_reason": case.route_override_reason},
    )
    claims = (
        (await session.execute(select(CaseClaim).where(CaseClaim.case_id == case.id).order_by(CaseClaim.position)))
        .scalars()
        .all()
    )
    respondents = (
        (
            await session.execute(
                select(CaseParty)
                .where(CaseParty.case_id == case.id, CaseParty.role == "respondent")
                .order_by(CaseParty.position)
            )
        )
        .scalars()
        .all()
    )
    await publish(
        session,
        type="intake.case.routed",
        case_id=case.id,
        data={
            **_case_event(case),
            "route": route.value,
            "suggested_route": suggested,
            "override_reason": case.route_override_reason,
            "deadline_on": case.deadline_on,
            "received_on": china_date(case.registered_at),
            "knew_on": case.knew_on,
            "claims": [{"category": c.category, "amount": c.amount, "final_award": c.final_award} for c in claims],
            "respondents": [
                {"name": r.name, "credit_code": r.credit_code, "role": r.employer_role, "industry": r.industry}
                for r in respondents
            ],
        },
    )


async def route_case(
    *, session: AsyncSession, principal: Principal, case: CaseFile, route: Route, reason: str | None
) -> CaseFile:
    """Confirm the suggested route, or override it with a reason (recorded)."""
    if route.value != case.suggested_route and not reason:
        raise ValidationFailed.field("reason", "改变建议分流去向时须填写理由")
    await _apply_route(
        session=session, case=case, principal=principal, route=route, reason=reason, suggested=case.suggested_route
    )
    _bump(case)
    await session.flush()
    return case


async def transition_case(
    *,
    session: AsyncSession,
    principal: Principal,
    case: CaseFile,
    status: CaseStatus,
    reason: str | None,
    close_reason: CloseReason | None,
) -> CaseFile:
    """Move the case along its lifecycle (409 with the allowed states when the move is illegal)."""
    if status is not CaseStatus.closed:
        raise StateConflict(
            "案件状态随办理结果自动变化，只能手动结案；改变去向请使用“分流”",
            extra={
                "current_status": case.status,
                "allowed": ["closed"] if case.status in lifecycle.CLOSABLE_FROM else [],
            },
        )
    if close_reason is None:
        raise ValidationFailed.field("close_reason", "结案须选择结案原因")
    lifecycle.check_close(case.status)
    case.status = status.value
    text = f"状态变更为：{STATUS_ZH[status.value]}" + (f"（{reason}）" if reason else "")
    if status is CaseStatus.closed:
        case.closed_at = utcnow()
        case.close_reason = close_reason.value if close_reason else None
        await publish(
            session,
            type="intake.case.closed",
            case_id=case.id,
            data={**_case_event(case), "close_reason": case.close_reason},
        )
    _timeline(
        session,
        case,
        kind=f"case.{status.value}",
        actor=principal,
        summary=text,
        data={"status": status.value, "reason": reason, "close_reason": case.close_reason},
    )
    _bump(case)
    await session.flush()
    return case


__all__ = ["CLOCKED_STATUSES", "OPEN_STATUSES", "ROUTE_ZH", "STATUS_ZH"]
