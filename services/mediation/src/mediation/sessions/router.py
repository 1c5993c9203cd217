"""Session routes."""

from __future__ import annotations

from fastapi import APIRouter, status
from onewindow_kit.db import SessionDep
from onewindow_kit.errors import StateConflict
from onewindow_kit.openapi import problems

from mediation.actor import Actor
from mediation.proceedings.dependencies import ProceedingAct, ProceedingRead, visible_proceeding
from mediation.sessions import service
from mediation.sessions.exceptions import ScheduleClash
from mediation.sessions.schemas import CancelRequest, MinutesRequest, PartyReply, SessionCreate, SessionPublic

router = APIRouter(prefix="/proceedings", tags=["sessions"])


@router.post(
    "/{proceeding_id}/sessions",
    response_model=SessionPublic,
    status_code=status.HTTP_201_CREATED,
    responses=problems(StateConflict, ScheduleClash),
    operation_id="schedule_session",
)
async def schedule_session(
    proceeding_id: str, body: SessionCreate, session: SessionDep, principal: ProceedingAct
) -> SessionPublic:
    """Schedule a session (in a room or online); 409 when the mediator is already booked then."""
    p = await visible_proceeding(session=session, principal=principal, proceeding_id=proceeding_id, act=True)
    return SessionPublic.model_validate(
        await service.schedule(session=session, proceeding=p, actor=Actor.of(principal), data=body)
    )


@router.get("/{proceeding_id}/sessions", response_model=list[SessionPublic], operation_id="list_sessions")
async def list_sessions(proceeding_id: str, session: SessionDep, principal: ProceedingRead) -> list[SessionPublic]:
    """The proceeding's sessions, by time."""
    p = await visible_proceeding(session=session, principal=principal, proceeding_id=proceeding_id)
    sessions = await service.list_sessions(session=session, proceeding=p)
    replies = await service.replies_of(session=session, session_ids=[s.id for s in sessions])
    return [
        SessionPublic.model_validate(s).model_copy(
            update={"party_replies": [PartyReply.model_validate(r) for r in replies.get(s.id, [])]}
        )
        for s in sessions
    ]


@router.post(
    "/{proceeding_id}/sessions/{session_id}/minutes",
    response_model=SessionPublic,
    responses=problems(StateConflict),
    operation_id="record_session_minutes",
)
async def record_session_minutes(
    proceeding_id: str, session_id: str, body: MinutesRequest, session: SessionDep, principal: ProceedingAct
) -> SessionPublic:
    """Record that the session was held, with its minutes and attendees."""
    p = await visible_proceeding(session=session, principal=principal, proceeding_id=proceeding_id, act=True)
    return SessionPublic.model_validate(
        await service.record_minutes(
            session=session, proceeding=p, actor=Actor.of(principal), session_id=session_id, data=body
        )
    )


@router.post(
    "/{proceeding_id}/sessions/{session_id}/cancel",
    response_model=SessionPublic,
    responses=problems(StateConflict),
    operation_id="cancel_session",
)
async def cancel_session(
    proceeding_id: str, session_id: str, body: CancelRequest, session: SessionDep, principal: ProceedingAct
) -> SessionPublic:
    """Cancel a scheduled session."""
    p = await visible_proceeding(session=session, principal=principal, proceeding_id=proceeding_id, act=True)
    return SessionPublic.model_validate(
        await service.cancel(
            session=session, proceeding=p, actor=Actor.of(principal), session_id=session_id, reason=body.reason
        )
    )
