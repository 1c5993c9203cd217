"""Assignment routes: the explanation, a supervisor's override, a retry of a parked case."""

from __future__ import annotations

from fastapi import APIRouter
from onewindow_kit.db import SessionDep
from onewindow_kit.errors import StateConflict
from onewindow_kit.openapi import problems
from sqlalchemy.ext.asyncio import AsyncSession

from mediation.actor import Actor
from mediation.assignment import service
from mediation.assignment.exceptions import MediatorExcluded
from mediation.assignment.schemas import AssignmentPublic, AssignmentRecordPublic, OverrideRequest
from mediation.config import SettingsDep
from mediation.proceedings.dependencies import ProceedingRead, ProceedingSupervise, visible_proceeding
from mediation.proceedings.models import Proceeding

router = APIRouter(prefix="/proceedings", tags=["assignment"])


async def _public(session: AsyncSession, p: Proceeding, *, with_history: bool = True) -> AssignmentPublic:
    rows = await service.records(session=session, proceeding=p)
    items = [AssignmentRecordPublic.model_validate(r) for r in rows]
    return AssignmentPublic(
        proceeding_id=p.id,
        mediator_id=p.mediator_id,
        parked_reason=p.parked_reason,
        current=items[0] if items else None,
        history=items if with_history else [],
    )


@router.get("/{proceeding_id}/assignment", response_model=AssignmentPublic, operation_id="get_proceeding_assignment")
async def get_proceeding_assignment(
    proceeding_id: str, session: SessionDep, principal: ProceedingRead
) -> AssignmentPublic:
    """Why this mediator, and why not the others: the latest decision and every earlier one."""
    p = await visible_proceeding(session=session, principal=principal, proceeding_id=proceeding_id)
    return await _public(session, p)


@router.post(
    "/{proceeding_id}/assignment",
    response_model=AssignmentPublic,
    responses=problems(StateConflict, MediatorExcluded),
    operation_id="override_assignment",
)
async def override_assignment(
    proceeding_id: str,
    body: OverrideRequest,
    settings: SettingsDep,
    session: SessionDep,
    principal: ProceedingSupervise,
) -> AssignmentPublic:
    """Name the mediator yourself, with a written reason (422 without one; 409 when the mediator
    may not take the case, e.g. a conflict of interest or leave)."""
    p = await visible_proceeding(session=session, principal=principal, proceeding_id=proceeding_id, act=True)
    await service.override(
        session=session,
        proceeding=p,
        mediator_id=body.mediator_id,
        reason=body.reason,
        actor=Actor.of(principal),
        settings=settings,
    )
    return await _public(session, p)


@router.post(
    "/{proceeding_id}/assignment/retry",
    response_model=AssignmentPublic,
    responses=problems(StateConflict),
    operation_id="retry_assignment",
)
async def retry_assignment(
    proceeding_id: str, settings: SettingsDep, session: SessionDep, principal: ProceedingSupervise
) -> AssignmentPublic:
    """Run the automatic assignment again for a parked proceeding."""
    p = await visible_proceeding(session=session, principal=principal, proceeding_id=proceeding_id, act=True)
    await service.retry_parked(session=session, proceeding=p, actor=Actor.of(principal), settings=settings)
    return await _public(session, p)
