"""Notifications: written in the same transaction as their cause, once per audience per cause
(a unique key, so redelivered events and repeated sweeps add nothing), read per person."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from onewindow_domain import clock
from onewindow_kit.auth import Principal
from onewindow_kit.errors import NotFound
from sqlalchemy import and_, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from intake.notifications.models import Notification, NotificationRead


async def notify(
    session: AsyncSession,
    *,
    center_id: str,
    audiences: Sequence[str],
    cause: str,
    kind: str,
    title: str,
    body: str,
    case_id: str | None = None,
    link: str | None = None,
) -> None:
    """Address one notification per audience (``role:<role>`` or ``user:<subject>``), once per cause."""
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    for audience in dict.fromkeys(audiences):
        await session.execute(
            insert(Notification)
            .values(
                center_id=center_id,
                audience=audience,
                cause=cause[:160],
                kind=kind,
                title=title[:200],
                body=body[:500],
                case_id=case_id,
                link=link,
            )
            .on_conflict_do_nothing(index_elements=["center_id", "audience", "cause"])
        )


def audiences_of(principal: Principal) -> list[str]:
    """Whom a notification may be addressed to for ``principal``: their subject, their login name
    (the mediator registry links logins by either) and each of their roles."""
    mine = [f"user:{principal.subject}", *(f"role:{r}" for r in sorted(principal.roles))]
    login = principal.claims.get("preferred_username")
    return [*mine, f"username:{login}"] if login else mine


def mediator_audience(mediator: dict[str, Any] | None) -> str | None:
    """The audience of a mediator as events describe them (``user_subject`` or ``username``)."""
    if not mediator:
        return None
    if mediator.get("user_subject"):
        return f"user:{mediator['user_subject']}"
    return f"username:{mediator['username']}" if mediator.get("username") else None


def _mine(principal: Principal) -> Any:
    return and_(
        col(Notification.center_id) == (principal.center_id or ""),
        col(Notification.audience).in_(audiences_of(principal)),
    )


async def inbox(
    *, session: AsyncSession, principal: Principal, unread_only: bool, limit: int
) -> list[tuple[Notification, bool]]:
    """``principal``'s notifications, newest first, each with whether they read it."""
    read = select(col(NotificationRead.notification_id)).where(col(NotificationRead.subject) == principal.subject)
    stmt = select(Notification, col(Notification.id).in_(read)).where(_mine(principal))
    if unread_only:
        stmt = stmt.where(col(Notification.id).not_in(read))
    rows = (await session.execute(stmt.order_by(col(Notification.id).desc()).limit(limit))).all()
    return [(n, bool(r)) for n, r in rows]


async def unread_count(*, session: AsyncSession, principal: Principal) -> int:
    read = select(col(NotificationRead.notification_id)).where(col(NotificationRead.subject) == principal.subject)
    stmt = select(func.count()).select_from(Notification).where(_mine(principal), col(Notification.id).not_in(read))
    return int((await session.execute(stmt)).scalar_one())


async def mark_read(*, session: AsyncSession, principal: Principal, notification_id: int | None) -> int:
    """Mark one (or, with None, every) notification of ``principal`` read; returns how many."""
    stmt = select(col(Notification.id)).where(_mine(principal))
    if notification_id is not None:
        stmt = stmt.where(col(Notification.id) == notification_id)
    ids = list((await session.execute(stmt)).scalars())
    if notification_id is not None and not ids:
        raise NotFound(f"notification {notification_id} does not exist")
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    for nid in ids:
        await session.execute(
            insert(NotificationRead)
            .values(notification_id=nid, subject=principal.subject)
            .on_conflict_do_nothing(index_elements=["notification_id", "subject"])
        )
    return len(ids)


async def sweep_clocks(*, session: AsyncSession, center_id: str, at_risk_days: int) -> None:
    """Hand-offs whose clock ends within ``at_risk_days``: tell the desk and the supervisors
    (once per hand-off and due date; a later clock of the same hand-off is a new cause)."""
    from intake.desks.models import Handoff
    from intake.desks.service import DESK_ROLE, DESK_ZH, OPEN_HANDOFF

    today = clock.today()
    rows = (
        await session.execute(
            select(Handoff).where(
                col(Handoff.center_id) == center_id,
                col(Handoff.status).in_(OPEN_HANDOFF),
                col(Handoff.due_on).is_not(None),
                col(Handoff.due_on) <= today + timedelta(days=at_risk_days),
            )
        )
    ).scalars()
    handoffs = [h for h in rows if h.due_on is not None]
    if not handoffs:
        return
    causes = {h.id: f"clock:{h.id}:{h.due_on.isoformat()}" for h in handoffs if h.due_on}
    known = set(
        (
            await session.execute(
                select(col(Notification.cause)).where(
                    col(Notification.center_id) == center_id, col(Notification.cause).in_(list(causes.values()))
                )
            )
        ).scalars()
    )
    for h in handoffs:
        if causes[h.id] in known or h.due_on is None:
            continue  # a poll that finds nothing new writes nothing
        left = (h.due_on - today).days
        when = f"剩余{left}日" if left >= 0 else f"已逾期{-left}日"
        await notify(
            session,
            center_id=center_id,
            audiences=[f"role:{DESK_ROLE[h.desk]}", "role:supervisor"],
            cause=causes[h.id],
            kind="clock_at_risk",
            title=f"{DESK_ZH[h.desk]}事项期限临近",
            body=f"移交事项应于{h.due_on.isoformat()}前办理（{when}）",
            case_id=h.case_id,
            link=f"/desks/{h.desk}?handoff={h.id}",
        )
