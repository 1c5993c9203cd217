"""Issue 4 through the real processes: routing at intake opens a proceeding that gets a mediator,
with an explanation; an agreement's overdue instalment reaches intake's timeline."""

from __future__ import annotations

import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "services" / "intake" / "tests"))

from conftest import book_session, signatures, wait_for
from factories import applicant, case_form
from onewindow_domain.calendar import china_today


def _proceeding_of(supervisor, case_id: str) -> dict | None:
    items = supervisor.get("/api/mediation/proceedings", params={"case_id": case_id}).json()["items"]
    return items[0] if items and items[0]["status"] == "assigned" else None


def test_routing_opens_a_proceeding_assigned_with_an_explanation_and_an_overdue_instalment_reaches_intake(gateway):
    with gateway.as_user("clerk") as clerk, gateway.as_user("supervisor") as supervisor:
        form = case_form(applicants=[applicant(41)], route={"route": "mediation"})
        case = clerk.post("/api/intake/cases", json=form)
        assert case.status_code == 201, case.text
        case_id = case.json()["id"]
        started = time.monotonic()
        proceeding = wait_for(lambda: _proceeding_of(supervisor, case_id), what="proceeding assigned")
        print(f"routed -> assigned in {time.monotonic() - started:.2f}s (polling every 0.2 s)")
        assert proceeding["mediator"]["name"]

        explanation = supervisor.get(f"/api/mediation/proceedings/{proceeding['id']}/assignment")
        assert explanation.status_code == 200, explanation.text
        current = explanation.json()["current"]
        assert current["weights_version"] and current["mediator_id"] == proceeding["mediator"]["id"]
        candidates = current["explanation"]["candidates"]
        chosen = [c for c in candidates if not c["exclusions"] and c["why_zh"] and c.get("rank") == 1]
        assert chosen, candidates  # why this mediator: ranked first, with its reasons
        assert all(c["why_zh"] for c in candidates)  # and why not the others (exclusions or a lower score)

        # The assigned mediator (one of the two demo mediators) works the case.
        mediator, mediator_name = None, ""
        for username in ("mediator1", "mediator2"):
            client = gateway.as_user(username)
            if client.get(f"/api/mediation/proceedings/{proceeding['id']}").status_code == 200:
                mediator, mediator_name = client, username
                break
            client.close()
        assert mediator is not None, "neither demo mediator sees the proceeding assigned to them"
        try:
            pid = proceeding["id"]
            assert (
                mediator.post(f"/api/mediation/proceedings/{pid}/accept", json={"note": "双方同意调解"}).status_code
                == 200
            )
            book_session(mediator, pid, day_offset=3, hour=9, mode="in_person", room="第一调解室")
            signed = china_today() - timedelta(days=10)
            agreement = {
                "signed_on": signed.isoformat(),
                "effective_on": signed.isoformat(),
                "terms": "被申请人分两期支付拖欠工资",
                "total_amount": "12000.00",
                "payments": [
                    {
                        "due_on": (signed + timedelta(days=7)).isoformat(),
                        "amount": "6000.00",
                        "payer": "深圳市某某电子有限公司",
                        "payee": "工人41",
                    },
                    {  # not due yet, paid early: announcing it overdue is impossible, not a race
                        "due_on": (china_today() + timedelta(days=3)).isoformat(),
                        "amount": "6000.00",
                        "payer": "深圳市某某电子有限公司",
                        "payee": "工人41",
                    },
                ],
                "signatures": signatures(signed, worker="工人41", employer="深圳市某某电子有限公司"),
            }
            recorded = mediator.post(f"/api/mediation/proceedings/{pid}/agreement", json=agreement)
            assert recorded.status_code in (200, 201), recorded.text
            paid = mediator.post(
                f"/api/mediation/proceedings/{pid}/agreement/instalments/2/paid",
                json={"paid_on": china_today().isoformat()},
            )
            assert paid.status_code in (200, 201), paid.text
        finally:
            mediator.close()

        def timeline_kinds():
            return [t["kind"] for t in clerk.get(f"/api/intake/cases/{case_id}/timeline").json()]

        kinds = wait_for(
            lambda: "mediation.agreement.payment_overdue" in timeline_kinds() and timeline_kinds(),
            what="overdue instalment on intake's timeline",
        )
        assert kinds.count("mediation.agreement.payment_overdue") == 1
        for expected in (
            "case.registered",
            "case.routed",
            "mediation.proceeding.opened",
            "mediation.proceeding.assigned",
            "mediation.proceeding.agreed",
        ):
            assert expected in kinds, (expected, kinds)
        final = wait_for(
            lambda: (lambda c: c["recovered"] == "6000.00" and c)(clerk.get(f"/api/intake/cases/{case_id}").json()),
            what="the paid instalment counted as recovered",
        )
        # 挽回金额 is the money paid (one instalment of two), the agreed amount is apart (issue 10).
        assert final["status"] == "resolved" and final["agreed_amount"] == "12000.00"
        behind = supervisor.get("/api/intake/stats/cases", params={"figure": "recovered", "limit": 200}).json()
        assert case_id in [c["id"] for c in behind["items"]]
        # The assigned mediator was told of the assignment and of the overdue instalment, once each.
        with gateway.as_user(mediator_name) as me:
            mine = [n for n in me.get("/api/intake/notifications").json()["items"] if n["case_id"] == case_id]
        assert sorted(n["kind"] for n in mine) == ["assignment", "payment_overdue"]
