"""The service ledger (送达) and SMS notices: documents pending per party, service in person with
the signed 送达回证, by post and by SMS (served when delivered, at the delivery time), a period
counted from the recorded service date, and one message per party per notice."""

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from factories import applicant, case_form
from intake.notices.handlers import payment_overdue, session_scheduled
from intake.notices.models import SmsNotice
from onewindow_domain.clock import china_date
from onewindow_kit.events import EventEnvelope
from sqlalchemy import select

pytestmark = pytest.mark.anyio

ID_NUMBER = re.compile(r"\d{17}[\dXx]")
SCAN = b"%PDF-1.7\n" + b"0" * 300


@pytest.fixture
def settings_overrides(request) -> dict:
    return getattr(request, "param", {})


async def _case(client, clerk, workers: int = 2) -> dict:
    form = case_form(applicants=[applicant(i) for i in range(1, workers + 1)])
    response = await client.post("/cases", json=form, headers=clerk)
    assert response.status_code == 201, response.text
    return response.json()


async def _drain(app) -> None:
    """Run the notice worker until nothing is left to send or to confirm."""
    worker = app.state.sms_notices
    for _ in range(5):
        await worker.run_once()


def _provider(app):
    return app.state.sms_sender.provider


async def test_served_in_person_and_by_sms_appear_in_the_ledger(client, app, test_keys, futian):
    clerk = test_keys.headers(roles=["clerk"], center_id="futian", name="窗口张")
    case = await _case(client, clerk)
    case_id = case["id"]
    added = await client.post(
        f"/cases/{case_id}/service/documents",
        json={"kind": "payment_order", "title": "支付令"},
        headers=clerk,
    )
    assert added.status_code == 201, added.text
    document = added.json()
    by_role = {}
    for record in document["records"]:
        by_role.setdefault(record["party_role"], []).append(record)
    assert len(by_role["applicant"]) == 2 and len(by_role["respondent"]) == 1
    assert document["pending"] == 3 and all(r["status"] == "pending" for r in document["records"])

    # The employer signs the 送达回证 at the window; the scan is an attachment of the case.
    scan = await client.post(
        f"/cases/{case_id}/attachments",
        headers=clerk,
        files={"file": ("回证.pdf", SCAN, "application/pdf")},
        data={"evidence_type": "service_receipt"},
    )
    assert scan.status_code == 201
    served_at = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=1)
    employer = by_role["respondent"][0]
    in_person = await client.post(
        f"/cases/{case_id}/service/records/{employer['id']}/serve",
        json={
            "method": "in_person",
            "served_at": served_at.isoformat(),
            "address": "福田区劳动纠纷一站式治理中心窗口",
            "signed_by": "赵某",
            "proof_attachment_id": scan.json()["id"],
        },
        headers=clerk,
    )
    assert in_person.status_code == 200, in_person.text
    served = in_person.json()
    assert served["status"] == "served" and served["method"] == "in_person"
    assert served["served_on"] == china_date(served_at).isoformat()
    # 支付令: the debtor's 15-day objection period runs from the recorded service date.
    assert served["deadline_on"] is not None
    assert datetime.fromisoformat(served["deadline_on"]).date() >= china_date(served_at) + timedelta(days=15)
    assert "第227条" in served["deadline_basis"] or served["deadline_basis"]
    again = await client.post(
        f"/cases/{case_id}/service/records/{employer['id']}/serve",
        json={"method": "post", "served_at": served_at.isoformat(), "address": "x", "tracking_no": "EMS1"},
        headers=clerk,
    )
    assert again.status_code == 409
    # The employer has no mobile number on file: SMS service is refused, naming why.
    no_phone = await client.post(f"/cases/{case_id}/service/records/{employer['id']}/sms", headers=clerk)
    assert no_phone.status_code == 409  # already served

    # Both workers by SMS link: queued now, served when delivered.
    await _drain(app)  # the registration notices go first
    registration_messages = len(_provider(app).messages)
    assert registration_messages == 2
    for record in by_role["applicant"]:
        sent = await client.post(f"/cases/{case_id}/service/records/{record['id']}/sms", headers=clerk)
        assert sent.status_code == 200, sent.text
        assert sent.json()["status"] == "sent" and sent.json()["method"] == "sms"
        assert sent.json()["address"].startswith("138****")
        twice = await client.post(f"/cases/{case_id}/service/records/{record['id']}/sms", headers=clerk)
        assert twice.status_code == 409
    pending = (await client.get(f"/cases/{case_id}/service", headers=clerk)).json()
    assert pending["pending"] == 2

    # The per-number limit (1 a minute) holds the service SMS back after the registration SMS.
    app.state.sms_sender.limit.per_minute = 10
    await _drain(app)
    messages = _provider(app).messages[registration_messages:]
    assert sorted(m.to for m in messages) == sorted(applicant(i)["phone"] for i in (1, 2)), (
        "exactly one service message per worker"
    )
    for message in messages:
        assert message.template == "document_served"
        assert "支付令" in message.text and "/s/" in message.text
        assert not ID_NUMBER.search(message.text)

    ledger = (await client.get(f"/cases/{case_id}/service", headers=clerk)).json()
    assert ledger["pending"] == 0
    records = ledger["documents"][0]["records"]
    assert {r["method"] for r in records} == {"in_person", "sms"}
    for record in records:
        assert record["status"] == "served" and record["served_at"] and record["deadline_on"]
    timeline = (await client.get(f"/cases/{case_id}/timeline", headers=clerk)).json()
    assert sum(1 for e in timeline if e["kind"] == "case.document_served") == 3


async def test_bad_service_records_are_422_naming_the_field(client, app, test_keys, futian):
    clerk = test_keys.headers(roles=["clerk"], center_id="futian")
    case = await _case(client, clerk, workers=1)
    document = (
        await client.post(
            f"/cases/{case['id']}/service/documents",
            json={"kind": "mediation_notice", "title": "调解通知书"},
            headers=clerk,
        )
    ).json()
    record_id = document["records"][0]["id"]
    url = f"/cases/{case['id']}/service/records/{record_id}/serve"
    now = datetime.now(UTC)
    cases = [
        ({"method": "in_person", "served_at": now.isoformat()}, "signed_by"),
        ({"method": "post", "served_at": now.isoformat(), "address": "深圳"}, "tracking_no"),
        ({"method": "email", "served_at": now.isoformat(), "address": "不是邮箱"}, "address"),
        (
            {"method": "post", "served_at": (now + timedelta(days=1)).isoformat(), "address": "a", "tracking_no": "E1"},
            "served_at",
        ),
        ({"method": "sms", "served_at": now.isoformat()}, "method"),
        ({"method": "in_person", "served_at": now.isoformat(), "proof_attachment_id": "nope"}, "proof_attachment_id"),
    ]
    for body, field in cases:
        response = await client.post(url, json=body, headers=clerk)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["errors"][0]["field"].endswith(field), response.text
    bad_party = await client.post(
        f"/cases/{case['id']}/service/documents",
        json={"kind": "other", "title": "通知", "party_ids": ["nobody"]},
        headers=clerk,
    )
    assert bad_party.status_code == 422 and bad_party.json()["errors"][0]["field"] == "party_ids[0]"
    stranger = test_keys.headers(roles=["clerk"], center_id="luohu")
    assert (await client.get(f"/cases/{case['id']}/service", headers=stranger)).status_code == 404
    assert (await client.post(url, json=cases[1][0], headers=stranger)).status_code == 404
    missing = await client.post(f"/cases/{case['id']}/service/records/nope/serve", json=cases[1][0], headers=clerk)
    assert missing.status_code == 404
    posted = await client.post(
        url,
        json={"method": "post", "served_at": now.isoformat(), "address": "深圳市福田区某街道", "tracking_no": "EMS123"},
        headers=clerk,
    )
    assert posted.status_code == 200 and posted.json()["deadline_on"] is None


async def test_notices_go_once_per_party_without_personal_numbers(client, app, test_keys, futian):
    clerk = test_keys.headers(roles=["clerk"], center_id="futian")
    case = await _case(client, clerk, workers=2)
    app.state.sms_sender.limit.per_minute = 10
    starts = datetime(2026, 12, 10, 6, 30, tzinfo=UTC)

    def event(kind: str, data: dict) -> EventEnvelope:
        return EventEnvelope(
            id=uuid.uuid4(), type=kind, occurred_at=datetime.now(UTC), source="mediation", case_id=case["id"], data=data
        )

    scheduled = event(
        "mediation.proceeding.session_scheduled",
        {
            "summary_zh": "安排调解会",
            "session": {"id": "s1", "mode": "in_person", "room": "3", "starts_at": starts.isoformat()},
        },
    )
    overdue = event(
        "mediation.agreement.payment_overdue",
        {
            "summary_zh": "逾期",
            "agreement_no": "A-1",
            "instalment": {"position": 2, "due_on": "2026-12-01", "amount": "3000.00"},
        },
    )
    for handler, envelope in (
        (session_scheduled, scheduled),
        (payment_overdue, overdue),
        (session_scheduled, scheduled),
    ):
        async with app.state.db.transaction() as session:
            await handler(session, envelope)  # the last one is a redelivery: it queues nothing new
    await _drain(app)
    messages = _provider(app).messages
    per_template: dict[str, list[str]] = {}
    for message in messages:
        per_template.setdefault(message.template, []).append(message.to)
        assert not ID_NUMBER.search(message.text)
    phones = sorted(applicant(i)["phone"] for i in (1, 2))
    assert {t: sorted(p) for t, p in per_template.items()} == {
        "case_registered": phones,
        "session_notice": phones,
        "instalment_reminder": phones,
    }
    session_text = next(m.text for m in messages if m.template == "session_notice")
    assert "2026-12-10 14:30" in session_text and "调解室3" in session_text
    async with app.state.db.transaction(read_only=True) as session:
        rows = (await session.execute(select(SmsNotice))).scalars().all()
    assert {r.status for r in rows} == {"delivered"}
    assert all("****" in r.to_masked for r in rows)


@pytest.mark.parametrize("settings_overrides", [{"sms_notices": ["document_served"]}], indirect=True)
async def test_a_disabled_notice_is_skipped(client, app, test_keys, futian):
    clerk = test_keys.headers(roles=["clerk"], center_id="futian")
    await _case(client, clerk, workers=1)
    await _drain(app)
    assert _provider(app).messages == []
    async with app.state.db.transaction(read_only=True) as session:
        rows = (await session.execute(select(SmsNotice))).scalars().all()
    assert [r.status for r in rows] == ["skipped"]
