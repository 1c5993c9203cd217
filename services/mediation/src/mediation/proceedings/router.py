"""Proceeding routes: thin — parse, authorise, call one service function, return a public schema."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, status
from onewindow_domain.calendar import china_today
from onewindow_kit.db import SessionDep
from onewindow_kit.errors import EditConflict, StateConflict
from onewindow_kit.mapping import to_schema
from onewindow_kit.openapi import problems
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from mediation.actor import Actor
from mediation.config import SettingsDep
from mediation.proceedings import service
from mediation.proceedings.dependencies import (
    ProceedingAct,
    ProceedingRead,
    ProceedingSupervise,
    visible_proceeding,
)
from mediation.proceedings.exceptions import DeadlinePassed
from mediation.proceedings.models import Proceeding
from mediation.proceedings.schemas import (
    AcceptRequest,
    AgentRequest,
    ChangePublic,
    DeclineRequest,
    ExtensionPublic,
    ExtensionRequest,
    MediatorBrief,
    NoteCreate,
    NotePublic,
    PanelRequest,
    ProceedingPage,
    ProceedingPublic,
    TerminateRequest,
    WithdrawRequest,
)
from mediation.registry.models import Mediator, Organisation

router = APIRouter(prefix="/proceedings", tags=["proceedings"])


async def _briefs(session: AsyncSession, ids: set[str]) -> dict[str, MediatorBrief]:
    if not ids:
        return {}
    rows = (
        await session.execute(
            select(col(Mediator.id), col(Mediator.name), col(Organisation.name))
            .join(Organisation, col(Organisation.id) == col(Mediator.organisation_id))
            .where(col(Mediator.id).in_(ids))
        )
    ).all()
    return {r[0]: MediatorBrief(id=r[0], name=r[1], organisation=r[2]) for r in rows}


def _public(p: Proceeding, briefs: dict[str, MediatorBrief]) -> ProceedingPublic:
    return to_schema(
        ProceedingPublic,
        p,
        source_label=service.SOURCE_ZH.get(p.source, p.source),
        claim_labels=service.claim_labels(p),
        days_left=service.days_left(p),
        status_label=service.STATUS_ZH[p.status],
        allowed_transitions=list(service.TRANSITIONS[p.status]),
        mediator=briefs.get(p.mediator_id) if p.mediator_id else None,
    )


async def to_public(session: AsyncSession, p: Proceeding) -> ProceedingPublic:
    return _public(p, await _briefs(session, {p.mediator_id} if p.mediator_id else set()))


@router.get("", response_model=ProceedingPage, operation_id="list_proceedings")
async def list_proceedings(
    session: SessionDep,
    principal: ProceedingRead,
    status_: Annotated[str | None, Query(alias="status")] = None,
    open_only: bool = False,
    parked: bool | None = None,
    at_risk: bool | None = None,
    mediator_id: str | None = None,
    case_id: str | None = None,
    center_id: str | None = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    sort: Literal["newest", "deadline"] = "newest",
) -> ProceedingPage:
    """Proceedings the caller may see, newest first (``sort=deadline``: nearest deadline first): a
    mediator their own, supervisors and clerks their centre's, admins all (keyset pagination; a
    cursor continues the order it came from)."""
    page, next_cursor = await service.list_proceedings(
        session=session,
        principal=principal,
        status=status_,
        open_only=open_only,
        parked=parked,
        at_risk=at_risk,
        mediator_id=mediator_id,
        case_id=case_id,
        center_id=center_id,
        cursor=cursor,
        limit=limit,
        sort=sort,
    )
    briefs = await _briefs(session, {p.mediator_id for p in page if p.mediator_id})
    return ProceedingPage(
        items=[_public(p, briefs) for p in page],
        next_cursor=next_cursor,
    )


@router.get("/{proceeding_id}", response_model=ProceedingPublic, operation_id="get_proceeding")
async def get_proceeding(proceeding_id: str, session: SessionDep, principal: ProceedingRead) -> ProceedingPublic:
    """A proceeding with its clock (and how it was counted), status, mediator and outcome."""
    p = await visible_proceeding(session=session, principal=principal, proceeding_id=proceeding_id)
    return await to_public(session, p)


@router.get("/{proceeding_id}/history", response_model=list[ChangePublic], operation_id="get_proceeding_history")
async def get_proceeding_history(
    proceeding_id: str, session: SessionDep, principal: ProceedingRead
) -> list[ChangePublic]:
    """Every change with its actor and time, oldest first."""
    p = await visible_proceeding(session=session, principal=principal, proceeding_id=proceeding_id)
    return [ChangePublic.model_validate(c) for c in await service.history(session=session, proceeding=p)]


@router.post(
    "/{proceeding_id}/accept",
    response_model=ProceedingPublic,
    responses=problems(StateConflict, EditConflict),
    operation_id="accept_proceeding",
)
async def accept_proceeding(
    proceeding_id: str, body: AcceptRequest, session: SessionDep, principal: ProceedingAct
) -> ProceedingPublic:
    """Record that both parties agreed to mediate."""
    p = await visible_proceeding(session=session, principal=principal, proceeding_id=proceeding_id, act=True)
    await service.accept(session=session, proceeding=p, actor=Actor.of(principal), note=body.note)
    return await to_public(session, p)


@router.post(
    "/{proceeding_id}/decline",
    response_model=ProceedingPublic,
    responses=problems(StateConflict, EditConflict),
    operation_id="decline_proceeding",
)
async def decline_proceeding(
    proceeding_id: str, body: DeclineRequest, settings: SettingsDep, session: SessionDep, principal: ProceedingAct
) -> ProceedingPublic:
    """A party refused mediation: the proceeding ends and the case returns to the window."""
    p = await visible_proceeding(session=session, principal=principal, proceeding_id=proceeding_id, act=True)
    await service.decline(
        session=session,
        proceeding=p,
        actor=Actor.of(principal),
        party=body.party.value,
        reason=body.reason,
        settings=settings,
    )
    return await to_public(session, p)


@router.post(
    "/{proceeding_id}/withdraw",
    response_model=ProceedingPublic,
    responses=problems(StateConflict, EditConflict),
    operation_id="withdraw_proceeding",
)
async def withdraw_proceeding(
    proceeding_id: str, body: WithdrawRequest, settings: SettingsDep, session: SessionDep, principal: ProceedingAct
) -> ProceedingPublic:
    """The applicant withdrew the application."""
    p = await visible_proceeding(session=session, principal=principal, proceeding_id=proceeding_id, act=True)
    await service.withdraw(
        session=session,
        proceeding=p,
        actor=Actor.of(principal),
        reason=body.reason,
        settings=settings,
    )
    return await to_public(session, p)


@router.post(
    "/{proceeding_id}/terminate",
    response_model=ProceedingPublic,
    responses=problems(StateConflict, EditConflict),
    operation_id="terminate_proceeding",
)
async def terminate_proceeding(
    proceeding_id: str, body: TerminateRequest, settings: SettingsDep, session: SessionDep, principal: ProceedingAct
) -> ProceedingPublic:
    """End without agreement, recording the reason, the undisputed facts and the dispute focus."""
    p = await visible_proceeding(session=session, principal=principal, proceeding_id=proceeding_id, act=True)
    await service.terminate(
        session=session,
        proceeding=p,
        actor=Actor.of(principal),
        settings=settings,
        reason_code=body.reason_code.value,
        reason=body.reason,
        undisputed_facts=body.undisputed_facts,
        dispute_focus=body.dispute_focus,
    )
    return await to_public(session, p)


@router.post(
    "/{proceeding_id}/extensions",
    response_model=ExtensionPublic,
    status_code=status.HTTP_201_CREATED,
    responses=problems(StateConflict, DeadlinePassed),
    operation_id="extend_proceeding",
)
async def extend_proceeding(
    proceeding_id: str, body: ExtensionRequest, session: SessionDep, principal: ProceedingAct
) -> ExtensionPublic:
    """Extend the clock with both parties' recorded consent."""
    p = await visible_proceeding(session=session, principal=principal, proceeding_id=proceeding_id, act=True)
    ext = await service.extend(
        session=session,
        proceeding=p,
        actor=Actor.of(principal),
        days=body.days,
        reason=body.reason,
        consents=body.consents.model_dump(mode="json"),
        today=china_today(),
    )
    return ExtensionPublic.model_validate(ext)


@router.get(
    "/{proceeding_id}/extensions", response_model=list[ExtensionPublic], operation_id="list_proceeding_extensions"
)
async def list_proceeding_extensions(
    proceeding_id: str, session: SessionDep, principal: ProceedingRead
) -> list[ExtensionPublic]:
    """Extensions granted, with the consents recorded."""
    p = await visible_proceeding(session=session, principal=principal, proceeding_id=proceeding_id)
    return [ExtensionPublic.model_validate(e) for e in await service.list_extensions(session=session, proceeding=p)]


@router.post(
    "/{proceeding_id}/notes",
    response_model=NotePublic,
    status_code=status.HTTP_201_CREATED,
    operation_id="add_proceeding_note",
)
async def add_proceeding_note(
    proceeding_id: str, body: NoteCreate, session: SessionDep, principal: ProceedingAct
) -> NotePublic:
    """A working note (confidential; never in events)."""
    p = await visible_proceeding(session=session, principal=principal, proceeding_id=proceeding_id, act=True)
    return NotePublic.model_validate(
        await service.add_note(session=session, proceeding=p, actor=Actor.of(principal), text=body.text)
    )


@router.get("/{proceeding_id}/notes", response_model=list[NotePublic], operation_id="list_proceeding_notes")
async def list_proceeding_notes(proceeding_id: str, session: SessionDep, principal: ProceedingAct) -> list[NotePublic]:
    """The working notes, oldest first (the mediator and supervisors only)."""
    p = await visible_proceeding(session=session, principal=principal, proceeding_id=proceeding_id, act=True)
    return [NotePublic.model_validate(n) for n in await service.list_notes(session=session, proceeding=p)]


@router.put(
    "/{proceeding_id}/panel",
    response_model=ProceedingPublic,
    responses=problems(StateConflict),
    operation_id="set_proceeding_panel",
)
async def set_proceeding_panel(
    proceeding_id: str, body: PanelRequest, session: SessionDep, principal: ProceedingSupervise
) -> ProceedingPublic:
    """Form a tripartite panel (人社 + 工会 + 企业代表) for a collective dispute."""
    p = await visible_proceeding(session=session, principal=principal, proceeding_id=proceeding_id, act=True)
    await service.set_panel(
        session=session,
        proceeding=p,
        actor=Actor.of(principal),
        members=[m.model_dump(mode="json") for m in body.members],
    )
    return await to_public(session, p)


@router.post("/{proceeding_id}/agents", status_code=status.HTTP_201_CREATED, operation_id="record_mediator_as_agent")
async def record_mediator_as_agent(
    proceeding_id: str, body: AgentRequest, session: SessionDep, principal: ProceedingSupervise
) -> dict[str, str]:
    """Record that a registered mediator acted as a party's agent in this case: they will never be
    assigned a later case against the same employer."""
    p = await visible_proceeding(session=session, principal=principal, proceeding_id=proceeding_id, act=True)
    agent = await service.record_agent(
        session=session, proceeding=p, actor=Actor.of(principal), mediator_id=body.mediator_id, side=body.side
    )
    return {"proceeding_id": p.id, "mediator_id": agent.mediator_id, "side": agent.side}
