"""The court's referrals: the kit's referral lifecycle (``onewindow_kit.bridge.referrals``) with
the court contract's schemas and vocabulary (委派 before filing, 委托 in litigation; the court's
case number ``court_case_no``), and the court's clocks: the mediation deadline (30 or 15 days) and
the centre's answer within 3 working days of receipt (人民法院在线调解规则 第12条)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, ClassVar

from onewindow_domain.calendar import china_today, default_calendar
from onewindow_domain.clocks import compute_due
from onewindow_kit.bridge.referrals import ReferralLifecycle
from onewindow_kit.crypto import FieldCipher
from onewindow_kit.mapping import to_schema
from onewindow_kit.partners.models import Partner
from onewindow_kit.worker import WakeSignal
from sqlalchemy.ext.asyncio import AsyncSession

from court_bridge.referrals.models import Referral
from court_bridge.referrals.schemas import Agreement, Mediator, ReferralCreate, ReferralPublic, Result

# 人民法院在线调解规则 第24条: 委派 30 days; 委托 15 days (普通程序) or 7 days (简易程序), counted from the
# day the mediation organisation or mediator confirms acceptance.
DEADLINE_RULES = {
    ("pre_filing", None): "court_referral_30d",
    ("in_litigation", None): "in_litigation_referral_15d",
    ("in_litigation", "ordinary"): "in_litigation_referral_15d",
    ("in_litigation", "summary"): "in_litigation_referral_summary_7d",
}
KIND_ZH = {"pre_filing": "诉前委派调解", "in_litigation": "诉中委托调解"}
WORK_WAKE = WakeSignal("court_work")  # marked where work is written; wakes the worker after the commit


def calendar() -> Any:
    # Lenient: a deadline in a year without a published holiday notice counts plain weeks rather than failing.
    return default_calendar().lenient()


def default_deadline(*, kind: str, start: date, procedure: str | None = None) -> date:
    """30 days (委派) or 15/7 days (委托, 普通/简易程序) after ``start``, first day excluded, rolled past
    days off. ``start`` is the day acceptance is confirmed; until then the referral's date stands in."""
    return compute_due(DEADLINE_RULES[(kind, procedure)], start, calendar=calendar()).due_on


def acceptance_due(*, received_on: date) -> date:
    """The centre answers within 3 working days of receipt (人民法院在线调解规则 第12条)."""
    return compute_due("court_referral_acceptance_3wd", received_on, calendar=calendar()).due_on


class CourtReferrals(ReferralLifecycle):
    model: ClassVar[Any] = Referral
    payload_model = ReferralCreate
    result_model = Result
    agreement_model = Agreement
    mediator_model = Mediator
    partner = "court"
    number_field = "court_case_no"
    channel = "court_referral"
    withdrawn_zh = "法院撤回委派调解"
    declined_zh = "中心不予接受法院委派"
    wake = WORK_WAKE

    def today(self) -> date:
        return china_today()

    def kind_zh(self, referral: Any) -> str:
        return KIND_ZH[referral.kind]

    def partner_name(self, referral: Any) -> str:
        return str(referral.court_name)

    def deadline_on_acceptance(self, referral: Any, payload: Callable[[], Any], accepted_on: date) -> date | None:
        """Without the court's own deadline the period runs from today's confirmation of acceptance
        (人民法院在线调解规则 第24条), replacing the provisional one counted from the referral date."""
        data = payload()
        if data.deadline is not None:
            return None
        return default_deadline(kind=referral.kind, start=accepted_on, procedure=data.procedure)

    def received_zh(self, referral: Any) -> str:
        return (
            f"{referral.court_name}{KIND_ZH[referral.kind]}，法院案号{referral.court_case_no}，"
            f"调解期限至{referral.deadline_on.isoformat()}"
        )


referrals = CourtReferrals()


async def create_referral(
    *,
    session: AsyncSession,
    partner: Partner,
    data: ReferralCreate,
    cipher: FieldCipher,
    default_center_id: str,
    inline_seconds: float = 0.0,
) -> Referral:
    """Store a court's referral (its parties encrypted); 409 with the existing id for a known court_case_no."""
    referral = Referral(
        court_case_no=data.court_case_no,
        kind=data.kind,
        court_name=data.court_name,
        referred_on=data.referred_on,
        deadline_on=data.deadline or default_deadline(kind=data.kind, start=data.referred_on, procedure=data.procedure),
        **referrals.arrival(
            partner=partner,
            data=data,
            cipher=cipher,
            default_center_id=default_center_id,
            accept_due_on=lambda today: acceptance_due(received_on=today),
            inline_seconds=inline_seconds,
        ),
    )
    created: Referral = await referrals.create(session=session, referral=referral)
    return created


def to_public(referral: Referral) -> ReferralPublic:
    return to_schema(ReferralPublic, referral, referral_id=referral.id, deadline=referral.deadline_on)


# The lifecycle's steps under the names the routes, handlers and flows of this bridge call.
open_payload = referrals.open_payload
lock_referral = referrals.lock
get_partner_referral = referrals.get_partner_referral
list_partner_referrals = referrals.list_partner_referrals
notify_court = referrals.notify_partner
announce = referrals.announce
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
