"""Issue 3 through the real processes: a clerk registers a case through the gateway."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "services" / "intake" / "tests"))

from factories import applicant, case_form
from onewindow_domain.identifiers import make_credit_code


def test_a_clerk_registers_a_case_through_the_gateway_and_gets_number_and_triage(gateway):
    with gateway.as_user("clerk") as clerk:
        # Its own employer and workers: the stack is shared with the other cross-service tests, and
        # an employer or worker with earlier open cases there is (rightly) graded red.
        form = case_form(applicants=[applicant(i) for i in range(880, 892)])
        form["respondents"][0] |= {"name": "深圳市登记测试电子有限公司", "credit_code": make_credit_code(seq=880)}
        response = clerk.post("/api/intake/cases", json=form)
        assert response.status_code == 201, response.text
        case = response.json()
        assert case["case_no"].startswith("福田一窗〔") and case["case_no"].endswith("号")
        triage = case["triage"]
        assert triage["grade"] == "yellow" and triage["reasons"], triage
        assert triage["collective"]["is_collective"] is True
        assert triage["route"]["route"] == "mediation"
        assert "limitation_warning" in triage
        # Bad input: a field-level 422 and no case.
        before = len(clerk.get("/api/intake/cases", params={"limit": 100}).json()["items"])
        bad = case_form()
        bad["applicants"][0]["id_number"] = "440304199001011230"
        refused = clerk.post("/api/intake/cases", json=bad)
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["field"] == "applicants[0].id_number"
        listed = clerk.get("/api/intake/cases", params={"limit": 100}).json()["items"]
        assert len(listed) == before and case["id"] in [c["id"] for c in listed]
        detail = clerk.get(f"/api/intake/cases/{case['id']}")
        assert detail.status_code == 200 and detail.headers["etag"] == '"1"'
