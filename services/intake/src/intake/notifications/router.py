"""The notification centre: the header polls the unread count (docs/decisions/0009)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from onewindow_kit.auth import Principal, require_roles
from onewindow_kit.db import SessionDep
from sqlalchemy.ext.asyncio import AsyncSession

from intake.config import IntakeSettings, SettingsDep
from intake.notifications import service
from intake.notifications.schemas import MarkedRead, NotificationPage, NotificationPublic, UnreadCount

router = APIRouter(prefix="/notifications", tags=["notifications"])

Staff = Annotated[
    Principal,
    Depends(
        require_roles(
            "clerk", "mediator", "supervisor", "inspector", "legal_aid_officer", "petition_officer", "coordinator"
        )
    ),
]


async def _sweep(settings: IntakeSettings, session: AsyncSession, principal: Principal) -> None:
    if principal.center_id:
        await service.sweep_clocks(
            session=session, center_id=principal.center_id, at_risk_days=settings.desks.at_risk_days
        )


@router.get("", response_model=NotificationPage, operation_id="list_notifications")
async def list_notifications(
    settings: SettingsDep,
    session: SessionDep,
    principal: Staff,
    unread_only: bool = False,
    limit: Annotated[int, Query(ge=1, le=100)] = 30,
) -> NotificationPage:
    """My notifications, newest first, with the unread count."""
    await _sweep(settings, session, principal)
    rows = await service.inbox(session=session, principal=principal, unread_only=unread_only, limit=limit)
    return NotificationPage(
        items=[
            NotificationPublic(
                id=n.id or 0,
                kind=n.kind,
                title=n.title,
                body=n.body,
                case_id=n.case_id,
                link=n.link,
                created_at=n.created_at,
                read=read,
            )
            for n, read in rows
        ],
        unread=await service.unread_count(session=session, principal=principal),
    )


@router.get("/unread-count", response_model=UnreadCount, operation_id="count_unread_notifications")
async def count_unread_notifications(settings: SettingsDep, session: SessionDep, principal: Staff) -> UnreadCount:
    """How many of my notifications are unread (the SPA's header asks every few seconds)."""
    await _sweep(settings, session, principal)
    return UnreadCount(unread=await service.unread_count(session=session, principal=principal))


@router.post("/{notification_id}/read", response_model=MarkedRead, operation_id="mark_notification_read")
async def mark_notification_read(notification_id: int, session: SessionDep, principal: Staff) -> MarkedRead:
    """Mark one notification read (for me; the other recipients keep theirs)."""
    return MarkedRead(
        marked=await service.mark_read(session=session, principal=principal, notification_id=notification_id)
    )


@router.post("/read-all", response_model=MarkedRead, operation_id="mark_all_notifications_read")
async def mark_all_notifications_read(session: SessionDep, principal: Staff) -> MarkedRead:
    """Mark all my notifications read."""
    return MarkedRead(marked=await service.mark_read(session=session, principal=principal, notification_id=None))
