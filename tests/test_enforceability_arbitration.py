"""Issue 13, arbitration side, through the real processes and the commission simulator (every
webhook verified with the ``standardwebhooks`` package, the commission's endpoint failing first once,
each decision sent twice under two keys): a window agreement → staff apply for 仲裁审查确认 → the
commission confirms (the agreement's digest checked by the simulator, the 仲裁调解书 number on the
timeline); a worker who refuses mediation at the window → direct arbitration accepted, the
commission's case number on the timeline and the case ``transferred_to_arbitration``."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "services" / "intake" / "tests"))

from conftest import wait_for
from factories import applicant, case_form
from test_arbitration_flow import _agree_with_review, _received, _timeline, commission

__all__ = ["commission"]


def _once_failing(sim) -> None:
    answer = sim.post("/control", json={"fail_first": 1, "repeat_decisions": True, "reset": True})
    assert answer.status_code == 200, answer.text


def _decisions(sim, kind: str, subject_id: str) -> list[dict]:
    return [d for d in sim.get("/decisions").json() if d["id"] == subject_id and d["kind"].startswith(kind)]


def test_a_window_agreement_is_sent_for_review_and_confirmed(commission, gateway):
    _once_failing(commission)
    with gateway.as_user("clerk") as clerk:
        case = clerk.post("/api/intake/cases", json=case_form(applicants=[applicant(71)], route={"route": "mediation"}))
        assert case.status_code == 201, case.text
        case_id = case.json()["id"]
        _agree_with_review(gateway, case_id, hour=16, review=False)  # the parties apply after signing
        created = wait_for(
            lambda: (lambda r: r.status_code == 201 and r)(
                clerk.post("/api/arbitration/reviews", json={"case_id": case_id, "note": "双方当事人共同申请"})
            ),
            what="the review request (once the bridge heard of the agreement)",
        )
        review = created.json()
        assert review["apply_by"] and review["documents"][0]["kind"] == "agreement"
        review_id = review["review_id"]
        [requested] = wait_for(
            lambda: _received(commission, "review_id", review_id), timeout=60, what="review.requested"
        )
        assert requested["type"] == "review.requested" and requested["data"]["documents"][0]["sha256"]
        decided = wait_for(
            lambda: (lambda v: v["state"] == "decided" and v)(
                clerk.get(f"/api/arbitration/reviews/{review_id}").json()
            ),
            timeout=30,
            what="the commission's decision",
        )
        assert decided["decision"] == "confirmed" and decided["document_no"].startswith("深劳人仲调字")
        assert decided["decision_due_on"] and decided["overdue"] is False
        received = commission.get("/received").json()
        assert received["failed_on_purpose"] >= 1 and received["rejected"] == 0
        assert received["digests_ok"] >= 1 and received["digests_bad"] == 0
        # The second identical decision under another key is answered like the first.
        answers = wait_for(
            lambda: (lambda d: len(d) == 2 and d)(_decisions(commission, "review", review_id)), what="both"
        )
        assert [a["status_code"] for a in answers] == [200, 200] and answers[0]["answer"] == answers[1]["answer"]
        timeline = wait_for(
            lambda: (lambda t: any(e["kind"] == "arbitration.review.decided" for e in t) and t)(
                _timeline(clerk, case_id)
            ),
            timeout=30,
            what="the decision on the timeline",
        )
        decided_entries = [e for e in timeline if e["kind"] == "arbitration.review.decided"]
        assert len(decided_entries) == 1 and decided["document_no"] in decided_entries[0]["summary"]
        assert [e["kind"] for e in timeline].count("arbitration.review.requested") == 1


def test_a_worker_who_refuses_mediation_goes_straight_to_arbitration(commission, gateway):
    _once_failing(commission)
    assert commission.post("/control", json={"transfer_answer": "accepted"}).status_code == 200
    with gateway.as_user("clerk") as clerk:
        form = case_form(
            applicants=[applicant(72)], route={"route": "arbitration", "reason": "申请人不愿调解，要求直接申请仲裁"}
        )
        case = clerk.post("/api/intake/cases", json=form)
        assert case.status_code == 201, case.text
        case_id = case.json()["id"]
        assert case.json()["status"] == "routed"
        moved = clerk.post(
            "/api/arbitration/transfers",
            json={"case_id": case_id, "kind": "refused_mediation", "reason": "申请人不愿调解，要求直接申请仲裁"},
        )
        assert moved.status_code == 201, moved.text
        transfer_id = moved.json()["transfer_id"]
        [requested] = wait_for(
            lambda: _received(commission, "transfer_id", transfer_id), timeout=60, what="transfer.requested"
        )
        data = requested["data"]
        assert data["kind"] == "refused_mediation" and data["applicants"][0]["address"]
        assert data["application"]["requests"][0]["category"] == "wage_arrears" and data["claims"]
        view = wait_for(
            lambda: (lambda v: v["state"] == "accepted" and v)(
                clerk.get(f"/api/arbitration/transfers/{transfer_id}").json()
            ),
            timeout=30,
            what="the commission's acceptance",
        )
        number = view["arbitration_case_no"]
        assert number.startswith("深劳人仲案") and view["due_on"]
        assert commission.get("/received").json()["failed_on_purpose"] >= 1
        answers = wait_for(
            lambda: (lambda d: len(d) == 2 and d)(_decisions(commission, "transfer", transfer_id)), what="both"
        )
        assert [a["status_code"] for a in answers] == [200, 200] and answers[0]["answer"] == answers[1]["answer"]
        final = wait_for(
            lambda: (lambda c: c["status"] == "transferred_to_arbitration" and c)(
                clerk.get(f"/api/intake/cases/{case_id}").json()
            ),
            timeout=30,
            what="the case transferred",
        )
        assert final["status"] == "transferred_to_arbitration"
        timeline = _timeline(clerk, case_id)
        accepted = [t for t in timeline if t["kind"] == "arbitration.transfer.accepted"]
        assert len(accepted) == 1 and number in accepted[0]["summary"]
        requested_entries = [t for t in timeline if t["kind"] == "arbitration.transfer.requested"]
        assert len(requested_entries) == 1 and "不愿调解" in requested_entries[0]["summary"]
