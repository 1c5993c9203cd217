"""Sessions: scheduling without double booking, minutes, cancellation, reminders."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from onewindow_domain.calendar import CHINA_TZ, china_date
from onewindow_kit.db import utcnow
from onewindow_kit.errors import NotFound, StateConflict, ValidationFailed
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from mediation.actor import Actor
from mediation.proceedings import service as proceedings
from mediation.proceedings.models import Proceeding
from mediation.registry.models import Mediator
from mediation.sessions.exceptions import ScheduleClash
from mediation.sessions.models import MediationSession, SessionReply
from mediation.sessions.schemas import MinutesRequest, SessionCreate

SCHEDULABLE = ("accepted", "in_session")


def _local(instant: datetime) -> str:
    return instant.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")


async def schedule(
    *, session: AsyncSession, proceeding: Proceeding, actor: Actor, data: SessionCreate
) -> MediationSession:
    """Book a session for the proceeding's mediator; 409 when it overlaps another of theirs."""
    if proceeding.status not in SCHEDULABLE:
        raise StateConflict(
            f"sessions are scheduled once both parties accepted (now {proceeding.status})",
            extra={
                "current_status": proceeding.status,
                "allowed": list(proceedings.TRANSITIONS[proceeding.status]),
                "detail_zh": "双方当事人同意调解后方可安排调解会",
            },
        )
    if proceeding.mediator_id is None:
        raise StateConflict("the proceeding has no mediator", extra={"detail_zh": "尚未分派调解员"})
    assert data.ends_at is not None
    if china_date(data.starts_at) > proceeding.deadline_on:
        raise ValidationFailed.field(
            "starts_at", f"调解会时间晚于调解期限{proceeding.deadline_on.isoformat()}，如需延期须双方同意"
        )
    # Lock the mediator's row: two bookings for the same mediator are checked one after the other.
    await session.execute(select(Mediator.id).where(Mediator.id == proceeding.mediator_id).with_for_update())
    clash = (
        await session.execute(
            select(MediationSession)
            .where(
                MediationSession.mediator_id == proceeding.mediator_id,
                MediationSession.status != "cancelled",
                MediationSession.starts_at < data.ends_at,
                MediationSession.ends_at > data.starts_at,
            )
            .order_by(MediationSession.starts_at)
            .limit(1)
        )
    ).scalar_one_or_none()
    if clash is not None:
        raise ScheduleClash(
            "the mediator already has a session at that time",
            extra={
                "conflicting_session": {
                    "id": clash.id,
                    "proceeding_id": clash.proceeding_id,
                    "starts_at": clash.starts_at.isoformat(),
                    "ends_at": clash.ends_at.isoformat(),
                },
                "detail_zh": f"调解员在{_local(clash.starts_at)}至{_local(clash.ends_at)}已有调解安排，不能重复预约",
            },
        )
    row = MediationSession(
        proceeding_id=proceeding.id,
        mediator_id=proceeding.mediator_id,
        mode=data.mode.value,
        room=data.room,
        meeting_link=data.meeting_link,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        attendees=[a.model_dump(mode="json") for a in data.attendees],
        created_by=actor.subject,
    )
    session.add(row)
    await session.flush()
    detail = {"session_id": row.id, "starts_at": row.starts_at.isoformat(), "mode": row.mode}
    if proceeding.status == "accepted":
        await proceedings.move(
            session=session,
            proceeding=proceeding,
            to="in_session",
            actor=actor,
            action="session_scheduled",
            detail=detail,
        )
    else:
        proceedings.record_change(session, proceeding, actor, action="session_scheduled", detail=detail)
        proceedings.bump(proceeding)
    where = f"调解室{row.room}" if row.mode == "in_person" else "在线视频"
    await proceedings.publish_proceeding_event(
        session,
        proceeding,
        "session_scheduled",
        f"安排调解会：{_local(row.starts_at)}，{where}",
        session={"id": row.id, "mode": row.mode, "room": row.room, "starts_at": row.starts_at, "ends_at": row.ends_at},
        mediator=await proceedings.mediator_brief(session, proceeding.mediator_id),
    )
    await session.flush()
    return row


async def list_sessions(*, session: AsyncSession, proceeding: Proceeding) -> Sequence[MediationSession]:
    return (
        (
            await session.execute(
                select(MediationSession)
                .where(MediationSession.proceeding_id == proceeding.id)
                .order_by(MediationSession.starts_at)
            )
        )
        .scalars()
        .all()
    )


async def _get(session: AsyncSession, proceeding: Proceeding, session_id: str) -> MediationSession:
    row = await session.get(MediationSession, session_id)
    if row is None or row.proceeding_id != proceeding.id:
        raise NotFound(f"session {session_id} does not exist")
    return row


async def record_minutes(
    *, session: AsyncSession, proceeding: Proceeding, actor: Actor, session_id: str, data: MinutesRequest
) -> MediationSession:
    """The sitting took place: its minutes (调解笔录) and who attended."""
    row = await _get(session, proceeding, session_id)
    if row.status == "cancelled":
        raise StateConflict("the session was cancelled", extra={"detail_zh": "该调解会已取消"})
    row.status = "held"
    row.notes = data.notes
    if data.attendees is not None:
        row.attendees = [a.model_dump(mode="json") for a in data.attendees]
    row.updated_at = utcnow()
    proceedings.record_change(session, proceeding, actor, action="session_held", detail={"session_id": row.id})
    await session.flush()
    return row


async def cancel(
    *, session: AsyncSession, proceeding: Proceeding, actor: Actor, session_id: str, reason: str
) -> MediationSession:
    """Cancel a scheduled session (frees the mediator's time)."""
    row = await _get(session, proceeding, session_id)
    if row.status != "scheduled":
        raise StateConflict(
            f"a {row.status} session cannot be cancelled", extra={"detail_zh": "只能取消尚未举行的调解会"}
        )
    row.status = "cancelled"
    row.updated_at = utcnow()
    proceedings.record_change(
        session, proceeding, actor, action="session_cancelled", detail={"session_id": row.id, "reason": reason}
    )
    await session.flush()
    return row


async def replies_of(*, session: AsyncSession, session_ids: list[str]) -> dict[str, list[SessionReply]]:
    """The parties' replies to these sessions (for the mediator's list)."""
    if not session_ids:
        return {}
    rows = await session.execute(
        select(SessionReply).where(col(SessionReply.session_id).in_(session_ids)).order_by(col(SessionReply.replied_at))
    )
    found: dict[str, list[SessionReply]] = {}
    for r in rows.scalars():
        found.setdefault(r.session_id, []).append(r)
    return found
