"""Sessions without double booking, agreements and their performance, the subsidy ledger."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from factories import events, open_case
from mediation.config import MediationSettings
from mediation.scheduler.service import tick
from onewindow_domain.calendar import china_today
from onewindow_kit.dependencies import settings_of

pytestmark = pytest.mark.anyio


def _at(day: date, hm: str) -> str:
    return f"{day.isoformat()}T{hm}:00+08:00"


async def _accepted(client, test_keys, registry, **over):
    p = await open_case(client, test_keys, **over)
    sub = next(k for k, v in registry.mediators.items() if v == p["mediator"]["id"])
    me = registry.staff[sub]
    r = await client.post(f"/proceedings/{p['id']}/accept", headers=me, json={})
    assert r.status_code == 200, r.text
    return p, me


async def _in_session(client, test_keys, registry, **over):
    p, me = await _accepted(client, test_keys, registry, **over)
    tomorrow = china_today() + timedelta(days=1)
    r = await client.post(
        f"/proceedings/{p['id']}/sessions",
        headers=me,
        json={
            "mode": "online",
            "meeting_link": "https://meeting.example.cn/r/123",
            "starts_at": _at(tomorrow, "14:00"),
        },
    )
    assert r.status_code == 201, r.text
    return p, me


async def test_a_mediator_cannot_be_double_booked(client, app, test_keys, registry):
    p, me = await _accepted(client, test_keys, registry)
    q = await open_case(client, test_keys)
    while q["mediator"]["id"] != p["mediator"]["id"]:  # a second case of the same mediator
        r = await client.post(
            f"/proceedings/{q['id']}/assignment",
            headers=registry.supervisor,
            json={"mediator_id": p["mediator"]["id"], "reason": "同一用人单位的关联案件"},
        )
        q = (await client.get(f"/proceedings/{q['id']}", headers=registry.supervisor)).json()
    await client.post(f"/proceedings/{q['id']}/accept", headers=me, json={})
    day = china_today() + timedelta(days=2)
    r = await client.post(
        f"/proceedings/{p['id']}/sessions",
        headers=me,
        json={"mode": "in_person", "room": "第一调解室", "starts_at": _at(day, "09:00"), "ends_at": _at(day, "11:00")},
    )
    assert r.status_code == 201, r.text
    first = r.json()
    r = await client.post(
        f"/proceedings/{q['id']}/sessions",
        headers=me,
        json={"mode": "in_person", "room": "第二调解室", "starts_at": _at(day, "10:30"), "ends_at": _at(day, "12:00")},
    )
    assert r.status_code == 409
    assert r.json()["conflicting_session"]["id"] == first["id"] and "不能重复预约" in r.json()["detail_zh"]
    r = await client.post(
        f"/proceedings/{q['id']}/sessions",
        headers=me,
        json={"mode": "in_person", "room": "第二调解室", "starts_at": _at(day, "11:00"), "ends_at": _at(day, "12:00")},
    )
    assert r.status_code == 201  # back to back is fine
    # Cancelling frees the slot.
    r = await client.post(
        f"/proceedings/{p['id']}/sessions/{first['id']}/cancel", headers=me, json={"reason": "当事人请假"}
    )
    assert r.json()["status"] == "cancelled"
    r = await client.post(
        f"/proceedings/{q['id']}/sessions",
        headers=me,
        json={
            "mode": "online",
            "meeting_link": "https://meeting.example.cn/r/9",
            "starts_at": _at(day, "09:00"),
            "ends_at": _at(day, "10:30"),
        },
    )
    assert r.status_code == 201
    scheduled = [e.data for e in await events(app, "mediation.proceeding.session_scheduled")]
    assert len(scheduled) == 3 and scheduled[0]["session"]["mode"] == "in_person"
    r = await client.post(
        f"/proceedings/{p['id']}/sessions/{first['id']}/minutes", headers=me, json={"notes": "双方陈述意见"}
    )
    assert r.status_code == 409


BAD_SESSIONS = [
    ({"mode": "in_person", "room": None}, "room"),
    ({"mode": "online", "meeting_link": "http://x.cn"}, "meeting_link"),
    ({"starts_at": "2026-12-01T09:00:00"}, "starts_at"),
    ({"ends_at": "2026-11-01T09:00:00+08:00"}, "ends_at"),
    ({"starts_at": "2027-06-01T09:00:00+08:00"}, "starts_at"),  # after the deadline
]


async def test_session_fields_are_checked(client, test_keys, registry):
    p, me = await _accepted(client, test_keys, registry)
    for change, field in BAD_SESSIONS:
        body = {
            "mode": "in_person",
            "room": "第一调解室",
            "starts_at": _at(china_today() + timedelta(days=1), "09:00"),
        } | change
        r = await client.post(f"/proceedings/{p['id']}/sessions", headers=me, json=body)
        assert r.status_code == 422, (change, r.text)
        assert field in [e["field"] for e in r.json()["errors"]], change


def _agreement(signed: date, payments: list[tuple[date, str]], **over) -> dict:
    total = sum(Decimal(a) for _, a in payments)
    return {
        "signed_on": signed.isoformat(),
        "effective_on": signed.isoformat(),
        "terms": "被申请人分两期支付拖欠工资",
        "total_amount": str(total),
        "payments": [
            {"due_on": d.isoformat(), "amount": a, "payer": "深圳市某某电子有限公司", "payee": "工人甲"}
            for d, a in payments
        ],
        "parties_request_judicial_confirmation": True,
        "signatures": [
            {"party": p, "name": n, "signed_on": signed.isoformat()}
            for p, n in (
                ("worker", "工人甲"),
                ("employer", "深圳市某某电子有限公司"),
                ("mediator", "调解员"),
                ("organisation_seal", "福田街道人民调解委员会"),
            )
        ],
    } | over


BAD_AGREEMENTS = [
    ({"total_amount": "9000.00"}, "payments"),
    ({"signatures": [{"party": "worker", "name": "工人甲", "signed_on": "2026-11-20"}]}, "signatures"),
    ({"effective_on": "2026-01-01"}, "effective_on"),
    ({"parties_request_arbitration_review": True}, "parties_request_arbitration_review"),
    ({"terms": "联系电话13800138000"}, "terms"),
    ({"payments": []}, "payments"),
]


async def test_agreement_fields_are_checked_and_nothing_is_saved(client, app, test_keys, registry):
    p, me = await _in_session(client, test_keys, registry)
    today = china_today()
    good = _agreement(today, [(today + timedelta(days=5), "6000.00"), (today + timedelta(days=20), "6000.00")])
    for change, field in BAD_AGREEMENTS:
        r = await client.post(f"/proceedings/{p['id']}/agreement", headers=me, json=good | change)
        assert r.status_code == 422, (change, r.text)
        assert field in [e["field"] for e in r.json()["errors"]], (change, r.json())
    assert (await client.get(f"/proceedings/{p['id']}", headers=me)).json()["status"] == "in_session"
    assert await events(app, "mediation.proceeding.agreed") == []


async def test_an_agreement_with_one_instalment_paid_and_one_overdue(client, app, test_keys, registry):
    p, me = await _in_session(client, test_keys, registry)
    today = china_today()
    first_due, second_due = today + timedelta(days=3), today + timedelta(days=10)
    r = await client.post(
        f"/proceedings/{p['id']}/agreement",
        headers=me,
        json=_agreement(today, [(first_due, "8000.00"), (second_due, "4000.00")]),
    )
    assert r.status_code == 201, r.text
    agreement = r.json()
    assert agreement["agreement_no"] == f"futian调协〔{today.year}〕00001号"
    assert agreement["judicial_confirmation_apply_by"] >= (today + timedelta(days=30)).isoformat()
    assert (await client.get(f"/proceedings/{p['id']}", headers=me)).json()["status"] == "agreed"
    [agreed] = await events(app, "mediation.proceeding.agreed")
    assert agreed.data["recovered_amount"] == "12000.00"
    assert agreed.data["agreement"] == {
        "agreement_no": agreement["agreement_no"],
        "signed_on": today.isoformat(),
        "effective_on": today.isoformat(),
        "terms": "被申请人分两期支付拖欠工资",
        "total_amount": "12000.00",
        "payments": [
            {
                "due_on": first_due.isoformat(),
                "amount": "8000.00",
                "payer": "深圳市某某电子有限公司",
                "payee": "工人甲",
            },
            {
                "due_on": second_due.isoformat(),
                "amount": "4000.00",
                "payer": "深圳市某某电子有限公司",
                "payee": "工人甲",
            },
        ],
        "parties_request_judicial_confirmation": True,
        "parties_request_arbitration_review": False,
    }
    r = await client.post(
        f"/proceedings/{p['id']}/agreement/instalments/1/paid", headers=me, json={"paid_on": today.isoformat()}
    )
    assert r.status_code == 200 and r.json()["paid_amount"] == "8000.00"
    again = await client.post(
        f"/proceedings/{p['id']}/agreement/instalments/1/paid", headers=me, json={"paid_on": today.isoformat()}
    )
    assert again.status_code == 409
    # Eleven days later the second instalment is overdue: announced once, however often the loop runs.
    later = today + timedelta(days=11)
    for _ in range(3):
        await tick(db=app.state.db, settings=settings_of(app, MediationSettings), today=later)
    [overdue] = await events(app, "mediation.agreement.payment_overdue")
    assert overdue.case_id == p["case_id"]
    assert overdue.data["proceeding_id"] == p["id"] and overdue.data["agreement_no"] == agreement["agreement_no"]
    assert overdue.data["instalment"] == {"position": 2, "due_on": second_due.isoformat(), "amount": "4000.00"}
    assert "逾期未付" in overdue.data["summary_zh"]
    assert await events(app, "mediation.agreement.fulfilled") == []
    # Paid late: the agreement is fulfilled, once.
    r = await client.post(
        f"/proceedings/{p['id']}/agreement/instalments/2/paid", headers=me, json={"paid_on": today.isoformat()}
    )
    assert r.status_code == 200 and r.json()["fulfilled_at"] is not None
    [fulfilled] = await events(app, "mediation.agreement.fulfilled")
    assert fulfilled.data["agreement_no"] == agreement["agreement_no"]
    # Each payment is announced once (intake's 挽回金额 counts money paid, not agreed).
    paid = await events(app, "mediation.agreement.instalment_paid")
    assert [e.data["instalment"]["amount"] for e in paid] == ["8000.00", "4000.00"]


async def test_the_subsidy_ledger_and_monthly_statement(client, app, test_keys, registry):
    p, me = await _in_session(client, test_keys, registry)
    today = china_today()
    await client.post(
        f"/proceedings/{p['id']}/agreement",
        headers=me,
        json=_agreement(today, [(today + timedelta(days=3), "12000.00")]),
    )
    q = await open_case(client, test_keys, collective=True, worker_count=15)
    await client.post(
        f"/proceedings/{q['id']}/decline", headers=registry.supervisor, json={"party": "employer", "reason": "拒绝调解"}
    )
    month = today.strftime("%Y-%m")
    r = await client.get("/subsidies/statement", params={"month": month}, headers=registry.supervisor)
    assert r.status_code == 200, r.text
    statement = r.json()
    assert statement["total_cases"] == 2 and statement["total_amount"] == "300.00"  # agreed/simple 300, declined 0
    lines = {line["mediator_id"]: line for line in statement["mediators"]}
    assert lines[p["mediator"]["id"]]["by_outcome"]["agreed"] == {"cases": 1, "amount": "300.00"}
    assert sum(o["cases"] for o in statement["organisations"]) == 2
    assert {o["organisation_name"] for o in statement["organisations"]} >= {
        "福田区劳动争议联合调解中心"
    }  # the collective case
    mine = (await client.get("/subsidies/entries", params={"month": month}, headers=me)).json()
    assert mine[0]["proceeding_id"] == p["id"] and mine[0]["complexity"] == "simple" and mine[0]["amount"] == "300.00"
    assert {e["mediator_id"] for e in mine} == {p["mediator"]["id"]}  # a mediator sees only their own entries
    r = await client.get("/subsidies/statement", params={"month": "2026-13"}, headers=registry.supervisor)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "month"


async def test_a_session_reminder_is_sent_once(client, app, test_keys, registry):
    from datetime import UTC, datetime

    p, me = await _accepted(client, test_keys, registry)
    soon = (datetime.now(UTC) + timedelta(hours=3)).replace(microsecond=0)
    r = await client.post(
        f"/proceedings/{p['id']}/sessions",
        headers=me,
        json={"mode": "in_person", "room": "第三调解室", "starts_at": soon.isoformat()},
    )
    assert r.status_code == 201, r.text
    for _ in range(2):
        await tick(db=app.state.db, settings=settings_of(app, MediationSettings))
    [reminder] = await events(app, "mediation.session.reminded")
    assert reminder.data["session"]["id"] == r.json()["id"] and reminder.data["summary_zh"].startswith("调解会提醒")
    assert reminder.data["mediator"]["id"] == p["mediator"]["id"]
