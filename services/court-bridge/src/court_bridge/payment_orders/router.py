"""支付令 routes: the court's decisions (partner API, contract extension) and the worker's application."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from onewindow_kit.db import SessionDep
from onewindow_kit.dependencies import database_of
from onewindow_kit.errors import AlreadyExists, NotFound, StateConflict, ValidationFailed
from onewindow_kit.idempotency import fingerprint, run_idempotent
from onewindow_kit.openapi import problems
from sqlalchemy.ext.asyncio import AsyncSession

from court_bridge.agreements.dependencies import AgreementStaff
from court_bridge.agreements.service import eligible_courts, get_staff_agreement, pick_court, read_case
from court_bridge.context import get_context
from court_bridge.payment_orders import service
from court_bridge.payment_orders.exceptions import PaymentOrderNotAvailable
from court_bridge.payment_orders.schemas import (
    PaymentOrderApply,
    PaymentOrderDecisionIn,
    PaymentOrderPublic,
    PaymentOrderRecorded,
)
from court_bridge.referrals.dependencies import BoundedBody, CurrentCourt, RequiredKey
from court_bridge.referrals.router import PARTNER_PREFIX, REPLAYED
from court_bridge.worker import WORK_WAKE

partner_router = APIRouter(prefix=PARTNER_PREFIX, tags=["court partner API v1"])
staff_router = APIRouter(prefix="/agreements", tags=["enforceability (staff)"])


@partner_router.post(
    "/payment-orders/{application_id}/decision",
    response_model=PaymentOrderRecorded,
    operation_id="record_payment_order_decision",
    dependencies=[BoundedBody],
    responses=problems(
        NotFound, StateConflict, descriptions={409: "The decision does not follow the application's state"}
    ),
)
async def record_payment_order_decision(
    application_id: str, court: CurrentCourt, key: RequiredKey, data: PaymentOrderDecisionIn, request: Request
) -> JSONResponse:
    """The court's decision on a 支付令 application it received (``payment_order.requested``), in
    the order of 民事诉讼法 第226–227条: ``accepted`` (受理, within 5 days), ``rejected`` (不予受理/驳回),
    ``issued`` (发出支付令, with its number and service date), then ``objected`` (异议: the order lapses)
    or ``paid``. Another court's application answers 404; the same Idempotency-Key again answers the
    recorded result."""

    async def work(session: AsyncSession) -> tuple[int, dict[str, Any]]:
        application = await service.record_decision(
            session=session, partner_id=court.id, application_id=application_id, data=data
        )
        return 200, PaymentOrderRecorded(
            application_id=application.id,
            case_no=application.case_no,
            status=application.state,
            decision=data.decision,
            decided_on=data.decided_on,
        ).model_dump(mode="json")

    status_code, body, replayed = await run_idempotent(
        database_of(request.app),
        scope=f"court:{court.id}:payment-orders",
        key=key,
        fingerprint=fingerprint(
            "POST", f"{PARTNER_PREFIX}/payment-orders/{application_id}/decision", await request.body()
        ),
        work=work,
    )
    return JSONResponse(body, status_code=status_code, headers=REPLAYED if replayed else None)


@staff_router.post(
    "/{proceeding_id}/payment-order",
    response_model=PaymentOrderPublic,
    status_code=201,
    operation_id="apply_payment_order",
    responses=problems(
        NotFound,
        AlreadyExists,
        PaymentOrderNotAvailable,
        ValidationFailed,
        descriptions={409: "An application is under way, or the agreement does not allow one (the reasons say why)"},
    ),
)
async def apply_payment_order(
    proceeding_id: str, session: SessionDep, principal: AgreementStaff, request: Request, data: PaymentOrderApply
) -> PaymentOrderPublic:
    """The worker's 支付令 application on an agreement whose instalment is overdue (劳动争议调解仲裁法
    第16条): only for 劳动报酬, 工伤医疗费, 经济补偿 or 赔偿金; refused with the reasons otherwise."""
    record = await get_staff_agreement(session=session, principal=principal, proceeding_id=proceeding_id)
    parties, categories = await read_case(get_context(request).intake, case_id=record.case_id)
    court = pick_court(await eligible_courts(session=session, record=record, parties=parties), data.court_id)
    application = await service.open_application(
        session=session,
        record=record,
        court=court,
        categories=categories,
        requested_by=principal.name or principal.subject,
    )
    WORK_WAKE.mark(session)  # the worker reads the identities and sends the application
    return PaymentOrderPublic.model_validate(application)


@staff_router.get(
    "/{proceeding_id}/payment-orders",
    response_model=list[PaymentOrderPublic],
    operation_id="list_payment_orders",
    responses=problems(NotFound),
)
async def list_payment_orders(
    proceeding_id: str, session: SessionDep, principal: AgreementStaff
) -> list[PaymentOrderPublic]:
    """The agreement's 支付令 applications, newest first, with their clocks and results."""
    record = await get_staff_agreement(session=session, principal=principal, proceeding_id=proceeding_id)
    return [
        PaymentOrderPublic.model_validate(p)
        for p in await service.list_for(session=session, proceeding_id=record.proceeding_id)
    ]
