"""Staff routes over an agreement's enforceability, and the registry's court areas (admin)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from onewindow_domain.calendar import china_today
from onewindow_kit.db import SessionDep
from onewindow_kit.errors import NotFound
from onewindow_kit.openapi import problems

from court_bridge.agreements.dependencies import AgreementStaff
from court_bridge.agreements.service import eligible_courts, get_staff_agreement, read_case, set_jurisdiction
from court_bridge.confirmations import service as confirmations
from court_bridge.context import get_context
from court_bridge.enforcement.schemas import (
    AgreementEnforcementPublic,
    CourtChoicePublic,
    JurisdictionPublic,
    JurisdictionSet,
    PaymentOrderOffer,
)
from court_bridge.payment_orders import service as payment_orders
from court_bridge.payment_orders.schemas import PaymentOrderPublic
from court_bridge.referrals.dependencies import AdminOnly

router = APIRouter(prefix="/agreements", tags=["enforceability (staff)"])
admin_router = APIRouter(prefix="/admin/courts", tags=["admin"])


@router.get(
    "/{proceeding_id}",
    response_model=AgreementEnforcementPublic,
    operation_id="get_agreement_enforcement",
    responses=problems(NotFound),
)
async def get_agreement_enforcement(
    proceeding_id: str, session: SessionDep, principal: AgreementStaff, request: Request
) -> AgreementEnforcementPublic:
    """An agreement's enforceability: the 30 days to apply for 司法确认 (民事诉讼法 第205条), its
    instalments overdue and paid, whether the worker may apply for a 支付令 now (劳动争议调解仲裁法
    第16条), and the applications with their clocks and results."""
    record = await get_staff_agreement(session=session, principal=principal, proceeding_id=proceeding_id)
    _, categories = await read_case(get_context(request).intake, case_id=record.case_id)
    application = await confirmations.application_for_proceeding(session=session, proceeding_id=proceeding_id)
    if application is None and record.referral_id:
        application = await confirmations.application_of(session=session, referral_id=record.referral_id)
    apply_by = confirmations.apply_by(effective_on=record.effective_on)
    today = china_today()
    orders = await payment_orders.list_for(session=session, proceeding_id=proceeding_id)
    objected = any(o.state == "objected" for o in orders)
    return AgreementEnforcementPublic(
        proceeding_id=record.proceeding_id,
        case_id=record.case_id,
        case_no=record.case_no,
        agreement_no=str(record.agreement.get("agreement_no", "")),
        effective_on=record.effective_on,
        confirmation_apply_by=apply_by,
        confirmation_open=today <= apply_by,
        referral_id=record.referral_id,
        overdue=record.overdue,
        paid=record.paid,
        fulfilled=record.fulfilled,
        confirmation=confirmations.to_public(application) if application else None,
        payment_order_offer=PaymentOrderOffer(
            **payment_orders.offer(record=record, categories=categories, today=today, objected=objected)
        ),
        payment_orders=[PaymentOrderPublic.model_validate(p) for p in orders],
    )


@router.get(
    "/{proceeding_id}/courts",
    response_model=list[CourtChoicePublic],
    operation_id="list_eligible_courts",
    responses=problems(NotFound),
)
async def list_eligible_courts(
    proceeding_id: str, session: SessionDep, principal: AgreementStaff, request: Request
) -> list[CourtChoicePublic]:
    """The registered basic courts that may hear an application on this agreement, each with why
    (a party's domicile, the mediation organisation's seat: 民事诉讼法 第205条), the default first."""
    record = await get_staff_agreement(session=session, principal=principal, proceeding_id=proceeding_id)
    parties, _ = await read_case(get_context(request).intake, case_id=record.case_id)
    return [
        CourtChoicePublic(partner_id=c.partner_id, name=c.name, reasons=c.reasons)
        for c in await eligible_courts(session=session, record=record, parties=parties)
    ]


@admin_router.put(
    "/{partner_id}/jurisdiction",
    response_model=JurisdictionPublic,
    operation_id="set_court_jurisdiction",
    responses=problems(NotFound),
)
async def set_court_jurisdiction(
    partner_id: str, data: JurisdictionSet, session: SessionDep, principal: AdminOnly
) -> JurisdictionPublic:
    """The districts (区/县) a registered basic court serves, used to choose the court of an application."""
    row = await set_jurisdiction(session=session, partner_id=partner_id, districts=data.districts)
    return JurisdictionPublic(partner_id=row.partner_id, districts=row.districts)
