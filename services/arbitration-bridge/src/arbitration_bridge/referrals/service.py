"""The commission's referrals: the kit's referral lifecycle (``onewindow_kit.bridge.referrals``)
with the arbitration contract's schemas and vocabulary (暂缓立案、先行调解; the commission's
``pre_filing_no``; its 调解建议书), its clocks (15 days of mediation, the agreed working days to
answer), and the one way its contract differs: a failed or expired result goes out with the parties'
service addresses, read from intake first (``result_parties_state``; the worker sends it)."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any, ClassVar

from onewindow_domain.calendar import china_today, default_calendar
from onewindow_domain.clocks import ClockRule, ClockUnit, compute_due
from onewindow_kit.bridge.messages import scrub
from onewindow_kit.bridge.referrals import ReferralLifecycle, can_see
from onewindow_kit.crypto import FieldCipher
from onewindow_kit.db import utcnow
from onewindow_kit.mapping import to_schema
from onewindow_kit.partners.models import Partner
from onewindow_kit.worker import WakeSignal
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from arbitration_bridge.referrals.models import Referral
from arbitration_bridge.referrals.schemas import Agreement, Mediator, ReferralCreate, ReferralPublic, Result

PARTIES_CONTEXT = "referral_result_parties"
DEADLINE_RULE = "mediation_15d"  # 劳动争议调解仲裁法 第14条: 15 days, extendable with both parties' consent
INTAKE_FACTS_MAX = 20000
KIND_ZH = "暂缓立案、先行调解"
WORK_WAKE = WakeSignal("arbitration_work")  # marked where work is written; wakes the worker after the commit

__all__ = ["can_see"]  # the transfers and reviews read it here


def calendar() -> Any:
    # Lenient: a deadline in a year without a published holiday notice counts plain weeks rather than failing.
    return default_calendar().lenient()


def default_deadline(*, referred_on: date) -> date:
    """15 days after the referral, first day excluded, rolled past days off."""
    return compute_due(DEADLINE_RULE, referred_on, calendar=calendar()).due_on


def acceptance_due(*, received_on: date, working_days: int) -> date:
    """The day the centre answers by: the agreed number of working days after receipt (config)."""
    rule = ClockRule(
        code="arbitration_referral_acceptance",
        amount=working_days,
        unit=ClockUnit.WORKING_DAYS,
        legal_source="中心与仲裁院的衔接约定",
        description_zh="调解组织收到仲裁院委托调解后决定是否接受的期限",
    )
    return compute_due(rule, received_on, calendar=calendar()).due_on


def intake_facts(data: ReferralCreate) -> str:
    """The facts as intake keeps them: the commission's facts, then its 调解建议书 as far as it fits."""
    if not data.mediation_suggestion:
        return data.facts
    head = f"{data.facts}\n\n【仲裁院调解建议书】\n"
    room = INTAKE_FACTS_MAX - len(head)
    if room <= 0:
        return data.facts
    suggestion = data.mediation_suggestion
    if len(suggestion) > room:
        tail = "……（全文见案件的仲裁院委托信息）"
        suggestion = suggestion[: max(0, room - len(tail))] + tail
    return head + suggestion


class CommissionReferrals(ReferralLifecycle):
    model: ClassVar[Any] = Referral
    payload_model = ReferralCreate
    result_model = Result
    agreement_model = Agreement
    mediator_model = Mediator
    # The parties (with identities) are never in the JSON column: they are sealed in result_parties_enc.
    result_exclude: ClassVar[set[str] | None] = {"applicants", "respondents"}
    partner = "arbitration"
    number_field = "pre_filing_no"
    channel = "arbitration_referral"
    withdrawn_zh = "仲裁院撤回委托调解"
    declined_zh = "中心不予接受仲裁院委托调解"
    wake = WORK_WAKE

    def today(self) -> date:
        return china_today()

    def kind_zh(self, referral: Any) -> str:
        return KIND_ZH

    def partner_name(self, referral: Any) -> str:
        return str(referral.commission_name)

    def received_zh(self, referral: Any) -> str:
        suggestion = "，附调解建议书" if referral.has_suggestion else ""
        return (
            f"{referral.commission_name}{KIND_ZH}，预立案号{referral.pre_filing_no}{suggestion}，"
            f"调解期限至{referral.deadline_on.isoformat()}"
        )

    def accepted_zh(self, referral: Any) -> str:
        return f"中心已接受仲裁院委托调解（{referral.pre_filing_no}）"

    def intake_facts(self, data: Any) -> str:
        return intake_facts(data)

    def external_ref(self, referral: Any, data: Any) -> dict[str, Any]:
        """The case's partner reference (decision 0006). It travels in intake's and mediation's events,
        so the 调解建议书 in it is scrubbed of ID- and phone-shaped strings; mediators read it there."""
        ref = super().external_ref(referral, data)
        if data.mediation_suggestion:
            ref["mediation_suggestion"] = scrub(data.mediation_suggestion)
        return ref

    async def end_with(
        self, *, session: AsyncSession, referral: Any, cipher: FieldCipher, occurred_at: datetime
    ) -> None:
        # The commission files the case with the parties' service addresses: read them from intake
        # (they may have been corrected there), then send the result (the worker does both).
        referral.result_parties_state = "preparing"
        referral.result_next_attempt_at = utcnow()


referrals = CommissionReferrals()


async def create_referral(
    *,
    session: AsyncSession,
    partner: Partner,
    data: ReferralCreate,
    cipher: FieldCipher,
    default_center_id: str,
    acceptance_working_days: int,
    inline_seconds: float = 0.0,
) -> Referral:
    """Store a commission's referral (its parties encrypted); 409 with the existing id for a known pre_filing_no."""
    referral = Referral(
        pre_filing_no=data.pre_filing_no,
        kind=data.kind,
        commission_name=data.commission_name,
        referred_on=data.referred_on,
        deadline_on=data.deadline or default_deadline(referred_on=data.referred_on),
        has_suggestion=bool(data.mediation_suggestion),
        **referrals.arrival(
            partner=partner,
            data=data,
            cipher=cipher,
            default_center_id=default_center_id,
            accept_due_on=lambda today: acceptance_due(received_on=today, working_days=acceptance_working_days),
            inline_seconds=inline_seconds,
        ),
    )
    created: Referral = await referrals.create(session=session, referral=referral)
    return created


def result_parties(referral: Referral, cipher: FieldCipher) -> dict[str, Any]:
    """``{"applicants", "respondents"}`` sent with a failed or expired result (empty until sent)."""
    if not referral.result_parties_enc:
        return {}
    parties: dict[str, Any] = json.loads(cipher.decrypt(referral.result_parties_enc, context=PARTIES_CONTEXT))
    return parties


def to_public(referral: Referral, cipher: FieldCipher, *, with_parties: bool = True) -> ReferralPublic:
    result = None
    if referral.result:
        result = Result.model_validate(referral.result | (result_parties(referral, cipher) if with_parties else {}))
    return to_schema(ReferralPublic, referral, referral_id=referral.id, deadline=referral.deadline_on, result=result)


async def send_result(
    *,
    session: AsyncSession,
    referral_id: str,
    applicants: list[dict[str, Any]],
    respondents: list[dict[str, Any]],
    cipher: FieldCipher,
) -> bool:
    """The addresses are in hand: send ``referral.failed`` / ``referral.expired`` (once, whoever gets here first)."""
    sealed = cipher.encrypt(
        json.dumps({"applicants": applicants, "respondents": respondents}, ensure_ascii=False), context=PARTIES_CONTEXT
    )
    taken = await session.execute(
        update(Referral)
        .where(col(Referral.id) == referral_id, col(Referral.result_parties_state) == "preparing")
        .values(result_parties_state="sent", result_parties_enc=sealed, result_last_error=None)
    )
    if getattr(taken, "rowcount", 0) != 1:
        return False
    referral = await session.get(Referral, referral_id, populate_existing=True)
    assert referral is not None and referral.result is not None
    result = referral.result
    data: dict[str, Any] = {
        "undisputed_facts": result.get("undisputed_facts"),
        "applicants": applicants,
        "respondents": respondents,
    }
    if referral.status == "failed":
        data = {"reason": result.get("reason"), **data, "dispute_focus": result.get("dispute_focus")}
    await referrals.notify_partner(
        session,
        referral,
        f"referral.{referral.status}",
        data,
        cipher=cipher,
        occurred_at=datetime.fromisoformat(result["decided_at"]),
    )
    await session.flush()
    return True


# ---------------------------------------------------------------------------------------------
# The clerks' desk
# ---------------------------------------------------------------------------------------------


# The lifecycle's steps under the names the routes, handlers, flows and worker of this bridge call.
open_payload = referrals.open_payload
lock_referral = referrals.lock
get_partner_referral = referrals.get_partner_referral
list_partner_referrals = referrals.list_partner_referrals
notify_commission = referrals.notify_partner
announce_referral = referrals.announce
intake_case_body = referrals.intake_case_body
complete_registration = referrals.complete_registration
accept_referral = referrals.accept
decline_referral = referrals.decline
withdraw_referral = referrals.withdraw
apply_case_registered = referrals.apply_case_registered
apply_proceeding_event = referrals.apply_proceeding_event
get_staff_referral = referrals.get_staff_referral
list_staff_referrals = referrals.list_staff_referrals
retry_registration = referrals.retry_registration
referral_of_case = referrals.referral_of_case
