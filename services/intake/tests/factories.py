"""Plain-function factories for registration forms (valid fake identifiers from the domain library)."""

import uuid
from datetime import UTC, date, datetime

from onewindow_domain.identifiers import make_credit_code, make_id_number

EMPLOYER_CODE = make_credit_code(seq=7)
OTHER_EMPLOYER_CODE = make_credit_code(seq=8)


def applicant(i: int = 1, **over) -> dict:
    base = {
        "name": f"工人{i}",
        "id_number": make_id_number(birth=date(1990, 1, 1 + i % 28), seq=i),
        "phone": f"1380013{i:04d}",
        "address": "深圳市福田区某街道",
        "monthly_wage": "6000.00",
    }
    return base | over


def case_form(workers: int = 1, **over) -> dict:
    base = {
        "channel": "walk_in",
        "applicants": [applicant(i) for i in range(1, workers + 1)],
        "respondents": [
            {
                "name": "深圳市某某电子有限公司",
                "credit_code": EMPLOYER_CODE,
                "address": "深圳市福田区",
                "legal_representative": "赵某",
            }
        ],
        "claims": [
            {
                "category": "wage_arrears",
                "amount": "12000.00",
                "period_start_on": "2026-08-01",
                "period_end_on": "2026-09-30",
                "description": "拖欠8–9月工资",
            }
        ],
        "facts": "申请人于2024年入职，公司自2026年8月起拖欠工资。",
        "employment_start_on": "2024-03-01",
        "knew_on": "2026-10-10",
    }
    return base | over


def mediation_event(case_id: str, type_: str, *, proceeding_id: str = "p1", **data) -> dict:
    """An envelope mediation posts to ``/internal/events`` about ``case_id``'s proceeding."""
    return {
        "id": str(uuid.uuid4()),
        "type": type_,
        "occurred_at": datetime.now(UTC).isoformat(),
        "source": "mediation",
        "case_id": case_id,
        "data": {"proceeding_id": proceeding_id, **data},
    }
