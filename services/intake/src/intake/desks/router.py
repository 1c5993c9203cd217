"""Agency desk routes: a queue per desk, and the hand-off's accept / decline / notes / outcome.
Changes send ``If-Match`` with the case's ETag (``case_version``): an outcome and a re-route of the
same case cannot both win."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Response
from onewindow_domain import clock
from onewindow_kit.auth import Principal, require_roles
from onewindow_kit.db import SessionDep
from onewindow_kit.errors import StateConflict
from onewindow_kit.mapping import to_schema
from onewindow_kit.openapi import IF_MATCH, problems
from sqlalchemy.ext.asyncio import AsyncSession

from intake.cases import service as cases
from intake.cases.models import CaseFile
from intake.config import SettingsDep
from intake.desks import service
from intake.desks.models import Handoff
from intake.desks.schemas import (
    AcceptRequest,
    AidResultRequest,
    ClockPublic,
    DeclineRequest,
    Desk,
    DeskConfig,
    DeskSummary,
    HandoffPage,
    HandoffPublic,
    NoteCreate,
    NotePublic,
    OutcomeRequest,
)
from intake.lifecycle.service import STATUS_ZH

router = APIRouter(tags=["desks"])

DeskStaff = Annotated[
    Principal,
    Depends(require_roles("inspector", "legal_aid_officer", "petition_officer", "coordinator", "supervisor", "admin")),
]
DeskWork = Annotated[
    Principal, Depends(require_roles("inspector", "legal_aid_officer", "petition_officer", "coordinator", "admin"))
]


async def to_public(
    session: AsyncSession, handoff: Handoff, config: DeskConfig, *, with_notes: bool = False
) -> HandoffPublic:
    case = await session.get(CaseFile, handoff.case_id)
    assert case is not None
    applicants = (await cases.applicants_of(session=session, case_ids=[case.id])).get(case.id, [])
    today = clock.today()
    open_ = handoff.status in service.OPEN_HANDOFF
    clocks = []
    for c in service.clocks_for_reading(handoff, config):
        due = c["due_on"]
        running = open_ and not c["stopped_on"]
        left = (date.fromisoformat(due) - today).days if running else None
        clocks.append(
            ClockPublic(
                **c,
                remaining_days=left,
                at_risk=left is not None and 0 <= left <= config.at_risk_days,
                overdue=left is not None and left < 0,
            )
        )
    left = (handoff.due_on - today).days if open_ and handoff.due_on else None
    table = service.OUTCOMES[handoff.desk]
    return to_schema(
        HandoffPublic,
        handoff,
        case_no=case.case_no,
        case_version=case.version,
        case_status=case.status,
        case_status_label=STATUS_ZH[case.status],
        desk_label=service.DESK_ZH[handoff.desk],
        status_label=service.HANDOFF_STATUS_ZH[handoff.status],
        applicants=[p.name for p in applicants][:5],
        employer_names=case.employer_names,
        total_claimed=str(case.total_claimed),
        due_on=handoff.due_on if open_ else None,
        remaining_days=left,
        at_risk=any(c.at_risk for c in clocks),
        overdue=any(c.overdue for c in clocks),
        clocks=clocks,
        outcome_label=table[handoff.outcome].label if handoff.outcome else None,
        allowed_outcomes=service.allowed_outcomes(handoff),
        outcome_labels={code: o.label for code, o in table.items()},
        notes=[NotePublic.model_validate(n) for n in await service.notes_of(session=session, handoff_id=handoff.id)]
        if with_notes
        else [],
    )


async def _locked(
    session: AsyncSession, principal: Principal, handoff_id: str, if_match: str | None
) -> tuple[Handoff, CaseFile]:
    handoff = await service.get_handoff(session=session, principal=principal, handoff_id=handoff_id)
    case = await session.get(CaseFile, handoff.case_id)
    assert case is not None
    cases.check_version(case, if_match)
    return handoff, case


@router.get("/desks/{desk}/handoffs", response_model=HandoffPage, operation_id="list_desk_handoffs")
async def list_desk_handoffs(
    desk: Desk, settings: SettingsDep, session: SessionDep, principal: DeskStaff, include_ended: bool = False
) -> HandoffPage:
    """The desk's queue, the nearest deadline first (ended hand-offs too with ``include_ended``)."""
    items = await service.queue(session=session, principal=principal, desk=desk.value, include_ended=include_ended)
    return HandoffPage(items=[await to_public(session, h, settings.desks) for h in items])


@router.get("/desks/{desk}/summary", response_model=DeskSummary, operation_id="get_desk_summary")
async def get_desk_summary(desk: Desk, settings: SettingsDep, session: SessionDep, principal: DeskStaff) -> DeskSummary:
    """Open, at-risk and overdue hand-offs; for legal aid the share reviewed within the promise."""
    return DeskSummary(
        **await service.summary(session=session, principal=principal, desk=desk.value, config=settings.desks)
    )


@router.get("/handoffs/{handoff_id}", response_model=HandoffPublic, operation_id="get_handoff")
async def get_handoff(
    handoff_id: str, settings: SettingsDep, response: Response, session: SessionDep, principal: DeskStaff
) -> HandoffPublic:
    """One hand-off with its clocks and notes; ``ETag`` is the case's version."""
    handoff = await service.get_handoff(session=session, principal=principal, handoff_id=handoff_id)
    public = await to_public(session, handoff, settings.desks, with_notes=True)
    response.headers["ETag"] = f'"{public.case_version}"'
    return public


async def _answer(session: AsyncSession, settings: SettingsDep, response: Response, handoff: Handoff) -> HandoffPublic:
    public = await to_public(session, handoff, settings.desks, with_notes=True)
    response.headers["ETag"] = f'"{public.case_version}"'
    return public


@router.post(
    "/handoffs/{handoff_id}/accept",
    response_model=HandoffPublic,
    responses=problems(*IF_MATCH, StateConflict),
    operation_id="accept_handoff",
)
async def accept_handoff(
    handoff_id: str,
    body: AcceptRequest,
    settings: SettingsDep,
    response: Response,
    session: SessionDep,
    principal: DeskWork,
    if_match: Annotated[str | None, Header(alias="If-Match")] = None,
) -> HandoffPublic:
    """The desk takes the hand-off (签收). Needs ``If-Match``."""
    handoff, case = await _locked(session, principal, handoff_id, if_match)
    await service.accept(session=session, principal=principal, handoff=handoff, case=case, note=body.note)
    return await _answer(session, settings, response, handoff)


@router.post(
    "/handoffs/{handoff_id}/decline",
    response_model=HandoffPublic,
    responses=problems(*IF_MATCH, StateConflict),
    operation_id="decline_handoff",
)
async def decline_handoff(
    handoff_id: str,
    body: DeclineRequest,
    settings: SettingsDep,
    response: Response,
    session: SessionDep,
    principal: DeskWork,
    if_match: Annotated[str | None, Header(alias="If-Match")] = None,
) -> HandoffPublic:
    """The desk sends the hand-off back with a reason: the case returns to the window."""
    handoff, case = await _locked(session, principal, handoff_id, if_match)
    await service.decline(session=session, principal=principal, handoff=handoff, case=case, reason=body.reason)
    return await _answer(session, settings, response, handoff)


@router.post(
    "/handoffs/{handoff_id}/notes",
    response_model=NotePublic,
    status_code=201,
    responses=problems(StateConflict),
    operation_id="add_handoff_note",
)
async def add_handoff_note(handoff_id: str, body: NoteCreate, session: SessionDep, principal: DeskWork) -> NotePublic:
    """A progress note (办理记录)."""
    handoff = await service.get_handoff(session=session, principal=principal, handoff_id=handoff_id)
    return NotePublic.model_validate(
        await service.add_note(session=session, principal=principal, handoff=handoff, text=body.text)
    )


@router.post(
    "/handoffs/{handoff_id}/outcome",
    response_model=HandoffPublic,
    responses=problems(*IF_MATCH, StateConflict),
    operation_id="record_handoff_outcome",
)
async def record_handoff_outcome(
    handoff_id: str,
    body: OutcomeRequest,
    settings: SettingsDep,
    response: Response,
    session: SessionDep,
    principal: DeskWork,
    if_match: Annotated[str | None, Header(alias="If-Match")] = None,
) -> HandoffPublic:
    """Record the desk's outcome (监察 立案/不予立案/责令改正/行政处罚/移送; 法援 给予/不予; 信访
    受理/不予受理/办结; 协调 协商一致/未达成). Needs ``If-Match``: 412 when the case changed."""
    handoff, case = await _locked(session, principal, handoff_id, if_match)
    await service.record_outcome(
        session=session,
        principal=principal,
        handoff=handoff,
        case=case,
        outcome=body.outcome,
        reason=body.reason,
        reply=body.reply,
        aid_lawyer=body.aid_lawyer,
        decided_on=body.decided_on,
    )
    return await _answer(session, settings, response, handoff)


@router.post(
    "/handoffs/{handoff_id}/aid-result",
    response_model=HandoffPublic,
    responses=problems(*IF_MATCH, StateConflict),
    operation_id="record_aid_result",
)
async def record_aid_result(
    handoff_id: str,
    body: AidResultRequest,
    settings: SettingsDep,
    response: Response,
    session: SessionDep,
    principal: DeskWork,
    if_match: Annotated[str | None, Header(alias="If-Match")] = None,
) -> HandoffPublic:
    """The aided case's result, after legal aid was granted: the case closes."""
    handoff, case = await _locked(session, principal, handoff_id, if_match)
    await service.record_aid_result(
        session=session, principal=principal, handoff=handoff, case=case, result=body.result
    )
    return await _answer(session, settings, response, handoff)
