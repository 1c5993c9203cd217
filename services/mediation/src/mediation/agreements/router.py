"""Agreement routes: the AGREED outcome and performance tracking."""

from __future__ import annotations

from fastapi import APIRouter, status
from onewindow_domain.calendar import china_today
from onewindow_kit.db import SessionDep
from onewindow_kit.errors import EditConflict, StateConflict
from onewindow_kit.openapi import problems
from sqlalchemy.ext.asyncio import AsyncSession

from mediation.actor import Actor
from mediation.agreements import service
from mediation.agreements.models import Agreement, Instalment
from mediation.agreements.schemas import (
    AgreementCreate,
    AgreementPublic,
    ElectronicConfirmation,
    InstalmentPublic,
    PaidRequest,
)
from mediation.config import SettingsDep
from mediation.proceedings.dependencies import ProceedingAct, ProceedingRead, visible_proceeding

router = APIRouter(prefix="/proceedings", tags=["agreements"])


async def _full(session: AsyncSession, a: Agreement, instalments: list[Instalment]) -> AgreementPublic:
    """The public view with the parties' electronic confirmations."""
    confirmations = await service.confirmations_of(session=session, agreement_id=a.id)
    return _public(a, instalments).model_copy(
        update={
            "digest": service.agreement_digest(a, instalments),
            "electronic_confirmations": [ElectronicConfirmation.model_validate(c) for c in confirmations],
        }
    )


def _public(a: Agreement, instalments: list[Instalment]) -> AgreementPublic:
    today = china_today()
    return AgreementPublic(
        **{
            k: getattr(a, k)
            for k in (
                "id",
                "proceeding_id",
                "agreement_no",
                "scope",
                "signed_on",
                "effective_on",
                "facts",
                "terms",
                "total_amount",
                "parties_request_judicial_confirmation",
                "parties_request_arbitration_review",
                "judicial_confirmation_apply_by",
                "arbitration_review_apply_by",
                "arbitration_review",
                "signatures",
                "fulfilled_at",
                "judicial_confirmation",
                "payment_order",
                "created_at",
            )
        },
        paid_amount=service.paid_amount(instalments),
        instalments=[
            InstalmentPublic.model_validate(i).model_copy(update={"overdue": i.paid_on is None and i.due_on < today})
            for i in instalments
        ],
    )


@router.post(
    "/{proceeding_id}/agreement",
    response_model=AgreementPublic,
    status_code=status.HTTP_201_CREATED,
    responses=problems(StateConflict, EditConflict),
    operation_id="record_agreement",
)
async def record_agreement(
    proceeding_id: str, body: AgreementCreate, settings: SettingsDep, session: SessionDep, principal: ProceedingAct
) -> AgreementPublic:
    """The parties reached an agreement (full or partial): terms, total, payment schedule, whether
    they want 司法确认 or 仲裁审查确认, and the signatures. Ends the proceeding as AGREED."""
    p = await visible_proceeding(session=session, principal=principal, proceeding_id=proceeding_id, act=True)
    await service.record_agreement(
        session=session, proceeding=p, actor=Actor.of(principal), data=body, settings=settings
    )
    return await _full(session, *await service.get_agreement(session=session, proceeding=p))


@router.get("/{proceeding_id}/agreement", response_model=AgreementPublic, operation_id="get_agreement")
async def get_agreement(proceeding_id: str, session: SessionDep, principal: ProceedingRead) -> AgreementPublic:
    """The agreement with its instalments (paid, due, overdue) and the deadlines to apply for confirmation."""
    p = await visible_proceeding(session=session, principal=principal, proceeding_id=proceeding_id)
    return await _full(session, *await service.get_agreement(session=session, proceeding=p))


@router.post(
    "/{proceeding_id}/agreement/instalments/{position}/paid",
    response_model=AgreementPublic,
    responses=problems(StateConflict),
    operation_id="mark_instalment_paid",
)
async def mark_instalment_paid(
    proceeding_id: str, position: int, body: PaidRequest, session: SessionDep, principal: ProceedingAct
) -> AgreementPublic:
    """Record an instalment as paid; the last one marks the agreement fulfilled."""
    p = await visible_proceeding(session=session, principal=principal, proceeding_id=proceeding_id, act=True)
    agreement, instalments = await service.mark_paid(
        session=session,
        proceeding=p,
        actor=Actor.of(principal),
        position=position,
        paid_on=body.paid_on,
        today=china_today(),
    )
    return _public(agreement, instalments)
