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

from conftest import assigned_proceeding, wait_for
from factories import applicant, case_form
from test_arbitration_flow import _agree_with_review, _as_assigned_mediator, _received, _timeline, commission

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
        # Documents, not titles: the canonical-JSON entry stays first, the generated PDFs follow with
        # their digests and signed links, and the commission fetched and verified each.
        docs = requested["data"]["documents"]
        assert docs[0]["kind"] == "agreement" and not docs[0].get("url")
        linked = {d["kind"]: d for d in docs if d.get("url")}
        assert sorted(linked) == ["agreement", "arbitration_review_application"]
        assert all(f"/partner/arbitration/v1/reviews/{review_id}/documents/" in d["url"] for d in linked.values())
        checks = [c for c in received["document_checks"] if c["subject_id"] == review_id]
        assert sorted(c["kind"] for c in checks) == ["agreement", "arbitration_review_application"]
        assert all(c["ok"] for c in checks), checks
        token = gateway.client_token("futian-arbitration")
        url = linked["agreement"]["url"]
        assert gateway.http.get(url, headers={"Authorization": f"Bearer {token}"}).status_code == 200
        forged = url.rsplit("=", 1)[0] + "=" + "0" * 64
        assert gateway.http.get(forged, headers={"Authorization": f"Bearer {token}"}).status_code == 403
        other = url.replace(review_id, review_id + "x")  # a signed link names its review: 404 elsewhere
        assert gateway.http.get(other, headers={"Authorization": f"Bearer {token}"}).status_code == 404
        assert gateway.http.get(url).status_code == 401
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


def test_a_document_that_does_not_match_its_digest_gets_the_review_refused(commission, gateway, stack):
    """The commission fetches the signed 调解协议书 from its link: a file changed behind the record's
    back (its SHA-256 no longer the bundle's) gets the review refused."""
    assert commission.post("/control", json={"review_answer": "confirmed"}).status_code == 200
    with gateway.as_user("clerk") as clerk, gateway.as_user("supervisor") as supervisor:
        case = clerk.post("/api/intake/cases", json=case_form(applicants=[applicant(73)], route={"route": "mediation"}))
        assert case.status_code == 201, case.text
        case_id = case.json()["id"]
        pid = wait_for(lambda: assigned_proceeding(supervisor, case_id), what="proceeding assigned")["id"]
        _agree_with_review(gateway, case_id, hour=10, review=False)
        mediator = _as_assigned_mediator(gateway, pid)
        try:
            printed = mediator.post(f"/api/mediation/proceedings/{pid}/documents", json={"kind": "agreement"})
        finally:
            mediator.close()
        assert printed.status_code == 201, printed.text
        path = stack.config.var_dir / "files" / "mediation" / "documents" / f"{printed.json()['id']}.pdf"
        assert path.exists(), path
        path.write_bytes(path.read_bytes().replace(b"%%EOF", b"%tampered\n%%EOF"))
        created = wait_for(
            lambda: (lambda r: r.status_code == 201 and r)(
                clerk.post("/api/arbitration/reviews", json={"case_id": case_id})
            ),
            what="the review request (once the bridge heard of the agreement)",
        )
        review_id = created.json()["review_id"]
        decided = wait_for(
            lambda: (lambda v: v["state"] == "decided" and v)(
                clerk.get(f"/api/arbitration/reviews/{review_id}").json()
            ),
            timeout=60,
            what="the commission's decision",
        )
        assert decided["decision"] == "refused" and "摘要不符" in (decided.get("decision_reason") or str(decided))
    checks = [c for c in commission.get("/received").json()["document_checks"] if c["subject_id"] == review_id]
    bad = [c for c in checks if not c["ok"]]
    assert [c["kind"] for c in bad] == ["agreement"] and bad[0]["status_code"] == 200
    assert [c["kind"] for c in checks if c["ok"]] == ["arbitration_review_application"]
