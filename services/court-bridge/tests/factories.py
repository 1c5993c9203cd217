"""Plain-function factories: a court's referral, mediation's events (valid fake identifiers)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from onewindow_domain.identifiers import make_credit_code, make_id_number

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
        "applicants": [
            {
                "name": "李四",
                "id_number": make_id_number(birth=date(1991, 3, 5), seq=n % 999),
                "phone": "13800138000",
                "address": "深圳市福田区福田街道某小区",
            }
        ],
        "respondents": [
            {
                "name": "深圳市某某电子有限公司",
                "credit_code": EMPLOYER_CODE,
                "address": "深圳市福田区某路1号",
                "legal_representative": "赵某",
                "phone": "0755-88888888",
            }
        ],
        "claims": [{"category": "wage_arrears", "amount": "12000.00", "description": "拖欠2026年8–9月工资"}],
        "facts": "申请人于2024年3月入职被申请人处，被申请人自2026年8月起拖欠工资。",
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
    return {
        "id": str(uuid.uuid4()),
        "type": type_,
        "occurred_at": (occurred_at or datetime.now(UTC)).isoformat(),
        "source": "mediation",
        "case_id": case_id,
        "schema_version": 1,
        "data": {
            "proceeding_id": "proc-1",
            "case_no": "福田一窗〔2026〕00001号",
            "source": "court_pre_filing",
            "external_ref": external_ref,
            "deadline_on": "2026-12-21",
            "summary_zh": "…",
            **data,
        },
    }


def agreement(*, effective_on: date, confirm: bool = True, **over: Any) -> dict[str, Any]:
    base = {
        "agreement_no": "福田调〔2026〕88号",
        "signed_on": effective_on.isoformat(),
        "terms": "被申请人于2026年12月31日前支付工资12000元。",
        "total_amount": "12000.00",
        "payments": [
            {"due_on": "2026-12-31", "amount": "12000.00", "payer": "深圳市某某电子有限公司", "payee": "李四"}
        ],
        "parties_request_judicial_confirmation": confirm,
        "parties_request_arbitration_review": False,
        "effective_on": effective_on.isoformat(),
    }
    return base | over
