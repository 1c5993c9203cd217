"""Case routes: thin — parse, authorise, call one service function, return a public schema."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response, status
from fastapi.responses import JSONResponse
from onewindow_domain.calendar import china_today
from onewindow_domain.claims import ClaimCategory
from onewindow_kit.auth import Principal
from onewindow_kit.crypto import FieldCipher
from onewindow_kit.db import SessionDep, WriteSessionDep
from onewindow_kit.dependencies import DatabaseDep
from onewindow_kit.errors import Forbidden, NotFound, StateConflict, ValidationFailed
from onewindow_kit.idempotency import check_key, fingerprint, run_idempotent
from onewindow_kit.openapi import IDEMPOTENT, IF_MATCH, problems
from onewindow_kit.types import BoundedDate
from sqlalchemy.ext.asyncio import AsyncSession

from intake.cases import service
from intake.cases.auth import CaseRead, CaseStaff, CaseWrite, StatsRead
from intake.cases.models import CaseClaim, CaseFile, CaseParty
from intake.cases.schemas import (
    CaseCorrection,
    CaseCreate,
    CasePage,
    CasePublic,
    CaseSummary,
    ClaimPublic,
    IdNumberSearch,
    MatchedParty,
    MergePublic,
    MergeRequest,
    NextStepPublic,
    PartyPii,
    PartyPublic,
    RouteRequest,
    Stats,
    TimelineEntryPublic,
    TransitionRequest,
    UndoMergeRequest,
)
from intake.cases.service import correction, search
from intake.config import SettingsDep
from intake.lifecycle import service as lifecycle
from intake.statistics import service as statistics
from intake.triage.schemas import TriageResult

router = APIRouter(prefix="/cases", tags=["cases"])
stats_router = APIRouter(tags=["statistics"])


def _cipher(request: Request) -> FieldCipher:
    return request.app.state.cipher


def _center_for(principal: Principal, center_id: str | None) -> str:
    """Staff register at their own centre; services and admins name the centre."""
    if principal.has_any_role("service", "admin") and center_id:
        return center_id
    if principal.center_id:
        if center_id and center_id != principal.center_id:
            raise Forbidden("staff register cases only at their own centre")
        return principal.center_id
    raise ValidationFailed.field("center_id", "须指定受理中心")


async def to_public(
    session: AsyncSession, case: CaseFile, parts: tuple[list[CaseParty], list[CaseClaim]] | None = None
) -> CasePublic:
    """The public view; ``parts`` (parties, claims) when the caller has them (just written)."""
    parties, claims = parts or await service.case_parts(session=session, case_id=case.id)
    today = china_today()
    days_left = (case.deadline_on - today).days if case.deadline_on else None
    return CasePublic(
        **{
            k: getattr(case, k)
            for k in (
                "id",
                "case_no",
                "center_id",
                "channel",
                "status",
                "version",
                "risk_grade",
                "collective",
                "worker_count",
                "group_id",
                "dispute_type",
                "suggested_route",
                "route",
                "route_override_reason",
                "facts",
                "employment_start_on",
                "employment_end_on",
                "knew_on",
                "total_claimed",
                "recovered",
                "deadline_on",
                "external_ref",
                "registered_by",
                "registered_by_name",
                "registered_at",
                "updated_at",
                "closed_at",
                "close_reason",
                "agreed_amount",
                "return_reason",
            )
        },
        status_label=lifecycle.STATUS_ZH[case.status],
        worked_by=lifecycle.WORKED_BY[case.status],
        allowed_transitions=["closed"] if case.status in lifecycle.CLOSABLE_FROM else [],
        allowed_routes=lifecycle.allowed_routes(case.status, dispute_type=case.dispute_type, current_route=case.route),
        next_steps=[
            NextStepPublic(route=n.route, label=n.label_zh, note=n.note_zh)
            for n in (
                lifecycle.next_steps(dispute_type=case.dispute_type, has_undisputed_facts=False)
                if case.status == "returned"
                else []
            )
        ],
        triage=TriageResult.model_validate(case.triage),
        applicants=[PartyPublic.model_validate(p) for p in parties if p.role == "applicant"],
        respondents=[PartyPublic.model_validate(p) for p in parties if p.role == "respondent"],
        agents=[PartyPublic.model_validate(p) for p in parties if p.role == "agent"],
        claims=[
            ClaimPublic(
                category=c.category,
                category_label=ClaimCategory(c.category).label_zh,
                amount=c.amount,
                period_start_on=c.period_start_on,
                period_end_on=c.period_end_on,
                description=c.description,
                final_award=c.final_award,
            )
            for c in claims
        ],
        days_left=days_left,
        overdue=bool(days_left is not None and days_left < 0 and case.status in lifecycle.CLOCKED_STATUSES),
    )


def _etag(case_version: int) -> dict[str, str]:
    return {"ETag": f'"{case_version}"'}


@router.post("/triage", response_model=TriageResult, operation_id="preview_triage")
async def preview_triage(
    data: CaseCreate,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: CaseStaff,
    center_id: str | None = None,
) -> TriageResult:
    """Preview triage for the registration form (grade with reasons, collective, limitation,
    final-award flags, suggested route, applicants already party to an open case here); nothing is saved."""
    center = _center_for(principal, center_id)
    return await service.preview_triage(
        session=session, center_id=center, data=data, config=settings.triage, cipher=_cipher(request)
    )


@router.post(
    "",
    response_model=CasePublic,
    status_code=status.HTTP_201_CREATED,
    operation_id="register_case",
    responses={
        201: {
            "description": "Created. A retry with the same Idempotency-Key and body answers the same 201 and body again",
            "headers": {
                "Idempotent-Replayed": {
                    "description": "``true`` when this answer is the replay of an earlier request with the same key",
                    "schema": {"type": "string", "enum": ["true"]},
                }
            },
        },
        **problems(*IDEMPOTENT),
    },
)
async def register_case(
    data: CaseCreate,
    request: Request,
    db: DatabaseDep,
    settings: SettingsDep,
    principal: CaseStaff,
    center_id: str | None = None,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> JSONResponse:
    """Register a dispute (一窗受理). Every field is checked first; on any error nothing is saved.
    With ``Idempotency-Key`` a retried registration returns the first result instead of a second case."""
    center = _center_for(principal, center_id)
    key = check_key(idempotency_key, required=False)

    async def work(session: AsyncSession) -> tuple[int, dict]:
        written = await service.register_case(
            session=session,
            principal=principal,
            center_id=center,
            data=data,
            config=settings.triage,
            cipher=_cipher(request),
        )
        public = await to_public(session, written.case, (written.parties, written.claims))
        return 201, public.model_dump(mode="json")

    status_code, body, replayed = await run_idempotent(
        db,
        scope=f"{principal.subject}:cases",
        key=key,
        fingerprint=fingerprint("POST", f"/cases?center_id={center}", await request.body()),
        work=work,
    )
    headers = _etag(body["version"]) | {"Location": f"/cases/{body['id']}"}
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return JSONResponse(body, status_code=status_code, headers=headers)


@router.get("", response_model=CasePage, operation_id="list_cases")
async def list_cases(
    request: Request,
    session: SessionDep,
    principal: CaseStaff,
    q: Annotated[
        str | None,
        Query(
            max_length=100,
            description='search as people type: a case-number fragment ("00002", "2026 2"), '
            "an applicant's name prefix or an employer fragment",
        ),
    ] = None,
    case_no: Annotated[
        str | None, Query(max_length=60, description='the whole number, or its sequence ("00002", "2026 2")')
    ] = None,
    applicant_name: Annotated[
        str | None, Query(max_length=100, description="an applicant's name or its beginning")
    ] = None,
    employer: Annotated[str | None, Query(min_length=2, max_length=100)] = None,
    credit_code: Annotated[str | None, Query(max_length=18)] = None,
    status: str | None = None,
    risk_grade: Annotated[str | None, Query(pattern="^(red|yellow|green)$")] = None,
    channel: str | None = None,
    registered_from: BoundedDate | None = None,
    registered_to: BoundedDate | None = None,
    overdue: bool | None = None,
    open_only: bool = False,
    center_id: str | None = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> CasePage:
    """Search the case desk, newest first (keyset pagination, ≤ 100 a page). To find a worker by ID
    number, POST it to ``/cases/search`` instead: ID numbers never go in URLs."""
    return await _search(
        request,
        session,
        principal,
        service.CaseQuery(
            q=q,
            case_no=case_no,
            applicant_name=applicant_name,
            employer=employer,
            credit_code=credit_code,
            status=status,
            risk_grade=risk_grade,
            channel=channel,
            registered_from=registered_from,
            registered_to=registered_to,
            overdue=overdue,
            open_only=open_only,
            center_id=center_id,
        ),
        cursor,
        limit,
    )


@router.post("/search", response_model=CasePage, operation_id="search_cases_by_id_number")
async def search_cases_by_id_number(
    body: IdNumberSearch, request: Request, session: SessionDep, principal: CaseStaff
) -> CasePage:
    """Cases of a worker by 公民身份号码 (exact, through a keyed hash; never a plaintext scan)."""
    return await _search(
        request, session, principal, service.CaseQuery(id_number=body.id_number), body.cursor, body.limit
    )


async def _search(
    request: Request,
    session: AsyncSession,
    principal: Principal,
    query: service.CaseQuery,
    cursor: str | None,
    limit: int,
) -> CasePage:
    if principal.has_any_role("service") and not principal.has_any_role("admin"):
        raise Forbidden("services read single cases, not the case desk")
    cases, next_cursor = await service.search_cases(
        session=session, principal=principal, query=query, cipher=_cipher(request), cursor=cursor, limit=limit
    )
    matched = await search.matched_parties(
        session=session, query=query, cipher=_cipher(request), case_ids=[c.id for c in cases]
    )
    return await case_page(session, cases, next_cursor, matched)


async def case_page(
    session: AsyncSession,
    cases: list[CaseFile],
    next_cursor: str | None,
    matched: dict[str, tuple[CaseParty, str]] | None = None,
) -> CasePage:
    """Rows of the case desk (names; ID numbers masked; the matched party when a search matched one)."""
    matched = matched or {}
    applicants = await service.applicants_of(session=session, case_ids=[c.id for c in cases])
    today = china_today()
    return CasePage(
        items=[
            CaseSummary(
                id=c.id,
                case_no=c.case_no,
                status=c.status,
                status_label=lifecycle.STATUS_ZH[c.status],
                risk_grade=c.risk_grade,
                collective=c.collective,
                worker_count=c.worker_count,
                channel=c.channel,
                applicants=[p.name for p in applicants.get(c.id, [])][:5],
                applicant_id_numbers=[p.id_number_masked or "" for p in applicants.get(c.id, [])][:5],
                employer_names=c.employer_names,
                total_claimed=c.total_claimed,
                deadline_on=c.deadline_on,
                overdue=bool(c.deadline_on and c.deadline_on < today and c.status in lifecycle.CLOCKED_STATUSES),
                registered_at=c.registered_at,
                matched=MatchedParty(
                    name=matched[c.id][0].name,
                    role=matched[c.id][0].role,
                    id_number_masked=matched[c.id][0].id_number_masked,
                    matched_on=matched[c.id][1],
                )
                if c.id in matched
                else None,
            )
            for c in cases
        ],
        next_cursor=next_cursor,
    )


@router.get("/{case_id}", response_model=CasePublic, operation_id="get_case")
async def get_case(case_id: str, response: Response, session: SessionDep, principal: CaseRead) -> CasePublic:
    """A case with its parties (masked), claims, triage and deadline; ``ETag`` carries its version.
    A mediator reads the cases of their own proceedings (as assigned mediator or panel member)."""
    case = await service.get_case(session=session, principal=principal, case_id=case_id)
    response.headers.update(_etag(case.version))
    return await to_public(session, case)


@router.get("/{case_id}/pii", response_model=list[PartyPii], operation_id="get_case_personal_data")
async def get_case_personal_data(
    case_id: str,
    request: Request,
    session: WriteSessionDep,
    settings: SettingsDep,
    principal: CaseRead,
    purpose: Annotated[str, Query(min_length=2, max_length=100)] = "核实当事人身份",
) -> list[PartyPii]:
    """Full ID and phone numbers of the parties, for roles that need them; every read is logged."""
    if principal.roles.isdisjoint(settings.pii_roles):
        raise Forbidden("your role does not see full personal data")
    case = await service.get_case(session=session, principal=principal, case_id=case_id)
    rows = await service.reveal_pii(
        session=session, principal=principal, case=case, cipher=_cipher(request), purpose=purpose
    )
    return [PartyPii(**row) for row in rows]


@router.get("/{case_id}/timeline", response_model=list[TimelineEntryPublic], operation_id="get_case_timeline")
async def get_case_timeline(case_id: str, session: SessionDep, principal: CaseRead) -> list[TimelineEntryPublic]:
    """Everything that happened to the case here and in the other services, oldest first."""
    case = await service.get_case(session=session, principal=principal, case_id=case_id)
    return [TimelineEntryPublic.model_validate(e) for e in await service.timeline(session=session, case=case)]


@router.post(
    "/{case_id}/route",
    response_model=CasePublic,
    responses=problems(*IF_MATCH, StateConflict),
    operation_id="route_case",
)
async def route_case(
    case_id: str,
    body: RouteRequest,
    response: Response,
    session: SessionDep,
    principal: CaseStaff,
    if_match: Annotated[str | None, Header(alias="If-Match")] = None,
) -> CasePublic:
    """Confirm the suggested route, or override it with a reason. Needs ``If-Match``."""
    case = await service.get_case(session=session, principal=principal, case_id=case_id)
    service.check_version(case, if_match)
    case = await service.route_case(
        session=session, principal=principal, case=case, route=body.route, reason=body.reason
    )
    response.headers.update(_etag(case.version))
    return await to_public(session, case)


@router.post(
    "/{case_id}/transitions",
    response_model=CasePublic,
    responses=problems(*IF_MATCH, StateConflict),
    operation_id="transition_case",
)
async def transition_case(
    case_id: str,
    body: TransitionRequest,
    response: Response,
    session: SessionDep,
    principal: CaseStaff,
    if_match: Annotated[str | None, Header(alias="If-Match")] = None,
) -> CasePublic:
    """Move the case to another state (409 lists the allowed ones). Needs ``If-Match``."""
    case = await service.get_case(session=session, principal=principal, case_id=case_id)
    service.check_version(case, if_match)
    case = await service.transition_case(
        session=session,
        principal=principal,
        case=case,
        status=body.status,
        reason=body.reason,
        close_reason=body.close_reason,
    )
    response.headers.update(_etag(case.version))
    return await to_public(session, case)


@stats_router.get("/stats", response_model=Stats, operation_id="get_stats")
async def get_stats(
    session: SessionDep,
    principal: StatsRead,
    settings: SettingsDep,
    since: BoundedDate | None = None,
    until: BoundedDate | None = None,
    center_id: str | None = None,
) -> Stats:
    """What a centre reports for a period (default: the last 30 days): cases by channel, route,
    status and grade; collective cases; amounts claimed and recovered; success rate; days to close."""
    until = until or china_today()
    since = since or until - timedelta(days=29)
    if since > until:
        raise ValidationFailed.field("since", "开始日期不能晚于结束日期")
    scope = center_id if principal.has_any_role("admin") else principal.center_id
    figures = await statistics.figures(
        session=session, center_id=scope, since=since, until=until, promise_days=settings.desks.legal_aid_promise_days
    )
    return Stats(**figures)


@stats_router.get("/stats/cases", response_model=CasePage, operation_id="list_cases_behind_figure")
async def list_cases_behind_figure(
    session: SessionDep,
    principal: StatsRead,
    settings: SettingsDep,
    figure: Annotated[str, Query(min_length=1, max_length=80)],
    since: BoundedDate | None = None,
    until: BoundedDate | None = None,
    center_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 100,
) -> CasePage:
    """The cases behind one dashboard figure (its ``figure`` key, e.g. ``recovered``,
    ``status:returned``, ``handoff:inspection:filed``, ``legal_aid:within_promise``)."""
    until = until or china_today()
    since = since or until - timedelta(days=29)
    if since > until:
        raise ValidationFailed.field("since", "开始日期不能晚于结束日期")
    scope = center_id if principal.has_any_role("admin") else principal.center_id
    cases = await statistics.cases_behind(
        session=session,
        center_id=scope,
        since=since,
        until=until,
        figure=figure,
        promise_days=settings.desks.legal_aid_promise_days,
        limit=limit,
    )
    return await case_page(session, cases, None)


@router.patch(
    "/{case_id}",
    response_model=CasePublic,
    responses=problems(*IF_MATCH, StateConflict),
    operation_id="correct_case",
)
async def correct_case(
    case_id: str,
    body: CaseCorrection,
    request: Request,
    response: Response,
    session: SessionDep,
    principal: CaseWrite,
    if_match: Annotated[str | None, Header(alias="If-Match")] = None,
) -> CasePublic:
    """Correct a registered case (更正: parties, claims, facts) with a reason. Needs ``If-Match``;
    every change is on the timeline with its before and after (personal numbers masked)."""
    case = await service.get_case(session=session, principal=principal, case_id=case_id)
    service.check_version(case, if_match)
    case = await correction.correct_case(
        session=session, principal=principal, case=case, data=body, cipher=_cipher(request)
    )
    response.headers.update(_etag(case.version))
    return await to_public(session, case)


@router.post(
    "/{case_id}/merges",
    response_model=MergePublic,
    status_code=status.HTTP_201_CREATED,
    responses=problems(*IF_MATCH, StateConflict, NotFound),
    operation_id="merge_cases",
)
async def merge_cases(
    case_id: str,
    body: MergeRequest,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    principal: CaseWrite,
    if_match: Annotated[str | None, Header(alias="If-Match")] = None,
) -> MergePublic:
    """Merge linked complaints into this case (并案) before mediation starts: every applicant,
    claim and document joins it, the others close as merged, and it is triaged again. Needs ``If-Match``."""
    case = await service.get_case(session=session, principal=principal, case_id=case_id)
    service.check_version(case, if_match)
    merge = await correction.merge_cases(
        session=session,
        principal=principal,
        target=case,
        case_ids=body.case_ids,
        reason=body.reason,
        config=settings.triage,
    )
    response.headers.update(_etag(case.version))
    return MergePublic.model_validate(merge)


@router.get("/{case_id}/merges", response_model=list[MergePublic], operation_id="list_case_merges")
async def list_case_merges(case_id: str, session: SessionDep, principal: CaseStaff) -> list[MergePublic]:
    """The merges into this case, newest first (an undone one keeps its ``undone_at``)."""
    case = await service.get_case(session=session, principal=principal, case_id=case_id)
    return [MergePublic.model_validate(m) for m in await correction.merges_of(session=session, case=case)]


@router.post(
    "/{case_id}/merges/{merge_id}/undo",
    response_model=MergePublic,
    responses=problems(*IF_MATCH, StateConflict, NotFound),
    operation_id="undo_case_merge",
)
async def undo_case_merge(
    case_id: str,
    merge_id: str,
    body: UndoMergeRequest,
    response: Response,
    session: SessionDep,
    principal: CaseWrite,
    if_match: Annotated[str | None, Header(alias="If-Match")] = None,
) -> MergePublic:
    """Undo a merge while mediation has not started (撤销并案): each case gets its own parties and
    claims back. Needs ``If-Match``."""
    case = await service.get_case(session=session, principal=principal, case_id=case_id)
    service.check_version(case, if_match)
    merge = await correction.undo_merge(
        session=session, principal=principal, target=case, merge_id=merge_id, reason=body.reason
    )
    response.headers.update(_etag(case.version))
    return MergePublic.model_validate(merge)
