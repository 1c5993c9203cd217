"""Referral routes: the court partner API (``/partner/court/v1/…``, reached through the gateway with
the prefix kept), the clerks' desk (``/referrals/…``, via the gateway's ``/api/court/referrals/…``)
and the administrators' registration view. Thin: parse, authorise, call the service, answer."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from onewindow_domain.calendar import china_today
from onewindow_kit.bridge import routes
from onewindow_kit.db import SessionDep
from onewindow_kit.errors import AlreadyExists, StateConflict, ValidationFailed
from onewindow_kit.mapping import to_schema
from onewindow_kit.openapi import problems
from onewindow_kit.types import BoundedDateTime
from sqlalchemy.ext.asyncio import AsyncSession

from court_bridge.confirmations.service import application_of
from court_bridge.context import get_context
from court_bridge.referrals import service
from court_bridge.referrals.dependencies import (
    AdminOnly,
    BoundedBody,
    CurrentCourt,
    OptionalKey,
    RequiredKey,
    StaffDecide,
    StaffRead,
)
from court_bridge.referrals.models import Referral
from court_bridge.referrals.schemas import (
    ConfirmationSummary,
    DeclineRequest,
    ReferralCreate,
    ReferralCreated,
    ReferralPage,
    ReferralPublic,
    ReferralStaffPage,
    ReferralStaffView,
    ReferralStatus,
    WithdrawRequest,
)
from court_bridge.referrals.service import WORK_WAKE

log = logging.getLogger("court_bridge.referrals")

PARTNER_PREFIX = "/partner/court/v1"
partner_router = APIRouter(prefix=PARTNER_PREFIX, tags=["court partner API v1"])
staff_router = APIRouter(prefix="/referrals", tags=["referrals (staff)"])
admin_router = APIRouter(prefix="/admin/referrals", tags=["admin: referrals"])

REPLAYED = routes.REPLAYED


# ---------------------------------------------------------------------------------------------
# The court's API
# ---------------------------------------------------------------------------------------------


@partner_router.post(
    "/referrals",
    response_model=ReferralCreated,
    status_code=201,
    operation_id="create_referral",
    dependencies=[BoundedBody],
    responses={
        **routes.REPLAYABLE_CREATED,
        **problems(
            AlreadyExists,
            descriptions={
                400: "No Idempotency-Key",
                409: "court_case_no already referred (``referral_id`` names it), or the same key in flight",
                422: "An invalid field, or the same key with a different body",
            },
        ),
    },
)
async def create_referral(
    court: CurrentCourt, key: RequiredKey, data: ReferralCreate, request: Request
) -> JSONResponse:
    """Refer a dispute to the centre (委派 before filing, 委托 after). The case is registered at the
    centre at once, or as soon as its case system answers; ``case_no`` is null until then."""
    ctx = get_context(request)
    return await routes.create_and_register(
        request,
        ctx,
        service.referrals,
        partner=court,
        key=key,
        prefix=PARTNER_PREFIX,
        create=lambda session: service.create_referral(
            session=session,
            partner=court,
            data=data,
            cipher=ctx.cipher,
            default_center_id=ctx.settings.default_center_id,
            inline_seconds=ctx.settings.intake_timeout_seconds + 2,
        ),
        created=lambda stored, case_no: ReferralCreated(**stored, case_no=case_no),
        intake_timeout_seconds=ctx.settings.intake_timeout_seconds,
    )


@partner_router.get("/referrals/{referral_id}", response_model=ReferralPublic, operation_id="get_referral")
async def get_referral(referral_id: str, court: CurrentCourt, session: SessionDep) -> ReferralPublic:
    """One of the court's referrals: status, case number, mediator, result."""
    return service.to_public(
        await service.get_partner_referral(session=session, partner_id=court.id, referral_id=referral_id)
    )


@partner_router.get("/referrals", response_model=ReferralPage, operation_id="list_referrals")
async def list_referrals(
    court: CurrentCourt,
    session: SessionDep,
    status: ReferralStatus | None = None,
    updated_since: BoundedDateTime | None = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> ReferralPage:
    """The court's referrals by last change, oldest first (≤ 100 a page); pass ``next_cursor`` back
    as ``cursor``, and ``updated_since`` (RFC 3339 with offset) to fetch only what changed."""
    if updated_since is not None and updated_since.tzinfo is None:
        raise ValidationFailed.field("updated_since", "时间须带时区，如2026-11-20T08:00:00+08:00")
    rows, next_cursor = await service.list_partner_referrals(
        session=session, partner_id=court.id, status=status, updated_since=updated_since, cursor=cursor, limit=limit
    )
    return ReferralPage(items=[service.to_public(r) for r in rows], next_cursor=next_cursor)


@partner_router.post(
    "/referrals/{referral_id}/withdraw",
    response_model=ReferralPublic,
    operation_id="withdraw_referral",
    dependencies=[BoundedBody],
    responses=problems(StateConflict, descriptions={409: "The referral already has a result"}),
)
async def withdraw_referral(
    referral_id: str, court: CurrentCourt, key: OptionalKey, data: WithdrawRequest, request: Request
) -> JSONResponse:
    """Withdraw a referral before it has a result; the centre stops the mediation."""

    return await routes.withdraw(
        request,
        service.referrals,
        partner=court,
        key=key,
        prefix=PARTNER_PREFIX,
        referral_id=referral_id,
        reason=data.reason,
        public=service.to_public,
    )


# ---------------------------------------------------------------------------------------------
# The clerks' desk
# ---------------------------------------------------------------------------------------------


async def staff_view(session: AsyncSession, referral: Referral) -> ReferralStaffView:
    application = await application_of(session=session, referral_id=referral.id)
    awaiting = referral.status == "received"
    return to_schema(
        ReferralStaffView,
        referral,
        referral_id=referral.id,
        deadline=referral.deadline_on,
        awaiting_decision=awaiting,
        accept_overdue=awaiting and china_today() > referral.accept_due_on,
        confirmation=to_schema(ConfirmationSummary, application, application_id=application.id)
        if application
        else None,
    )


@staff_router.get("", response_model=ReferralStaffPage, operation_id="list_court_referrals")
async def list_court_referrals(
    session: SessionDep,
    principal: StaffRead,
    status: ReferralStatus | None = None,
    awaiting_decision: bool | None = None,
    case_state: Annotated[str | None, Query(pattern="^(pending|registered|rejected|cancelled)$")] = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> ReferralStaffPage:
    """Referrals sent to the caller's centre, newest first; ``awaiting_decision=true`` lists those to
    accept or decline (within 3 working days: ``accept_due_on``, ``accept_overdue``)."""
    rows, next_cursor = await service.list_staff_referrals(
        session=session,
        principal=principal,
        status=status,
        awaiting_decision=awaiting_decision,
        case_state=case_state,
        cursor=cursor,
        limit=limit,
    )
    return ReferralStaffPage(items=[await staff_view(session, r) for r in rows], next_cursor=next_cursor)


@staff_router.get("/{referral_id}", response_model=ReferralStaffView, operation_id="get_court_referral")
async def get_court_referral(referral_id: str, session: SessionDep, principal: StaffRead) -> ReferralStaffView:
    """One referral of the caller's centre."""
    return await staff_view(
        session, await service.get_staff_referral(session=session, principal=principal, referral_id=referral_id)
    )


@staff_router.post(
    "/{referral_id}/accept",
    response_model=ReferralStaffView,
    operation_id="accept_court_referral",
    responses=problems(StateConflict),
)
async def accept_court_referral(
    referral_id: str, request: Request, session: SessionDep, principal: StaffDecide
) -> ReferralStaffView:
    """Accept the referral: the court receives ``referral.accepted`` with the case number."""
    referral = await service.get_staff_referral(
        session=session, principal=principal, referral_id=referral_id, for_update=True
    )
    referral = await service.accept_referral(
        session=session, referral=referral, principal=principal, cipher=get_context(request).cipher
    )
    return await staff_view(session, referral)


@staff_router.post(
    "/{referral_id}/decline",
    response_model=ReferralStaffView,
    operation_id="decline_court_referral",
    responses=problems(StateConflict),
)
async def decline_court_referral(
    referral_id: str, data: DeclineRequest, request: Request, session: SessionDep, principal: StaffDecide
) -> ReferralStaffView:
    """Decline the referral with a reason: the court receives ``referral.declined``."""
    referral = await service.get_staff_referral(
        session=session, principal=principal, referral_id=referral_id, for_update=True
    )
    referral = await service.decline_referral(
        session=session, referral=referral, principal=principal, reason=data.reason, cipher=get_context(request).cipher
    )
    return await staff_view(session, referral)


@admin_router.post(
    "/{referral_id}/register",
    response_model=ReferralStaffView,
    operation_id="retry_referral_registration",
    responses=problems(StateConflict),
)
async def retry_referral_registration(
    referral_id: str, request: Request, session: SessionDep, principal: AdminOnly
) -> ReferralStaffView:
    """Try the registration at intake again now (after intake refused it and the cause was fixed)."""
    referral = await service.get_staff_referral(
        session=session, principal=principal, referral_id=referral_id, for_update=True
    )
    referral = await service.retry_registration(session=session, referral=referral)
    WORK_WAKE.mark(session)
    return await staff_view(session, referral)
