"""Issue 14 (documents) through the real processes and the gateway: register, mediate, sign an
agreement, download the 调解协议书, the 受理回执 (by route) and the 调解终结书 as PDFs, and check them
with poppler: ``pdftoppm`` renders each page, ``pdftotext`` finds the parties' names and amounts."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from contextlib import closing
from datetime import timedelta
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "services" / "intake" / "tests"))

from conftest import book_session, signatures, wait_for
from factories import applicant, case_form
from onewindow_domain.calendar import china_today

POPPLER = shutil.which("pdftotext") and shutil.which("pdftoppm")
if not POPPLER:
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        raise RuntimeError("poppler-utils (pdftotext, pdftoppm) must be installed in CI (.ci/run installs them)")
    pytest.skip("poppler-utils not installed", allow_module_level=True)


def _terminate_and_print(mediator, pid: str, *, reason: str, facts: str, focus: str):
    """End the mediation without agreement (undisputed facts signed, arbitration notice given) and
    print its 调解终结书; the document's response."""
    r = mediator.post(
        f"/api/mediation/proceedings/{pid}/terminate",
        json={
            "reason_code": "no_agreement",
            "reason": reason,
            "undisputed_facts": facts,
            "undisputed_facts_signed": True,
            "dispute_focus": focus,
            "arbitration_notice_given": True,
        },
    )
    assert r.status_code == 200, r.text
    printed = mediator.post(f"/api/mediation/proceedings/{pid}/documents", json={"kind": "termination"})
    assert printed.status_code == 201, printed.text
    return printed


def check_pdf(pdf: bytes, tmp_path: Path, name: str) -> str:
    """Render every page with pdftoppm (it must produce images) and return the text, spaces removed."""
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(path), str(tmp_path / name)], check=True)
    pages = sorted(tmp_path.glob(f"{name}-*.png"))
    assert pages and all(p.stat().st_size > 1000 for p in pages), pages
    text = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout
    return text.replace(" ", "").replace("\n", "")


def download(client, doc: dict) -> bytes:
    r = client.get(doc["download_path"])
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf"
    assert hashlib.sha256(r.content).hexdigest() == doc["sha256"]
    return r.content


def assigned(supervisor, case_id: str) -> dict | None:
    items = supervisor.get("/api/mediation/proceedings", params={"case_id": case_id}).json()["items"]
    return items[0] if items and items[0]["status"] == "assigned" else None


def mediator_of(gateway, pid: str):
    for username in ("mediator1", "mediator2"):
        client = gateway.as_user(username)
        if client.get(f"/api/mediation/proceedings/{pid}").status_code == 200:
            return client
        client.close()
    raise AssertionError("neither demo mediator sees the proceeding")


def open_and_accept(gateway, clerk, supervisor, names: list[str], day_offset: int):
    form = case_form(applicants=[applicant(60 + i, name=n) for i, n in enumerate(names)], route={"route": "mediation"})
    case = clerk.post("/api/intake/cases", json=form)
    assert case.status_code == 201, case.text
    case = case.json()
    proceeding = wait_for(lambda: assigned(supervisor, case["id"]), what="proceeding assigned")
    mediator = mediator_of(gateway, proceeding["id"])
    pid = proceeding["id"]
    assert mediator.post(f"/api/mediation/proceedings/{pid}/accept", json={}).status_code == 200
    book_session(mediator, pid, day_offset=day_offset, hour=15, mode="in_person", room="第二调解室")
    return case, pid, mediator


def test_agreement_receipt_and_termination_pdfs_carry_the_parties_and_amounts(gateway, tmp_path):
    with gateway.as_user("clerk") as clerk, gateway.as_user("supervisor") as supervisor:
        names = ["韩梅梅", "李雷"]
        case, pid, mediator = open_and_accept(gateway, clerk, supervisor, names, day_offset=5)
        with closing(mediator):
            today = china_today()
            agreement = {
                "signed_on": today.isoformat(),
                "effective_on": today.isoformat(),
                "terms": "被申请人于十日内支付拖欠工资人民币18888.00元\n双方再无其他劳动争议",
                "total_amount": "18888.00",
                "payments": [
                    {
                        "due_on": (today + timedelta(days=10)).isoformat(),
                        "amount": "18888.00",
                        "payer": "深圳市某某电子有限公司",
                        "payee": "韩梅梅",
                    }
                ],
                "signatures": signatures(today, worker="韩梅梅", employer="深圳市某某电子有限公司"),
            }
            r = mediator.post(f"/api/mediation/proceedings/{pid}/agreement", json=agreement)
            assert r.status_code == 201, r.text
            doc = mediator.post(f"/api/mediation/proceedings/{pid}/documents", json={"kind": "agreement"})
            assert doc.status_code == 201, doc.text
            text = check_pdf(download(mediator, doc.json()), tmp_path, "agreement")
            assert "调解协议书" in text and "18888.00" in text and "深圳市某某电子有限公司" in text
            assert all(n in text for n in names)
            assert text.count("签名") >= 4  # each worker, the employer, the mediator
            # The clerk of the centre reads it too; listing shows the digest.
            listed = clerk.get(f"/api/mediation/proceedings/{pid}/documents").json()
            assert [d["sha256"] for d in listed] == [doc.json()["sha256"]]

        # The receipt by route: this mediation case, and a worker who goes to arbitration directly.
        receipt = clerk.post(f"/api/intake/cases/{case['id']}/documents", json={"kind": "receipt"})
        assert receipt.status_code == 201, receipt.text
        text = check_pdf(download(clerk, receipt.json()), tmp_path, "receipt-mediation")
        assert "受理回执" in text and "调解期限届满日" in text and all(n in text for n in names)
        assert "12000.00" in text  # the claimed amount
        direct = clerk.post(
            "/api/intake/cases",
            json=case_form(
                applicants=[applicant(70, name="王芳")], route={"route": "arbitration", "reason": "不同意调解"}
            ),
        )
        assert direct.status_code == 201, direct.text
        receipt = clerk.post(f"/api/intake/cases/{direct.json()['id']}/documents", json={"kind": "receipt"})
        assert receipt.status_code == 201, receipt.text
        text = check_pdf(download(clerk, receipt.json()), tmp_path, "receipt-arbitration")
        assert "仲裁委员会受理决定期限" in text and "王芳" in text and "调解期限" not in text

        # A mediation that ends without agreement: the 调解终结书 with the undisputed facts.
        _case2, pid2, mediator2 = open_and_accept(gateway, clerk, supervisor, ["赵小明"], day_offset=6)
        with closing(mediator2):
            doc = _terminate_and_print(
                mediator2,
                pid2,
                reason="双方对加班费数额分歧较大",
                facts="申请人2024年3月入职\n月工资6500元",
                focus="加班时长",
            )
            text = check_pdf(download(mediator2, doc.json()), tmp_path, "termination")
            assert "调解终结书" in text and "赵小明" in text and "月工资6500元" in text and "12000.00" in text

        # A clerk may not read a document of a case they may not see: the partner token cannot either.
        partner = (
            gateway.client_token("futian-arbitration")
            if any(c["client_id"] == "futian-arbitration" for c in gateway.accounts["clients"])
            else None
        )
        if partner:
            r = gateway.http.get(doc.json()["download_path"], headers={"Authorization": f"Bearer {partner}"})
            assert r.status_code in (403, 404), r.text


# -- partners get documents, not titles -------------------------------------------------------------
from test_arbitration_flow import commission  # noqa: E402,F401  (the simulator commission fixture)


def _received(sim, transfer_id: str) -> list[dict]:
    return [e for e in sim.get("/received").json()["events"] if e["data"].get("transfer_id") == transfer_id]


def _transfer(gateway, clerk, supervisor, sim, name: str, day_offset: int, tamper=None) -> tuple[dict, str]:
    case, pid, mediator = open_and_accept(gateway, clerk, supervisor, [name], day_offset=day_offset)
    with closing(mediator):
        printed = _terminate_and_print(
            mediator,
            pid,
            reason="双方对赔偿数额分歧较大",
            facts="申请人2023年5月入职\n月工资7000元",
            focus="解除是否合法",
        )
    if tamper is not None:
        tamper(printed.json())
    moved = wait_for(
        lambda: (lambda r: r.status_code == 201 and r)(
            clerk.post("/api/arbitration/transfers", json={"case_id": case["id"], "reason": "申请人选择申请仲裁"})
        ),
        what="the transfer (once the bridge heard the mediation ended)",
    )
    transfer_id = moved.json()["transfer_id"]
    [requested] = wait_for(lambda: _received(sim, transfer_id), timeout=60, what="transfer.requested")
    return requested, transfer_id


def test_a_transfer_carries_document_digests_the_commission_verifies(stack, gateway, commission):  # noqa: F811
    assert commission.post("/control", json={"transfer_answer": "accepted"}).status_code == 200
    with gateway.as_user("clerk") as clerk, gateway.as_user("supervisor") as supervisor:
        requested, transfer_id = _transfer(gateway, clerk, supervisor, commission, "孙丽", day_offset=7)
        docs = {d["kind"]: d for d in requested["data"]["documents"]}
        # The bridge rendered the missing ones itself, the cover list (移送材料清单) last.
        assert {"termination", "undisputed_facts", "transfer_cover"} <= set(docs)
        for kind in ("termination", "undisputed_facts", "transfer_cover"):
            assert len(docs[kind]["sha256"]) == 64 and docs[kind]["url"].startswith(gateway.url)
        assert "title" in docs["application"] and "sha256" not in docs["application"]  # titles-only stays v1
        view = wait_for(
            lambda: (lambda v: v["state"] == "accepted" and v)(
                clerk.get(f"/api/arbitration/transfers/{transfer_id}").json()
            ),
            timeout=30,
            what="the commission's acceptance",
        )
        assert view["arbitration_case_no"]
        checks = [c for c in commission.get("/received").json()["document_checks"] if c["subject_id"] == transfer_id]
        assert sorted(c["kind"] for c in checks) == ["termination", "transfer_cover", "undisputed_facts"]
        assert all(c["ok"] for c in checks)
        # The link is the commission's alone, signed and bound to its document.
        url = docs["termination"]["url"]
        token = gateway.client_token("futian-arbitration")
        assert gateway.http.get(url, headers={"Authorization": f"Bearer {token}"}).status_code == 200
        assert gateway.http.get(
            url.replace("signature=", "signature=0"), headers={"Authorization": f"Bearer {token}"}
        ).status_code in (403, 422)
        forged = url.rsplit("=", 1)[0] + "=" + "0" * 64
        assert gateway.http.get(forged, headers={"Authorization": f"Bearer {token}"}).status_code == 403
        assert gateway.http.get(url).status_code == 401


def test_a_document_that_does_not_match_its_digest_is_rejected_by_the_commission(stack, gateway, commission):  # noqa: F811
    assert commission.post("/control", json={"transfer_answer": "accepted"}).status_code == 200
    storage = stack.config.var_dir / "files" / "mediation"

    def tamper(doc: dict) -> None:  # the stored PDF changes behind the record's back
        path = storage / "documents" / f"{doc['id']}.pdf"
        assert path.exists(), path
        path.write_bytes(path.read_bytes().replace(b"%%EOF", b"%tampered\n%%EOF"))

    with gateway.as_user("clerk") as clerk, gateway.as_user("supervisor") as supervisor:
        _requested, transfer_id = _transfer(gateway, clerk, supervisor, commission, "周杰", day_offset=8, tamper=tamper)
        view = wait_for(
            lambda: (lambda v: v["state"] == "rejected" and v)(
                clerk.get(f"/api/arbitration/transfers/{transfer_id}").json()
            ),
            timeout=30,
            what="the commission's rejection",
        )
        assert "摘要不符" in (view.get("decision_reason") or view.get("reason") or str(view))
        checks = [c for c in commission.get("/received").json()["document_checks"] if c["subject_id"] == transfer_id]
        bad = [c for c in checks if not c["ok"]]
        assert [c["kind"] for c in bad] == ["termination"] and bad[0]["status_code"] == 200
