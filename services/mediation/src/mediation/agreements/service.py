"""Agreements: the AGREED outcome, its payment schedule, and performance tracking.

An overdue instalment is announced once (``mediation.agreement.payment_overdue``: the worker can
then seek a 支付令 or arbitration), and the last instalment paid announces
``mediation.agreement.fulfilled`` once; both are conditional UPDATEs, so two replicas of the
scheduler, or a scheduler and a clerk, never announce the same thing twice.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from onewindow_domain.clocks import compute_due
from onewindow_kit.db import utcnow
from onewindow_kit.errors import NotFound, StateConflict, ValidationFailed
from onewindow_kit.events import publish
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from mediation.actor import SYSTEM, Actor
from mediation.agreements.models import Agreement, AgreementConfirmation, AgreementCounter, Instalment
from mediation.agreements.schemas import AgreementCreate
from mediation.centers.models import Center
from mediation.config import MediationSettings
from mediation.proceedings import service as proceedings
from mediation.proceedings.models import Proceeding
from mediation.proceedings.service import lenient_calendar


async def next_agreement_no(*, session: AsyncSession, center_id: str, year: int) -> str:
    """The centre's next agreement number of the year (the counter row is locked until commit)."""
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    seq = (
        await session.execute(
            insert(AgreementCounter)
            .values(center_id=center_id, year=year, last_seq=1)
            .on_conflict_do_update(
                index_elements=["center_id", "year"], set_={"last_seq": AgreementCounter.last_seq + 1}
            )
            .returning(AgreementCounter.last_seq)
        )
    ).scalar_one()
    center = await session.get(Center, center_id)
    prefix = center.short_name if center else center_id
    return f"{prefix}调协〔{year}〕{seq:05d}号"


def agreement_body(a: Agreement, instalments: Sequence[Instalment]) -> dict[str, Any]:
    """The agreement as partners receive it: the court contract's body plus ``effective_on`` and
    ``parties_request_arbitration_review`` (docs/decisions/0006)."""
    return {
        "agreement_no": a.agreement_no,
        "signed_on": a.signed_on,
        "effective_on": a.effective_on,
        "terms": a.terms,
        "total_amount": a.total_amount,
        "payments": [
            {"due_on": i.due_on, "amount": i.amount, "payer": i.payer, "payee": i.payee}
            for i in sorted(instalments, key=lambda i: i.position)
        ],
        "parties_request_judicial_confirmation": a.parties_request_judicial_confirmation,
        "parties_request_arbitration_review": a.parties_request_arbitration_review,
    }


async def record_agreement(
    *, session: AsyncSession, proceeding: Proceeding, actor: Actor, data: AgreementCreate, settings: MediationSettings
) -> Agreement:
    """The parties agreed: store the agreement and its schedule, end the proceeding as AGREED."""
    proceedings.check_transition(proceeding, "agreed")
    if data.agreement_no:
        taken = (await session.execute(select(Agreement.id).where(Agreement.agreement_no == data.agreement_no))).first()
        if taken is not None:
            raise ValidationFailed.field("agreement_no", "协议编号已被使用")
        number = data.agreement_no
    else:
        number = await next_agreement_no(session=session, center_id=proceeding.center_id, year=data.signed_on.year)
    calendar = lenient_calendar()
    agreement = Agreement(
        proceeding_id=proceeding.id,
        agreement_no=number,
        scope=data.scope.value,
        signed_on=data.signed_on,
        effective_on=data.effective_on,
        facts=data.facts,
        terms=data.terms,
        total_amount=data.total_amount,
        parties_request_judicial_confirmation=data.parties_request_judicial_confirmation,
        parties_request_arbitration_review=data.parties_request_arbitration_review,
        judicial_confirmation_apply_by=compute_due(
            "judicial_confirmation_application_30d", data.effective_on, calendar=calendar
        ).due_on,
        arbitration_review_apply_by=compute_due(
            "arbitration_review_application_15d", data.effective_on, calendar=calendar
        ).due_on,
        signatures=[s.model_dump(mode="json") for s in data.signatures],
        created_by=actor.subject,
    )
    session.add(agreement)
    await session.flush()
    instalments = [
        Instalment(
            agreement_id=agreement.id,
            proceeding_id=proceeding.id,
            position=i + 1,
            due_on=p.due_on,
            amount=p.amount,
            payer=p.payer,
            payee=p.payee,
        )
        for i, p in enumerate(data.payments)
    ]
    session.add_all(instalments)
    center = await session.get(Center, proceeding.center_id)
    scope = "全部" if data.scope.value == "full" else "部分"
    text = f"达成{scope}调解协议（{number}），协议金额{data.total_amount}元"
    if instalments:
        text += f"，分{len(instalments)}期支付"
    if data.parties_request_judicial_confirmation:
        text += f"；双方拟申请司法确认（{agreement.judicial_confirmation_apply_by.isoformat()}前）"
    if data.parties_request_arbitration_review:
        text += f"；双方拟申请仲裁审查确认（{agreement.arbitration_review_apply_by.isoformat()}前）"
    await proceedings.close(
        session=session,
        proceeding=proceeding,
        to="agreed",
        actor=actor,
        settings=settings,
        reason=None,
        reason_code=f"agreed_{data.scope.value}",
        summary_zh=text,
        extra_event={
            "agreement": agreement_body(agreement, instalments),
            "recovered_amount": data.total_amount,
            "agreement_scope": data.scope.value,
            # Where the mediation organisation sits: one of CPL 205's courts for 司法确认 / 支付令.
            "center_id": proceeding.center_id,
            "center_district": center.district if center else None,
        },
    )
    return agreement


def agreement_digest(a: Agreement, instalments: Sequence[Instalment]) -> str:
    """``sha256:<hex>`` of the agreement body (canonical JSON): what a party's electronic
    confirmation signs, so a later change to the terms is visible against it."""
    canonical = json.dumps(
        agreement_body(a, instalments), sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    )
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


async def get_agreement(*, session: AsyncSession, proceeding: Proceeding) -> tuple[Agreement, list[Instalment]]:
    """The proceeding's agreement and its instalments (404 when it has none)."""
    agreement = (
        await session.execute(select(Agreement).where(Agreement.proceeding_id == proceeding.id))
    ).scalar_one_or_none()
    if agreement is None:
        raise NotFound(f"proceeding {proceeding.id} has no agreement")
    return agreement, await instalments_of(session=session, agreement_id=agreement.id)


async def instalments_of(*, session: AsyncSession, agreement_id: str) -> list[Instalment]:
    """An agreement's instalments in their order."""
    stmt = select(Instalment).where(col(Instalment.agreement_id) == agreement_id).order_by(col(Instalment.position))
    return list((await session.execute(stmt)).scalars().all())


def _event_data(p: Proceeding, a: Agreement, i: Instalment, summary: str) -> dict[str, Any]:
    return {
        **proceedings.base_event_data(p, summary),
        "agreement_no": a.agreement_no,
        "instalment": {"position": i.position, "due_on": i.due_on, "amount": i.amount},
    }


async def mark_paid(
    *, session: AsyncSession, proceeding: Proceeding, actor: Actor, position: int, paid_on: date, today: date
) -> tuple[Agreement, list[Instalment]]:
    """Record an instalment as paid; when it was the last one, announce the agreement fulfilled."""
    agreement, instalments = await get_agreement(session=session, proceeding=proceeding)
    target = next((i for i in instalments if i.position == position), None)
    if target is None:
        raise NotFound(f"instalment {position} does not exist")
    if paid_on > today:
        raise ValidationFailed.field("paid_on", "付款日期不能晚于今天")
    if paid_on < agreement.signed_on:
        raise ValidationFailed.field("paid_on", "付款日期不能早于协议签订日期")
    done = await session.execute(
        update(Instalment)
        .where(Instalment.id == target.id, Instalment.paid_on.is_(None))
        .values(paid_on=paid_on, marked_paid_by=actor.subject)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        raise StateConflict(
            "this instalment is already recorded as paid", extra={"detail_zh": "该期款项已登记为已支付"}
        )
    target.paid_on, target.marked_paid_by = paid_on, actor.subject
    proceedings.record_change(
        session,
        proceeding,
        actor,
        action="instalment_paid",
        detail={"position": position, "paid_on": paid_on.isoformat(), "amount": str(target.amount)},
    )
    # Intake counts 挽回金额 from these: money actually paid, not the amount agreed (DOMAIN.md §7).
    await publish(
        session,
        type="mediation.agreement.instalment_paid",
        case_id=proceeding.case_id,
        data={
            **_event_data(
                proceeding,
                agreement,
                target,
                f"调解协议（{agreement.agreement_no}）第{target.position}期款项{target.amount}元已于{paid_on.isoformat()}支付",
            ),
            "paid_on": paid_on,
        },
    )
    if all(i.paid_on is not None for i in instalments):
        fulfilled = await session.execute(
            update(Agreement)
            .where(Agreement.id == agreement.id, Agreement.fulfilled_at.is_(None))
            .values(fulfilled_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        if fulfilled.rowcount == 1:
            await session.refresh(agreement)
            await publish(
                session,
                type="mediation.agreement.fulfilled",
                case_id=proceeding.case_id,
                data=_event_data(
                    proceeding,
                    agreement,
                    target,
                    f"调解协议（{agreement.agreement_no}）约定款项已全部支付，协议履行完毕",
                ),
            )
    await session.flush()
    return agreement, instalments


async def announce_overdue(*, session: AsyncSession, instalment_id: str, today: date) -> bool:
    """Announce one unpaid instalment past its due date, once (False when already announced or paid)."""
    claimed = await session.execute(
        update(Instalment)
        .where(
            Instalment.id == instalment_id,
            Instalment.paid_on.is_(None),
            Instalment.overdue_notified_at.is_(None),
            Instalment.due_on < today,
        )
        .values(overdue_notified_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        return False
    instalment = await session.get(Instalment, instalment_id)
    assert instalment is not None
    agreement = await session.get(Agreement, instalment.agreement_id)
    proceeding = await session.get(Proceeding, instalment.proceeding_id)
    assert agreement is not None and proceeding is not None
    summary = (
        f"调解协议（{agreement.agreement_no}）第{instalment.position}期款项{instalment.amount}元应于"
        f"{instalment.due_on.isoformat()}支付，逾期未付；劳动者可依法申请支付令或仲裁"
    )
    await publish(
        session,
        type="mediation.agreement.payment_overdue",
        case_id=proceeding.case_id,
        data=_event_data(proceeding, agreement, instalment, summary),
    )
    proceedings.record_change(
        session,
        proceeding,
        SYSTEM,
        action="instalment_overdue",
        detail={"position": instalment.position, "due_on": instalment.due_on.isoformat()},
    )
    return True


def paid_amount(instalments: Sequence[Instalment]) -> Decimal:
    return sum((i.amount for i in instalments if i.paid_on is not None), Decimal("0.00"))


async def confirmations_of(*, session: AsyncSession, agreement_id: str) -> list[AgreementConfirmation]:
    """The electronic confirmations recorded on an agreement, in order."""
    rows = await session.execute(
        select(AgreementConfirmation)
        .where(col(AgreementConfirmation.agreement_id) == agreement_id)
        .order_by(col(AgreementConfirmation.confirmed_at), col(AgreementConfirmation.id))
    )
    return list(rows.scalars().all())
