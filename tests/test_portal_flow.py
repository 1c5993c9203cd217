"""Issue 19 across the real processes, with the gateway texting through the Aliyun adapter to
the Dysmsapi simulator (``python -m onewindow_kit.sms.simulator``, which checks each request's
signature): a matrix of parties × cases — each phone sees exactly the cases it is a party of, in
intake and in mediation, their documents included; staff and party tokens keep to their own routes; every code was texted
once, with no ID number in any text; no phone or ID number in any process's log."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date

import httpx
import pytest
from conftest import Gateway, running_stack, stack_module
from onewindow_domain.identifiers import make_credit_code, make_id_number

WORKER_1, WORKER_2, EMPLOYER_1, EMPLOYER_2, STRANGER = (
    "13800191001",
    "13800191002",
    "13900192001",
    "13900192002",
    "13600193000",
)
SMS_KEY, SMS_SECRET = "sim-key", "sim-secret-for-tests"


@pytest.fixture(scope="module")
def sms_simulator() -> Iterator[str]:
    port = stack_module.free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "onewindow_kit.sms.simulator",
            "--port",
            str(port),
            "--access-key-id",
            SMS_KEY,
            "--access-key-secret",
            SMS_SECRET,
        ],
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline and process.poll() is None, "the SMS simulator did not start"
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def portal_stack(tmp_path_factory, sms_simulator) -> Iterator[stack_module.Stack]:
    """A stack of its own whose gateway texts through the Aliyun adapter to the simulator."""
    wanted = {
        "GATEWAY_SMS__PROVIDER": "aliyun",
        "GATEWAY_SMS__ENDPOINT": f"{sms_simulator}/",
        "GATEWAY_SMS__ACCESS_KEY_ID": SMS_KEY,
        "GATEWAY_SMS__ACCESS_KEY_SECRET": SMS_SECRET,
        "GATEWAY_SMS__PER_NUMBER_PER_MINUTE": "50",
        "GATEWAY_SMS__PER_NUMBER_PER_HOUR": "500",
    }
    saved = {k: os.environ.get(k) for k in wanted}
    os.environ.update(wanted)
    try:
        with running_stack(tmp_path_factory) as running:
            for k, v in saved.items():  # the processes have their environment: leave ours as it was
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
            yield running
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _form(seq: int, worker_phone: str, employer_phone: str) -> dict:
    return {
        "channel": "walk_in",
        "applicants": [
            {
                "name": f"工人{seq}",
                "id_number": make_id_number(birth=date(1991, 2, seq), seq=seq),
                "phone": worker_phone,
            }
        ],
        "respondents": [
            {
                "name": f"深圳市矩阵{seq}有限公司",
                "credit_code": make_credit_code(seq=600 + seq),
                "phone": employer_phone,
            }
        ],
        "claims": [{"category": "wage_arrears", "amount": "8000.00"}],
        "facts": "拖欠工资两个月。",
        "route": {"route": "mediation"},
    }


def _messages(sim: str, phone: str) -> list[dict]:
    return [m for m in httpx.get(f"{sim}/_simulator/messages").json() if m["phone"] == phone]


def _sign_in(http: httpx.Client, sim: str, phone: str, case_number: str | None = None) -> httpx.Response:
    sent = http.post("/auth/party/codes", json={"phone": phone})
    assert sent.status_code == 202, sent.text
    code = _messages(sim, phone)[-1]["params"]["code"]
    body = {"phone": phone, "challenge_id": sent.json()["challenge_id"], "code": code}
    if case_number:
        body["case_number"] = case_number
    return http.post("/auth/party/token", json=body)


def test_parties_see_exactly_their_cases(portal_stack, sms_simulator):
    import json

    accounts = json.loads((portal_stack.config.var_dir / "demo-accounts.json").read_text(encoding="utf-8"))
    gw = Gateway(portal_stack.config.url("gateway"), accounts)
    with gw.as_user("clerk") as clerk:
        cases = {}
        for name, (seq, worker, employer) in {
            "A": (1, WORKER_1, EMPLOYER_1),
            "B": (2, WORKER_1, EMPLOYER_2),
            "C": (3, WORKER_2, EMPLOYER_1),
        }.items():
            r = clerk.post("/api/intake/cases", json=_form(seq, worker, employer))
            assert r.status_code == 201, r.text
            cases[name] = r.json()
            receipt = clerk.post(f"/api/intake/cases/{cases[name]['id']}/documents", json={"kind": "receipt"})
            assert receipt.status_code == 201, receipt.text
            cases[name]["receipt"] = receipt.json()
        # Staff tokens do not open party routes.
        assert clerk.get("/api/intake/portal/cases").status_code == 403
        assert clerk.get(f"/api/mediation/portal/cases/{cases['A']['id']}/sessions").status_code == 403

    expected = {
        WORKER_1: {"A": "applicant", "B": "applicant"},
        WORKER_2: {"C": "applicant"},
        EMPLOYER_1: {"A": "respondent", "C": "respondent"},
        EMPLOYER_2: {"B": "respondent"},
        STRANGER: {},
    }
    http = gw.http
    requested: dict[str, int] = {}
    for phone, mine in expected.items():
        signed = _sign_in(http, sms_simulator, phone)
        requested[phone] = requested.get(phone, 0) + 1
        assert signed.status_code == 200, signed.text
        party = {"Authorization": f"Bearer {signed.json()['access_token']}"}
        listed = http.get("/api/intake/portal/cases", headers=party).json()
        assert {c["case_id"]: c["side"] for c in listed} == {cases[k]["id"]: side for k, side in mine.items()}, phone
        for name, case in cases.items():
            visible = name in mine
            progress = http.get(f"/api/intake/portal/cases/{case['id']}", headers=party)
            sessions = http.get(f"/api/mediation/portal/cases/{case['id']}/sessions", headers=party)
            agreement = http.get(f"/api/mediation/portal/cases/{case['id']}/agreement", headers=party)
            assert progress.status_code == (200 if visible else 404), (phone, name)
            assert sessions.status_code == (200 if visible else 404), (phone, name)
            assert agreement.status_code == 404, (phone, name)  # no agreement yet: the same 404
            # Documents: the case's 受理回执 for its parties only, listed and downloaded.
            documents = http.get(f"/api/intake/portal/cases/{case['id']}/documents", headers=party)
            papers = http.get(f"/api/mediation/portal/cases/{case['id']}/documents", headers=party)
            pdf = http.get(f"/api/intake/portal/documents/{case['receipt']['id']}/content", headers=party)
            assert documents.status_code == papers.status_code == pdf.status_code == (200 if visible else 404)
            if visible:
                assert [d["id"] for d in documents.json()] == [case["receipt"]["id"]] and papers.json() == []
                assert pdf.content.startswith(b"%PDF") and pdf.headers["x-content-sha256"] == case["receipt"]["sha256"]
        # Party tokens do not open staff routes.
        assert http.get("/api/intake/cases", headers=party).status_code == 403
        assert http.get(f"/api/mediation/proceedings?case_id={cases['A']['id']}", headers=party).status_code == 403
        assert http.get("/admin/users", headers=party).status_code == 403

    # The look-up by case number: a wrong number answers like a wrong code.
    wrong_number = _sign_in(http, sms_simulator, WORKER_2, case_number=cases["A"]["case_no"])
    requested[WORKER_2] += 1
    sent = http.post("/auth/party/codes", json={"phone": WORKER_2})
    requested[WORKER_2] += 1
    wrong_code = http.post(
        "/auth/party/token",
        json={
            "phone": WORKER_2,
            "challenge_id": sent.json()["challenge_id"],
            "code": "000000",
            "case_number": cases["C"]["case_no"],
        },
    )
    if _messages(sms_simulator, WORKER_2)[-1]["params"]["code"] == "000000":  # one chance in a million
        pytest.skip("the random code was 000000")
    strip = lambda r: (r.status_code, {k: v for k, v in r.json().items() if k not in ("instance", "request_id")})  # noqa: E731
    assert strip(wrong_number) == strip(wrong_code) and wrong_number.status_code == 400
    right = _sign_in(http, sms_simulator, WORKER_2, case_number=cases["C"]["case_no"])
    requested[WORKER_2] += 1
    assert right.status_code == 200 and [c["case_no"] for c in right.json()["cases"]] == [cases["C"]["case_no"]]

    # The simulator shows each code texted once, signed by the real adapter, without ID numbers.
    everything = httpx.get(f"{sms_simulator}/_simulator/messages").json()
    for phone, count in requested.items():
        codes = [m["params"]["code"] for m in everything if m["phone"] == phone]
        assert len(codes) == count and len(set(codes)) == count, (phone, codes)
    assert all(m["template_code"] == "SMS_PORTAL_SIGN_IN_CODE" for m in everything)
    assert not any(re.search(r"\d{17}[\dXx]", str(m["params"])) for m in everything)

    # No phone or ID number in any process's log.
    logs = "\n".join(p.read_text(errors="replace") for p in portal_stack.log_dir.glob("*.log"))
    for phone in expected:
        assert phone not in logs, phone
    for seq in (1, 2, 3):
        assert make_id_number(birth=date(1991, 2, seq), seq=seq) not in logs
