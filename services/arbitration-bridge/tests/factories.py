"""Plain-function factories: a commission's referral, a window case, intake's and mediation's
events (valid fake identifiers)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from onewindow_domain.identifiers import make_credit_code, make_id_number
from onewindow_kit.bridge.testing import agreement as agreement_body
from onewindow_kit.bridge.testing import envelope, mediator, referral_parties  # noqa: F401 (mediator: the tests')

EMPLOYER_CODE = make_credit_code(seq=7)
_counter = iter(range(1, 100000))


def referral_form(**over: Any) -> dict[str, Any]:
    n = next(_counter)
    base = {
        "pre_filing_no": f"深劳人仲预〔2026〕{100 + n}号",
        "commission_name": "深圳市福田区劳动人事争议仲裁院",
        "referred_on": "2026-11-20",
        **referral_parties(id_number=make_id_number(birth=date(1991, 3, 5), seq=n % 999), credit_code=EMPLOYER_CODE),
        "mediation_suggestion": "建议双方围绕欠薪数额核对考勤记录，被申请人可分期支付。联系人王仲裁员13912345678。",
    }
    return base | over


def window_case(**over: Any) -> dict[str, Any]:
    """The registration form of a case that came to the window (for transfers and reviews)."""
    n = next(_counter)
    base = {
        "applicants": [
            {
                "name": "王五",
                "id_number": make_id_number(birth=date(1988, 6, 1), seq=n % 999),
                "phone": "13700137000",
                "address": "深圳市福田区沙头街道某村",
            }
        ],
        "respondents": [
            {
                "name": "深圳市某某物流有限公司",
                "credit_code": make_credit_code(seq=n),
                "address": "深圳市福田区某路8号",
                "legal_representative": "钱某",
                "phone": "0755-66666666",
            }
        ],
        "claims": [{"category": "overtime", "amount": "8600.00", "description": "2026年加班费"}],
        "facts": "申请人主张被申请人未支付2026年1–9月加班费。",
    }
    return base | over


def event(
    type_: str,
    referral_id: str | None,
    case_id: str | None,
    *,
    partner_id: str = "futian-arbitration",
    proceeding_id: str = "proc-1",
    occurred_at: datetime | None = None,
    **data: Any,
) -> dict[str, Any]:
    """A ``mediation.proceeding.*`` envelope as mediation's relay posts it."""
    external_ref = None
    if referral_id:
        external_ref = {
            "partner": "arbitration",
            "partner_id": partner_id,
            "referral_id": referral_id,
            "partner_case_no": "深劳人仲预〔2026〕1号",
            "kind": "pre_filing",
        }
    return envelope(
        type_,
        case_id,
        {
            "case_id": case_id,
            "proceeding_id": proceeding_id,
            "case_no": "福田一窗〔2026〕00001号",
            "source": "arbitration_pre_filing" if referral_id else "window",
            "external_ref": external_ref,
            "deadline_on": "2026-12-07",
            "summary_zh": "…",
            **data,
        },
        occurred_at=occurred_at,
    )


def routed(case_id: str, *, center_id: str = "futian", case_no: str = "福田一窗〔2026〕00001号") -> dict[str, Any]:
    """``intake.case.routed`` of a window case routed to mediation."""
    return envelope(
        "intake.case.routed",
        case_id,
        {
            "case_id": case_id,
            "case_no": case_no,
            "center_id": center_id,
            "channel": "walk_in",
            "status": "routed",
            "route": "mediation",
            "external_ref": None,
        },
        source="intake",
    )


def agreement(*, effective_on: date, review: bool = True, **over: Any) -> dict[str, Any]:
    return agreement_body(
        effective_on=effective_on, agreement_no="福田调协〔2026〕00088号", arbitration_review=review, **over
    )
