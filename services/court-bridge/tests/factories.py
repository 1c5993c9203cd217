"""Plain-function factories: a court's referral, mediation's events (valid fake identifiers)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from onewindow_domain.identifiers import make_credit_code, make_id_number
from onewindow_kit.bridge.testing import agreement as agreement_body
from onewindow_kit.bridge.testing import envelope, referral_parties

EMPLOYER_CODE = make_credit_code(seq=7)
_counter = iter(range(1, 100000))


def referral_form(**over: Any) -> dict[str, Any]:
    n = next(_counter)
    base = {
        "court_case_no": f"（2026）粤0304民诉前调{1000 + n}号",
        "kind": "pre_filing",
        "court_name": "深圳市福田区人民法院",
        "judge": {"name": "刘法官", "phone": "0755-83000000"},
        "referred_on": "2026-11-20",
        **referral_parties(id_number=make_id_number(birth=date(1991, 3, 5), seq=n % 999), credit_code=EMPLOYER_CODE),
    }
    return base | over


def event(
    type_: str,
    referral_id: str | None,
    case_id: str | None,
    *,
    partner_id: str = "futian-court",
    occurred_at: datetime | None = None,
    **data: Any,
) -> dict[str, Any]:
    """A ``mediation.proceeding.*`` envelope as mediation's relay posts it."""
    external_ref = None
    if referral_id:
        external_ref = {
            "partner": "court",
            "partner_id": partner_id,
            "referral_id": referral_id,
            "partner_case_no": "（2026）粤0304民诉前调1号",
            "kind": "pre_filing",
        }
    return envelope(
        type_,
        case_id,
        {
            "proceeding_id": "proc-1",
            "case_no": "福田一窗〔2026〕00001号",
            "source": "court_pre_filing",
            "external_ref": external_ref,
            "deadline_on": "2026-12-21",
            "summary_zh": "…",
            **data,
        },
        occurred_at=occurred_at,
    )


def agreement(*, effective_on: date, confirm: bool = True, **over: Any) -> dict[str, Any]:
    return agreement_body(
        effective_on=effective_on, agreement_no="福田调〔2026〕88号", judicial_confirmation=confirm, **over
    )
