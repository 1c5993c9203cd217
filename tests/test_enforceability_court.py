"""Issue 13, court side, through the real processes: a window case's agreement gets 司法确认 from
the court chosen by CPL 205 (the simulator rules valid; the ruling lands on the case timeline and on
mediation's agreement); an overdue wage instalment leads to a 支付令 that the court issues and the
employer then pays. Each time the court's endpoint fails the first delivery (5xx once), and every
webhook is verified by the simulator with the ``standardwebhooks`` package."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "services" / "intake" / "tests"))

import test_court_flow
from conftest import assigned_proceeding, book_session, signatures, wait_for
from factories import applicant, case_form
from onewindow_domain.calendar import china_today

# The simulator court of the court flow, registered at the bridge as futian-court's webhook endpoint.
court = test_court_flow.court


def _agreed_window_case(gateway, *, worker: int, signed_days_ago: int, due_days_ago: int, hour: int) -> tuple[str, str]:
    """A window case routed to mediation, worked by the assigned demo mediator to a wage agreement."""
    with gateway.as_user("clerk") as clerk, gateway.as_user("supervisor") as supervisor:
        created = clerk.post(
            "/api/intake/cases", json=case_form(applicants=[applicant(worker)], route={"route": "mediation"})
        )
        assert created.status_code == 201, created.text
        case_id = created.json()["id"]
        proceeding = wait_for(lambda: assigned_proceeding(supervisor, case_id), what="proceeding assigned")
    pid = proceeding["id"]
    for username in ("mediator1", "mediator2"):
        with gateway.as_user(username) as mediator:
            if mediator.get(f"/api/mediation/proceedings/{pid}").status_code != 200:
                continue
            assert mediator.post(f"/api/mediation/proceedings/{pid}/accept", json={}).status_code == 200
            book_session(
                mediator, pid, day_offset=5, hour=hour, mode="online", meeting_link="https://meeting.example.cn/r/13"
            )
            signed = china_today() - timedelta(days=signed_days_ago)
            agreement = {
                "signed_on": signed.isoformat(),
                "effective_on": signed.isoformat(),
                "terms": "被申请人支付拖欠工资12000元",
                "total_amount": "12000.00",
                "payments": [
                    {
                        "due_on": (china_today() - timedelta(days=due_days_ago)).isoformat(),
                        "amount": "12000.00",
                        "payer": "被申请人",
                        "payee": "申请人",
                    }
                ],
                "signatures": signatures(signed),
            }
            recorded = mediator.post(f"/api/mediation/proceedings/{pid}/agreement", json=agreement)
            assert recorded.status_code == 201, recorded.text
            return case_id, pid
    raise AssertionError("no demo mediator holds the proceeding")


def _timeline(clerk, case_id: str) -> list[str]:
    return [t["kind"] for t in clerk.get(f"/api/intake/cases/{case_id}/timeline").json()]


def _received(court, application_id: str) -> list[dict]:
    return [e for e in court.get("/received").json()["events"] if e["data"].get("application_id") == application_id]


def test_a_window_agreement_is_confirmed_by_the_court_and_the_ruling_reaches_the_timeline(court, gateway):
    with gateway.as_user("admin") as admin:
        area = admin.put("/api/court/admin/courts/futian-court/jurisdiction", json={"districts": ["福田区"]})
        assert area.status_code == 200, area.text
    case_id, pid = _agreed_window_case(gateway, worker=131, signed_days_ago=0, due_days_ago=-20, hour=10)
    with gateway.as_user("clerk") as clerk:
        wait_for(lambda: clerk.get(f"/api/court/agreements/{pid}").status_code == 200, what="agreement at the bridge")
        view = clerk.get(f"/api/court/agreements/{pid}").json()
        assert view["confirmation_open"] is True and view["confirmation"] is None
        choices = clerk.get(f"/api/court/agreements/{pid}/courts").json()
        assert choices[0]["partner_id"] == "futian-court" and "调解组织所在地在福田区" in choices[0]["reasons"]

        assert court.post("/control", json={"fail_first": 1}).status_code == 200
        applied = clerk.post(f"/api/court/agreements/{pid}/confirmation", json={"court_id": "futian-court"})
        assert applied.status_code == 201, applied.text
        application_id = applied.json()["application_id"]
        assert applied.json()["documents"][0]["sha256"]

        kinds = wait_for(
            lambda: (lambda k: "court.confirmation.ruled" in k and k)(_timeline(clerk, case_id)),
            timeout=60,
            what="the ruling on the case timeline",
        )
        assert kinds.count("court.confirmation.requested") == 1 and kinds.count("court.confirmation.ruled") == 1
        received = _received(court, application_id)
        assert [e["type"] for e in received] == ["confirmation.applied"]  # once, after the failed first try
        assert received[0]["data"]["applicants"][0]["id_number"]
        assert court.get("/received").json()["failed_on_purpose"] >= 1
        ruled = clerk.get(f"/api/court/agreements/{pid}/confirmation").json()
        assert ruled["state"] == "ruled" and ruled["ruling"] == "valid" and ruled["ruling_no"]
        # Documents, not titles: the canonical-JSON entry stays first; the signed 调解协议书 and the
        # 司法确认申请书 follow with their PDFs' digests and signed links, which the court verified.
        docs = received[0]["data"]["documents"]
        assert docs[0]["kind"] == "mediation_agreement" and docs[0]["digest_of"] == "agreement_json"
        linked = {d["kind"]: d for d in docs if d.get("url")}
        assert sorted(linked) == ["agreement", "judicial_confirmation_application"]
        assert all(d["digest_of"] == "pdf" and len(d["sha256"]) == 64 for d in linked.values())
        checks = [c for c in court.get("/received").json()["document_checks"] if c["subject_id"] == application_id]
        assert sorted(c["kind"] for c in checks) == ["agreement", "judicial_confirmation_application"]
        assert all(c["ok"] for c in checks), checks
        token = gateway.client_token("futian-court")
        url = linked["agreement"]["url"]
        assert f"/partner/court/v1/confirmations/{application_id}/documents/" in url
        assert gateway.http.get(url, headers={"Authorization": f"Bearer {token}"}).status_code == 200
        forged = url.rsplit("=", 1)[0] + "=" + "0" * 64
        assert gateway.http.get(forged, headers={"Authorization": f"Bearer {token}"}).status_code == 403
        other = url.replace(application_id, application_id + "x")  # a link names its application
        assert gateway.http.get(other, headers={"Authorization": f"Bearer {token}"}).status_code == 404
        assert gateway.http.get(url).status_code == 401
    with gateway.as_user("supervisor") as supervisor:
        agreement = wait_for(
            lambda: (lambda a: (a.get("judicial_confirmation") or {}).get("state") == "valid" and a)(
                supervisor.get(f"/api/mediation/proceedings/{pid}/agreement").json()
            ),
            what="the ruling on mediation's agreement",
        )
        assert agreement["judicial_confirmation"]["ruling_no"] == ruled["ruling_no"]


def test_an_overdue_wage_instalment_leads_to_a_payment_order_issued_then_paid(court, gateway):
    case_id, pid = _agreed_window_case(gateway, worker=132, signed_days_ago=20, due_days_ago=2, hour=14)
    with gateway.as_user("clerk") as clerk:
        offer = wait_for(
            lambda: (lambda r: r.status_code == 200 and r.json()["payment_order_offer"]["eligible"] and r.json())(
                clerk.get(f"/api/court/agreements/{pid}")
            ),
            timeout=30,
            what="the overdue instalment offering a 支付令",
        )["payment_order_offer"]
        assert offer["categories"] == ["wage_arrears"] and offer["overdue"][0]["amount"] == "12000.00"

        assert court.post("/control", json={"fail_first": 1}).status_code == 200
        applied = clerk.post(f"/api/court/agreements/{pid}/payment-order", json={})
        assert applied.status_code == 201, applied.text
        application_id = applied.json()["application_id"]
        issued = wait_for(
            lambda: (lambda rows: rows and rows[0]["state"] == "issued" and rows[0])(
                clerk.get(f"/api/court/agreements/{pid}/payment-orders").json()
            ),
            timeout=60,
            what="the 支付令 issued",
        )
        assert issued["order_no"] and issued["object_by"] and issued["accepted_on"]

    # The employer pays at the centre: the order is performed.
    for username in ("mediator1", "mediator2"):
        with gateway.as_user(username) as mediator:
            r = mediator.post(
                f"/api/mediation/proceedings/{pid}/agreement/instalments/1/paid",
                json={"paid_on": china_today().isoformat()},
            )
            if r.status_code == 200:
                break
    else:
        raise AssertionError("no demo mediator could record the payment")
    with gateway.as_user("clerk") as clerk:
        kinds = wait_for(
            lambda: (lambda k: "court.payment_order.paid" in k and k)(_timeline(clerk, case_id)),
            timeout=60,
            what="the paid 支付令 on the case timeline",
        )
        for kind in ("court.payment_order.requested", "court.payment_order.accepted", "court.payment_order.issued"):
            assert kinds.count(kind) == 1, (kind, kinds)
        types = wait_for(
            lambda: (lambda t: "payment_order.satisfied" in t and t)(
                [e["type"] for e in _received(court, application_id)]
            ),
            timeout=30,
            what="the court told the order was satisfied",
        )
        assert types == ["payment_order.requested", "payment_order.satisfied"]
        assert court.get("/received").json()["failed_on_purpose"] >= 1


def test_a_document_that_does_not_match_its_digest_gets_the_confirmation_dismissed(court, gateway, stack):
    """The court fetches the signed 调解协议书 from its link: a file changed behind the record's back
    (its SHA-256 no longer the bundle's) gets the application dismissed."""
    with gateway.as_user("admin") as admin:
        area = admin.put("/api/court/admin/courts/futian-court/jurisdiction", json={"districts": ["福田区"]})
        assert area.status_code == 200, area.text
    _case_id, pid = _agreed_window_case(gateway, worker=133, signed_days_ago=0, due_days_ago=-20, hour=18)
    printed = None
    for username in ("mediator1", "mediator2"):
        with gateway.as_user(username) as mediator:
            if mediator.get(f"/api/mediation/proceedings/{pid}").status_code == 200:
                printed = mediator.post(f"/api/mediation/proceedings/{pid}/documents", json={"kind": "agreement"})
    assert printed is not None and printed.status_code == 201, printed and printed.text
    path = stack.config.var_dir / "files" / "mediation" / "documents" / f"{printed.json()['id']}.pdf"
    assert path.exists(), path
    path.write_bytes(path.read_bytes().replace(b"%%EOF", b"%tampered\n%%EOF"))
    with gateway.as_user("clerk") as clerk:
        wait_for(lambda: clerk.get(f"/api/court/agreements/{pid}").status_code == 200, what="agreement at the bridge")
        applied = clerk.post(f"/api/court/agreements/{pid}/confirmation", json={"court_id": "futian-court"})
        assert applied.status_code == 201, applied.text
        application_id = applied.json()["application_id"]
        ruled = wait_for(
            lambda: (lambda v: v["state"] == "ruled" and v)(
                clerk.get(f"/api/court/agreements/{pid}/confirmation").json()
            ),
            timeout=60,
            what="the court's ruling",
        )
        assert ruled["ruling"] == "dismissed" and "摘要不符" in (ruled.get("ruling_reason") or str(ruled))
    checks = [c for c in court.get("/received").json()["document_checks"] if c["subject_id"] == application_id]
    bad = [c for c in checks if not c["ok"]]
    assert [c["kind"] for c in bad] == ["agreement"] and bad[0]["status_code"] == 200
    assert [c["kind"] for c in checks if c["ok"]] == ["judicial_confirmation_application"]
