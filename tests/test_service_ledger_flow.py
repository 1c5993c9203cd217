"""Issue 14 (service ledger) through the real processes: a clerk registers a dispute of two workers
against an employer, uploads the employer's signed 送达回证 through the gateway, records the
in-person service, and serves both workers by SMS link through the Aliyun adapter against the
Dysmsapi simulator (a process of its own, checking every request's signature). Both services appear
in the ledger (the SMS ones once the delivery receipts came back); the simulator received exactly
one message per worker and none for the employer; no log line of the stack or the simulator holds
an ID number or a full phone number."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from conftest import Gateway, running_stack, stack_module, wait_for

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "services" / "intake" / "tests"))

from factories import applicant, case_form  # noqa: E402

pytestmark = pytest.mark.crossservice

ID_NUMBER = re.compile(r"\d{17}[\dXx]")
SCAN = b"%PDF-1.7\n%signed service receipt\n" + b"0" * 200_000  # ~200 KB: a scan, under the route's limit


@pytest.fixture(scope="module")
def sms_simulator(tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """The Dysmsapi simulator (onewindow_kit.sms.simulator) as a process on a free port."""
    port = stack_module.free_port()
    log_path = tmp_path_factory.mktemp("sms") / "sms-simulator.log"
    log = open(log_path, "ab")  # noqa: SIM115 - handed to the child
    proc = subprocess.Popen(
        [sys.executable, "-m", "onewindow_kit.sms.simulator", "--port", str(port)],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: stack_module.http_status(f"{url}/health") == 200, timeout=90, what="sms simulator up")
        yield url, log_path
    finally:
        proc.terminate()
        proc.wait(10)
        log.close()


@pytest.fixture(scope="module")
def ledger_stack(tmp_path_factory, sms_simulator) -> Iterator[stack_module.Stack]:
    """A stack of its own whose intake sends SMS through the Aliyun adapter to the simulator. Only
    the service notice is on, so "one message per party" counts the service alone."""
    url, _ = sms_simulator
    intake = {
        "SMS__PROVIDER": "aliyun",
        "SMS__ENDPOINT": url + "/",
        "SMS__ACCESS_KEY_ID": "sim-key",
        "SMS__ACCESS_KEY_SECRET": "sim-secret",
        "SMS_NOTICES": '["document_served"]',
        "SMS_RECEIPT_POLL_SECONDS": "0.5",
        "WORKER_IDLE_SECONDS": "2",
    }
    with running_stack(tmp_path_factory, extra={"intake": intake}) as running:
        yield running


def test_served_by_sms_and_in_person_appear_in_the_ledger(ledger_stack, sms_simulator) -> None:
    import json

    sim_url, sim_log = sms_simulator
    accounts = json.loads((ledger_stack.config.var_dir / "demo-accounts.json").read_text(encoding="utf-8"))
    gateway = Gateway(ledger_stack.config.url("gateway"), accounts)
    workers = [applicant(i) for i in (1, 2)]
    with gateway.as_user("clerk") as clerk:
        registered = clerk.post("/api/intake/cases", json=case_form(applicants=workers))
        assert registered.status_code == 201, registered.text
        case_id = registered.json()["id"]

        added = clerk.post(
            f"/api/intake/cases/{case_id}/service/documents", json={"kind": "mediation_notice", "title": "调解通知书"}
        )
        assert added.status_code == 201, added.text
        records = {r["party_role"] + str(i): r for i, r in enumerate(added.json()["records"])}
        employer = next(r for r in records.values() if r["party_role"] == "respondent")
        worker_records = [r for r in records.values() if r["party_role"] == "applicant"]
        assert len(worker_records) == 2

        # In person: the employer's representative signs the 送达回证; its scan goes up through the gateway.
        scan = clerk.post(
            f"/api/intake/cases/{case_id}/attachments",
            files={"file": ("送达回证.pdf", SCAN, "application/pdf")},
            data={"evidence_type": "service_receipt"},
        )
        assert scan.status_code == 201, scan.text
        assert scan.json()["detected_type"] == "pdf"
        served = clerk.post(
            f"/api/intake/cases/{case_id}/service/records/{employer['id']}/serve",
            json={
                "method": "in_person",
                "served_at": datetime.now(UTC).isoformat(),
                "address": "福田区劳动纠纷一站式治理中心",
                "signed_by": "赵某",
                "proof_attachment_id": scan.json()["id"],
            },
        )
        assert served.status_code == 200, served.text

        # By SMS link: queued, sent by intake's worker through the Aliyun adapter, served on delivery.
        for record in worker_records:
            sent = clerk.post(f"/api/intake/cases/{case_id}/service/records/{record['id']}/sms")
            assert sent.status_code == 200, sent.text
            assert sent.json()["status"] == "sent"

        ledger = wait_for(
            lambda: (lambda body: body if body["pending"] == 0 else None)(
                clerk.get(f"/api/intake/cases/{case_id}/service").json()
            ),
            timeout=90,
            what="every party served",
        )
        methods = Counter(r["method"] for r in ledger["documents"][0]["records"])
        assert methods == {"sms": 2, "in_person": 1}
        for record in ledger["documents"][0]["records"]:
            assert record["status"] == "served" and record["served_at"] and record["served_on"]
        download = clerk.get(f"/api/intake/cases/{case_id}/attachments/{scan.json()['id']}/content")
        assert download.status_code == 200 and download.content == SCAN

    messages = httpx.get(f"{sim_url}/_simulator/messages", timeout=10).json()
    per_phone = Counter(m["phone"] for m in messages)
    assert per_phone == {w["phone"]: 1 for w in workers}, "exactly one message per worker, none for the employer"
    assert {m["template_code"] for m in messages} == {"SMS_DOCUMENT_SERVED"}
    for message in messages:
        assert message["params"]["document"] == "调解通知书"
        assert not any(ID_NUMBER.search(v) for v in message["params"].values())

    # No ID number and no full phone number in any log of the stack or the simulator.
    secrets = [w["id_number"] for w in workers] + [w["phone"] for w in workers]
    logs = [*sorted(ledger_stack.log_dir.glob("*.log")), sim_log]
    assert any(p.name.startswith("intake") for p in logs)
    for path in logs:
        text = path.read_text(errors="replace")
        for secret in secrets:
            assert secret not in text, f"{path.name} contains personal data"
    intake_log = (ledger_stack.log_dir / "intake.log").read_text(errors="replace")
    assert "sms sent" in intake_log and "138****" in intake_log
