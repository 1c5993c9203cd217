"""支付令 (payment order) for a mediation agreement the employer has not performed (LDMAL 16;
民事诉讼法 2023 numbering, 第225–227条). Pure: the enforceability flows of the bridges call it.

Eligibility (LDMAL 16): the agreement is about 劳动报酬, 工伤医疗费, 经济补偿 or 赔偿金 and the employer
did not perform it within the agreed period; the worker may then apply to the basic people's court
for a payment order on the strength of the agreement. CPL 225 adds: the creditor and the debtor have
no other debt dispute, and the order can be served on the debtor.

Periods (calendar days, first day excluded, rolled over a day off: CPL 85): the court says whether it
accepts within 5 days of the application (CPL 226); it issues the order within 15 days of accepting
(CPL 227(1)); the debtor pays or objects in writing within 15 days of service (CPL 227(2)); with
neither, the creditor may apply for enforcement (CPL 227(3)).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from onewindow_domain.calendar import HolidayCalendar, default_calendar
from onewindow_domain.claims import ClaimCategory, parse_claim_category
from onewindow_domain.clocks import Deadline, compute_due

__all__ = [
    "PAYMENT_ORDER_CATEGORIES",
    "PaymentOrderCheck",
    "PaymentOrderPeriods",
    "payment_order_check",
    "payment_order_periods",
]

# LDMAL 16: 劳动报酬 (wages, overtime), 工伤医疗费, 经济补偿 (severance, notice pay, leave pay), 赔偿金.
PAYMENT_ORDER_CATEGORIES = frozenset(
    {
        ClaimCategory.WAGE_ARREARS,
        ClaimCategory.OVERTIME,
        ClaimCategory.WORK_INJURY,
        ClaimCategory.SEVERANCE,
        ClaimCategory.NOTICE_PAY,
        ClaimCategory.ANNUAL_LEAVE,
        ClaimCategory.UNLAWFUL_TERMINATION,
        ClaimCategory.NO_CONTRACT_DOUBLE_WAGE,
    }
)


@dataclass(frozen=True)
class PaymentOrderCheck:
    """Whether the worker may apply for a 支付令 on the agreement, with every reason."""

    eligible: bool
    categories: tuple[ClaimCategory, ...]  # the agreement's items that a payment order can cover
    other_items: tuple[ClaimCategory, ...]  # items it cannot (they go to arbitration instead)
    reasons_zh: tuple[str, ...]  # why not, or what to check; empty when nothing stands in the way
    basis_zh: str
    legal_basis: str = "劳动争议调解仲裁法 第16条；民事诉讼法 第225条"


def payment_order_check(
    *,
    categories: Iterable[ClaimCategory | str],
    performance_due_on: date,
    today: date,
    fully_performed: bool = False,
    other_debt_dispute: bool = False,
    can_serve_debtor: bool = True,
) -> PaymentOrderCheck:
    """LDMAL 16 and CPL 225: may the worker apply for a payment order on this agreement ``today``?"""
    cats = tuple(dict.fromkeys(parse_claim_category(c) for c in categories))
    covered = tuple(c for c in cats if c in PAYMENT_ORDER_CATEGORIES)
    others = tuple(c for c in cats if c not in PAYMENT_ORDER_CATEGORIES)
    reasons: list[str] = []
    if not covered:
        reasons.append(
            "调解协议不含劳动报酬、工伤医疗费、经济补偿或者赔偿金事项，不能申请支付令（劳动争议调解仲裁法 第16条）"
        )
    if fully_performed:
        reasons.append("用人单位已履行调解协议，无需申请支付令")
    elif today <= performance_due_on:
        reasons.append(
            f"协议约定的履行期限至{performance_due_on.isoformat()}，期限届满仍不履行的，劳动者方可申请支付令（劳动争议调解仲裁法 第16条）"
        )
    if other_debt_dispute:
        reasons.append("债权人与债务人之间另有其他债务纠纷的，不能申请支付令（民事诉讼法 第225条第1项）")
    if not can_serve_debtor:
        reasons.append(
            "支付令须能够送达债务人；用人单位下落不明等无法送达的，不能申请支付令（民事诉讼法 第225条第2项）"
        )
    eligible = not reasons
    items = "、".join(c.label_zh for c in covered) or "无"
    basis = (
        f"可申请支付令的事项：{items}"
        + (f"；{'、'.join(c.label_zh for c in others)}不属于支付令事项，可依法申请仲裁" if others else "")
        + "。"
        + (
            "符合申请支付令的条件：劳动者可以持调解协议书依法向人民法院申请支付令。"
            if eligible
            else "；".join(reasons) + "。"
        )
        + "依据：劳动争议调解仲裁法 第16条；民事诉讼法 第225条。"
    )
    return PaymentOrderCheck(eligible, covered, others, tuple(reasons), basis)


@dataclass(frozen=True)
class PaymentOrderPeriods:
    """The court's and the debtor's periods, as far as the known dates allow."""

    acceptance: Deadline  # the court says whether it accepts (CPL 226)
    issue: Deadline | None  # issue the order, once accepted (CPL 227(1))
    objection: Deadline | None  # the debtor pays or objects, once served (CPL 227(2))


def payment_order_periods(
    *,
    applied_on: date,
    accepted_on: date | None = None,
    served_on: date | None = None,
    calendar: HolidayCalendar | None = None,
) -> PaymentOrderPeriods:
    """Due dates of CPL 226–227 from the application, acceptance and service dates (calendar days, CPL 85)."""
    cal = calendar or default_calendar().lenient()
    return PaymentOrderPeriods(
        acceptance=compute_due("payment_order_acceptance_5d", applied_on, calendar=cal),
        issue=compute_due("payment_order_issue_15d", accepted_on, calendar=cal) if accepted_on else None,
        objection=compute_due("payment_order_objection_15d", served_on, calendar=cal) if served_on else None,
    )
