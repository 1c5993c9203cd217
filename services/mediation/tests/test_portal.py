"""The parties' portal in mediation: proposed sessions and replies, the meeting link at the right
time only, and agreements confirmed with a confirmation token recorded as signature evidence."""

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from onewindow_domain.calendar import china_today
from test_outcomes import _agreement, _in_session

pytestmark = pytest.mark.anyio


def _ref(phone: str) -> str:
    return hashlib.sha256(phone.encode()).hexdigest()


def _party_claims(case_id: str, phone: str = "13800130001", side: str = "applicant") -> dict:
    return {
        "roles": ["party"],
        "kind": "party",
        "sub": f"party:{_ref(phone)}",
        "center_id": None,
        "phone_ref": _ref(phone),
        "phone_masked": phone[:3] + "****" + phone[-4:],
        "cases": [{"case_id": case_id, "case_no": "福田劳调〔2026〕1号", "side": side}],
    }


def _party(test_keys, case_id: str, **kw) -> dict[str, str]:
    return test_keys.headers(**_party_claims(case_id, **kw))


def _confirmation(test_keys, case_id: str, agreement: dict, *, digest: str | None = None, **kw) -> str:
    claims = _party_claims(case_id, **kw)
    claims.pop("cases")
    return test_keys.token(
        **claims,
        aud="onewindow-confirmation",
        object=f"agreement:{agreement['id']}",
        digest=digest or agreement["digest"],
        amr=["sms_otp"],
    )


async def test_a_party_sees_proposed_sessions_and_replies(client, test_keys, registry):
    p, me = await _in_session(client, test_keys, registry)
    soon = datetime.now(UTC) + timedelta(minutes=10)
    r = await client.post(
        f"/proceedings/{p['id']}/sessions",
        headers=me,
        json={"mode": "online", "meeting_link": "https://meeting.example.cn/r/456", "starts_at": soon.isoformat()},
    )
    assert r.status_code == 201, r.text
    worker = _party(test_keys, p["case_id"])
    sessions = (await client.get(f"/portal/cases/{p['case_id']}/sessions", headers=worker)).json()
    soonest, tomorrow = sessions  # by time
    # The link shows from 30 minutes before the start only.
    assert soonest["meeting_link"] == "https://meeting.example.cn/r/456"
    assert tomorrow["meeting_link"] is None and tomorrow["link_available_from"] is not None
    assert tomorrow["status_label"] == "已安排" and tomorrow["my_reply"] is None

    reply = await client.post(f"/portal/sessions/{tomorrow['id']}/reply", json={"answer": "confirm"}, headers=worker)
    assert reply.status_code == 200, reply.text
    assert reply.json()["my_reply"]["answer"] == "confirm"
    employer = _party(test_keys, p["case_id"], phone="13912345678", side="respondent")
    change = await client.post(
        f"/portal/sessions/{tomorrow['id']}/reply",
        json={"answer": "reschedule", "note": "下周一上午方便"},
        headers=employer,
    )
    assert change.status_code == 200, change.text
    staff_view = (await client.get(f"/proceedings/{p['id']}/sessions", headers=me)).json()
    replies = next(s for s in staff_view if s["id"] == tomorrow["id"])["party_replies"]
    assert [(r["side"], r["answer"], r["phone_masked"]) for r in replies] == [
        ("applicant", "confirm", "138****0001"),
        ("respondent", "reschedule", "139****5678"),
    ]
    # Another case's party sees nothing of it.
    stranger = _party(test_keys, "f" * 32, phone="13600136000")
    assert (await client.get(f"/portal/cases/{p['case_id']}/sessions", headers=stranger)).status_code == 404
    assert (
        await client.post(f"/portal/sessions/{tomorrow['id']}/reply", json={"answer": "confirm"}, headers=stranger)
    ).status_code == 404
    assert (await client.get(f"/portal/cases/{p['case_id']}/sessions", headers=me)).status_code == 403


async def test_a_party_confirms_the_agreement_it_read(client, test_keys, registry):
    p, me = await _in_session(client, test_keys, registry)
    today = china_today()
    r = await client.post(
        f"/proceedings/{p['id']}/agreement",
        headers=me,
        json=_agreement(today, [(today + timedelta(days=5), "12000.00")]),
    )
    assert r.status_code == 201, r.text
    staff_agreement = r.json()
    assert staff_agreement["digest"].startswith("sha256:") and staff_agreement["electronic_confirmations"] == []

    worker = _party(test_keys, p["case_id"])
    read = (await client.get(f"/portal/cases/{p['case_id']}/agreement", headers=worker)).json()
    assert read["digest"] == staff_agreement["digest"] and read["object"] == f"agreement:{read['id']}"
    assert read["terms"] == "被申请人分两期支付拖欠工资" and read["my_confirmation"] is None

    url = f"/portal/agreements/{read['id']}/confirm"
    # An access token is no confirmation, and a confirmation of other content is refused.
    access = test_keys.token(**_party_claims(p["case_id"]))
    assert (await client.post(url, json={"confirmation_token": access}, headers=worker)).status_code == 401
    stale = _confirmation(test_keys, p["case_id"], read, digest="sha256:" + "0" * 64)
    assert (await client.post(url, json={"confirmation_token": stale}, headers=worker)).status_code == 409
    someone_else = _confirmation(test_keys, p["case_id"], read, phone="13600136000")
    assert (await client.post(url, json={"confirmation_token": someone_else}, headers=worker)).status_code == 401

    token = _confirmation(test_keys, p["case_id"], read)
    # The confirmation token opens no route.
    assert (
        await client.get("/portal/cases/x/agreement", headers={"Authorization": f"Bearer {token}"})
    ).status_code == 401
    confirmed = await client.post(url, json={"confirmation_token": token}, headers=worker)
    assert confirmed.status_code == 200, confirmed.text
    mine = confirmed.json()["my_confirmation"]
    assert mine["side"] == "applicant" and mine["phone_masked"] == "138****0001" and mine["digest"] == read["digest"]
    assert (await client.post(url, json={"confirmation_token": token}, headers=worker)).status_code == 409

    shown = (await client.get(f"/proceedings/{p['id']}/agreement", headers=me)).json()
    assert [(c["side"], c["phone_masked"], c["digest"]) for c in shown["electronic_confirmations"]] == [
        ("applicant", "138****0001", read["digest"])
    ]
    assert shown["signatures"] == staff_agreement["signatures"]  # the paper path is untouched

    stranger = _party(test_keys, "f" * 32, phone="13600136000")
    assert (await client.get(f"/portal/cases/{p['case_id']}/agreement", headers=stranger)).status_code == 404
    other = _confirmation(test_keys, "f" * 32, read, phone="13600136000")
    assert (await client.post(url, json={"confirmation_token": other}, headers=stranger)).status_code == 404


async def test_a_case_without_agreement_or_sessions(client, test_keys, registry):
    p, _ = await _in_session(client, test_keys, registry)
    worker = _party(test_keys, p["case_id"])
    assert (await client.get(f"/portal/cases/{p['case_id']}/agreement", headers=worker)).status_code == 404
    assert (await client.get("/portal/cases/" + "f" * 32 + "/sessions", headers=worker)).status_code == 404
