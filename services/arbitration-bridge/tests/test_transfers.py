"""调解不成转仲裁: a window mediation terminated or expired and the worker chose arbitration; the case
file goes to the commission, which accepts (its case number reaches the case timeline) or rejects;
an unanswered transfer past the 5 days (劳动争议调解仲裁法 第29条) is flagged once and listed."""

from datetime import date, timedelta

import pytest
from arbitration_bridge.transfers.service import ACCEPTANCE_RULE, flag_overdue
from conftest import clerk, published
from factories import event, mediator, referral_form, routed, window_case
from onewindow_domain.calendar import china_today, default_calendar
from onewindow_domain.clocks import compute_due
from onewindow_kit.bridge.testing import deliver, wait_for
from sqlalchemy import text

pytestmark = pytest.mark.anyio

DECISION = "/partner/arbitration/v1/transfers/{}/decision"


async def window_mediation(
    client,
    test_keys,
    intake,
    *,
    end: str | None = "terminated",
    center: str = "futian",
    announce_center: bool = True,
    form=None,
) -> str:
    """A case registered at the window, routed to mediation, mediated, ended with ``end``."""
    case_id = intake.add_case(form or window_case(), center_id=center)
    if announce_center:
        await deliver(client, test_keys, routed(case_id, center_id=center), source="svc-intake")
    await deliver(client, test_keys, event("mediation.proceeding.opened", None, case_id))
    await deliver(client, test_keys, event("mediation.proceeding.assigned", None, case_id, mediator=mediator()))
    if end == "terminated":
        await deliver(
            client,
            test_keys,
            event(
                "mediation.proceeding.terminated",
                None,
                case_id,
                reason="调解终结：双方对加班时长分歧较大",
                dispute_focus="加班时长的认定",
                undisputed_facts="双方确认申请人月工资8000元",
                mediator=mediator(),
            ),
        )
    elif end == "expired":
        await deliver(
            client,
            test_keys,
            event("mediation.proceeding.expired", None, case_id, reason="调解期限届满", undisputed_facts=None),
        )
    return case_id


async def transfer(client, test_keys, case_id, **body):
    return await client.post("/transfers", json={"case_id": case_id, **body}, headers=clerk(test_keys))


async def requested(client, test_keys, arb, transfer_id):
    await wait_for(
        lambda: any(b["data"].get("transfer_id") == transfer_id for _, b in arb.delivered), what="transfer.requested"
    )
    return (await client.get(f"/transfers/{transfer_id}", headers=clerk(test_keys))).json()


async def test_a_failed_window_mediation_is_transferred_and_accepted(
    client, app, test_keys, commissions, arb_a, intake
):
    form = window_case()
    case_id = await window_mediation(client, test_keys, intake, form=form)
    created = await transfer(client, test_keys, case_id, reason="申请人选择申请仲裁")
    assert created.status_code == 201, created.text
    body = created.json()
    assert (
        body["state"] == "preparing" and body["partner_id"] == "futian-arbitration" and body["requested_by"] == "王芳"
    )
    transfer_id = body["transfer_id"]
    view = await requested(client, test_keys, arb_a, transfer_id)
    today = china_today()
    due = compute_due("arbitration_acceptance_5d", today, calendar=default_calendar().lenient()).due_on
    assert (
        view["state"] == "requested" and view["requested_on"] == today.isoformat() and view["due_on"] == due.isoformat()
    )
    assert view["days_left"] == (due - today).days and view["overdue"] is False

    # The commission received the whole file, signed.
    assert arb_a.types == ["transfer.requested"]
    data = arb_a.last("transfer.requested")
    assert data["transfer_id"] == transfer_id and data["case_no"] == intake.cases[case_id]["case_no"]
    assert data["applicants"] == form["applicants"]  # decrypted: as registered at the window
    assert data["respondents"][0]["credit_code"] == form["respondents"][0]["credit_code"]
    assert data["respondents"][0]["address"] == "深圳市福田区某路8号"
    assert data["claims"] == [{"category": "overtime", "amount": "8600.00", "description": "2026年加班费"}]
    assert data["facts"] == form["facts"] and data["undisputed_facts"] == "双方确认申请人月工资8000元"
    mediation = data["mediation"]
    assert mediation["outcome"] == "terminated" and mediation["opened_on"] == today.isoformat()
    assert mediation["ended_on"] == today.isoformat() and mediation["deadline_on"] == "2026-12-07"
    assert mediation["reason"] == "调解终结：双方对加班时长分歧较大" and mediation["dispute_focus"] == "加班时长的认定"
    assert mediation["mediator"] == {"name": "张敏", "organisation": "福田区劳动争议人民调解委员会"}
    assert [d["kind"] for d in data["documents"]] == ["application", "undisputed_facts", "termination"]
    assert data["accept_due_on"] == due.isoformat() and data["reason"] == "申请人选择申请仲裁"
    assert "调解不成转仲裁" in intake.pii_reads[-1].url.params["purpose"]

    # The commission decides.
    path = DECISION.format(transfer_id)
    decision = {
        "decision": "accepted",
        "arbitration_case_no": "深劳人仲案〔2026〕123号",
        "decided_on": today.isoformat(),
    }
    assert (await client.post(path, json=decision, headers=commissions["a"])).status_code == 400
    assert (
        await client.post(path, json=decision, headers=commissions["b"] | {"Idempotency-Key": "d1"})
    ).status_code == 404
    assert (
        await client.post(path, json=decision, headers=clerk(test_keys) | {"Idempotency-Key": "d1"})
    ).status_code == 403
    answer = await client.post(path, json=decision, headers=commissions["a"] | {"Idempotency-Key": "d1"})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "transfer_id": transfer_id,
        "status": "accepted",
        "case_no": data["case_no"],
        "arbitration_case_no": "深劳人仲案〔2026〕123号",
        "decided_on": today.isoformat(),
        "reason": None,
    }
    replay = await client.post(path, json=decision, headers=commissions["a"] | {"Idempotency-Key": "d1"})
    assert (
        replay.status_code == 200 and replay.json() == answer.json() and replay.headers["idempotent-replayed"] == "true"
    )
    mismatch = await client.post(
        path,
        json=decision | {"arbitration_case_no": "深劳人仲案〔2026〕124号"},
        headers=commissions["a"] | {"Idempotency-Key": "d1"},
    )
    assert mismatch.status_code == 422
    second = await client.post(
        path,
        json={"decision": "rejected", "reason": "x", "decided_on": today.isoformat()},
        headers=commissions["a"] | {"Idempotency-Key": "d2"},
    )
    assert second.status_code == 409

    # The case timeline hears each step; accepted carries the commission's case number.
    events = await published(app)
    assert [e.type for e in events] == ["arbitration.transfer.requested", "arbitration.transfer.accepted"]
    assert all(e.case_id == case_id for e in events)
    assert events[0].data["due_on"] == due.isoformat() and "移送" in events[0].data["summary_zh"]
    accepted = events[1]
    assert accepted.data["arbitration_case_no"] == "深劳人仲案〔2026〕123号"
    assert "深劳人仲案〔2026〕123号" in accepted.data["summary_zh"]
    view = (await client.get(f"/transfers/{transfer_id}", headers=clerk(test_keys))).json()
    assert (
        view["state"] == "accepted"
        and view["days_left"] is None
        and view["arbitration_case_no"] == "深劳人仲案〔2026〕123号"
    )
    again = await transfer(client, test_keys, case_id)
    assert again.status_code == 409 and again.json()["transfer_id"] == transfer_id


async def test_an_expired_mediation_can_be_transferred_and_rejected_then_sent_again(
    client, app, test_keys, commissions, arb_a, intake
):
    case_id = await window_mediation(client, test_keys, intake, end="expired")
    first = (await transfer(client, test_keys, case_id)).json()["transfer_id"]
    await requested(client, test_keys, arb_a, first)
    docs = arb_a.last("transfer.requested")["documents"]
    assert [d["kind"] for d in docs] == ["application", "expiry_notice"]
    today = china_today().isoformat()
    rejected = await client.post(
        DECISION.format(first),
        headers=commissions["a"] | {"Idempotency-Key": "r"},
        json={"decision": "rejected", "reason": "申请人未提交身份证明材料", "decided_on": today},
    )
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    [event_] = [e for e in await published(app) if e.type == "arbitration.transfer.rejected"]
    assert event_.data["reason"] == "申请人未提交身份证明材料" and "不予受理" in event_.data["summary_zh"]
    second = await transfer(client, test_keys, case_id, reason="已补正材料")
    assert second.status_code == 201 and second.json()["transfer_id"] != first
    listed = (await client.get("/transfers", params={"case_id": case_id}, headers=clerk(test_keys))).json()["items"]
    assert [t["state"] for t in listed] == ["preparing", "rejected"] or [t["state"] for t in listed] == [
        "requested",
        "rejected",
    ]


async def test_a_transfer_needs_a_failed_window_mediation(client, test_keys, commissions, intake):
    assert (await transfer(client, test_keys, "0" * 32)).status_code == 404
    ongoing = await window_mediation(client, test_keys, intake, end=None)
    refused = await transfer(client, test_keys, ongoing)
    assert refused.status_code == 409 and refused.json()["mediation_status"] == "assigned"
    assert "调解终结或期限届满后方可移送仲裁" in refused.json()["detail_zh"]
    # A case the commission referred itself: its result goes back as referral.failed, not as a transfer.
    referral = await client.post(
        "/partner/arbitration/v1/referrals", json=referral_form(), headers=commissions["a"] | {"Idempotency-Key": "r"}
    )
    referral_id = referral.json()["referral_id"]
    referred_case = intake.by_key[f"arbitration-referral:{referral_id}"]
    await deliver(
        client, test_keys, event("mediation.proceeding.terminated", referral_id, referred_case, reason="调解不成")
    )
    referred = await transfer(client, test_keys, referred_case)
    assert referred.status_code == 409 and referred.json()["source"] == "arbitration_pre_filing"
    # Only staff of the case's centre, with a staff role.
    ended = await window_mediation(client, test_keys, intake)
    other_centre = await client.post("/transfers", json={"case_id": ended}, headers=clerk(test_keys, "luohu"))
    assert other_centre.status_code == 404
    for headers in (test_keys.headers(roles=["mediator"], center_id="futian"), commissions["a"]):
        assert (await client.post("/transfers", json={"case_id": ended}, headers=headers)).status_code == 403
    bad = await client.post("/transfers", json={"reason": 1, "extra": True}, headers=clerk(test_keys))
    assert bad.status_code == 422 and {e["field"] for e in bad.json()["errors"]} >= {"case_id", "reason", "extra"}
    unknown = await transfer(client, test_keys, ended, partner_id="nowhere")
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "partner_id"


async def test_no_commission_for_the_centre_is_409(client, test_keys, commissions, intake):
    case_id = await window_mediation(client, test_keys, intake, center="nanshan")
    response = await client.post("/transfers", json={"case_id": case_id}, headers=clerk(test_keys, "nanshan"))
    assert response.status_code == 409 and "尚未登记对接的仲裁院" in response.json()["detail_zh"]


async def test_the_centre_is_read_from_intake_when_its_event_has_not_arrived(
    client, app, test_keys, commissions, arb_a, intake
):
    case_id = await window_mediation(client, test_keys, intake, announce_center=False)
    intake.down = 1
    down = await transfer(client, test_keys, case_id)
    assert down.status_code == 503  # nothing written
    async with app.state.db.transaction(read_only=True) as session:
        assert (await session.execute(text("SELECT count(*) FROM transfer"))).scalar_one() == 0
    created = await transfer(client, test_keys, case_id)
    assert created.status_code == 201 and created.json()["center_id"] == "futian"
    assert (
        await client.post("/transfers", json={"case_id": case_id}, headers=clerk(test_keys, "luohu"))
    ).status_code == 404


async def test_a_transfer_waits_for_intake(client, test_keys, commissions, arb_a, intake):
    case_id = await window_mediation(client, test_keys, intake)
    intake.down = 4
    transfer_id = (await transfer(client, test_keys, case_id)).json()["transfer_id"]
    view = await requested(client, test_keys, arb_a, transfer_id)
    assert view["state"] == "requested" and view["last_error"] is None


INVALID_DECISIONS = [
    ({"decision": "maybe", "decided_on": "2026-11-20"}, "decision"),
    ({"decision": "accepted", "decided_on": "2026-11-20"}, "arbitration_case_no"),
    ({"decision": "rejected", "decided_on": "2026-11-20"}, "reason"),
    ({"decision": "accepted", "arbitration_case_no": "深劳人仲案〔2026〕1号"}, "decided_on"),
    (
        {"decision": "accepted", "arbitration_case_no": "深劳人仲案〔2026〕1号", "decided_on": "2026-02-30"},
        "decided_on",
    ),
    ({"decision": "accepted", "arbitration_case_no": "", "decided_on": "2026-11-20"}, "arbitration_case_no"),
    ({"decision": "accepted", "arbitration_case_no": "深劳人仲案〔2026〕1号", "decided_on": "2026-11-20", "x": 1}, "x"),
    ({"decision": "accepted", "arbitration_case_no": "深劳人仲案〔2026〕1号", "decided_on": "FUTURE"}, "decided_on"),
    ({"decision": "accepted", "arbitration_case_no": "深劳人仲案〔2026〕1号", "decided_on": "PAST"}, "decided_on"),
]


async def test_invalid_decisions_name_the_field_and_change_nothing(client, app, test_keys, commissions, arb_a, intake):
    case_id = await window_mediation(client, test_keys, intake)
    transfer_id = (await transfer(client, test_keys, case_id)).json()["transfer_id"]
    await requested(client, test_keys, arb_a, transfer_id)
    swap = {
        "FUTURE": (china_today() + timedelta(days=1)).isoformat(),
        "PAST": (china_today() - timedelta(days=1)).isoformat(),
    }
    for n, (body, field) in enumerate(INVALID_DECISIONS):
        body = {k: swap.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
        response = await client.post(
            DECISION.format(transfer_id), json=body, headers=commissions["a"] | {"Idempotency-Key": f"d{n}"}
        )
        assert response.status_code == 422, (body, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert field in [e["field"] for e in response.json()["errors"]], (body, response.json())
    view = (await client.get(f"/transfers/{transfer_id}", headers=clerk(test_keys))).json()
    assert view["state"] == "requested"  # nothing half-written
    assert [e.type for e in await published(app)] == ["arbitration.transfer.requested"]
    unknown = await client.post(
        DECISION.format("trf_nope"),
        headers=commissions["a"] | {"Idempotency-Key": "u"},
        json={"decision": "rejected", "reason": "x", "decided_on": china_today().isoformat()},
    )
    assert unknown.status_code == 404


async def test_an_unanswered_transfer_is_flagged_once_and_listed(client, app, test_keys, commissions, arb_a, intake):
    case_id = await window_mediation(client, test_keys, intake)
    transfer_id = (await transfer(client, test_keys, case_id)).json()["transfer_id"]
    await requested(client, test_keys, arb_a, transfer_id)
    supervisor = test_keys.headers(roles=["supervisor"], center_id="futian")
    assert (await client.get("/transfers/overdue", headers=supervisor)).json()["items"] == []
    # The commission received it 9 days ago and has said nothing.
    sent_on = china_today() - timedelta(days=9)
    due = compute_due("arbitration_acceptance_5d", sent_on, calendar=default_calendar().lenient()).due_on
    async with app.state.db.transaction() as session:
        await session.execute(text("UPDATE transfer SET requested_on = :s, due_on = :d"), {"s": sent_on, "d": due})
    app.state.arbitration.worker.wake()

    async def overdue_events():
        return [e for e in await published(app) if e.type == "arbitration.transfer.overdue"]

    [flag] = await wait_for(overdue_events, what="the overdue flag")
    assert (
        flag.case_id == case_id and flag.data["transfer_id"] == transfer_id and flag.data["due_on"] == due.isoformat()
    )
    assert flag.data["center_id"] == "futian" and "逾期未答复" in flag.data["summary_zh"]
    listed = (await client.get("/transfers/overdue", headers=supervisor)).json()["items"]
    assert [t["transfer_id"] for t in listed] == [transfer_id]
    assert listed[0]["overdue"] is True and listed[0]["days_left"] == (due - china_today()).days < 0
    assert listed[0]["overdue_flagged_at"] is not None
    assert (await client.get("/transfers/overdue", headers=clerk(test_keys, "luohu"))).json()["items"] == []
    assert [
        t["transfer_id"]
        for t in (await client.get("/transfers", params={"overdue": "true"}, headers=supervisor)).json()["items"]
    ] == [transfer_id]
    # Once: more passes (or another replica, or a restarted process) flag nothing more.
    for _ in range(3):
        await app.state.arbitration.worker.run_once()
    async with app.state.db.transaction() as session:
        assert await flag_overdue(session=session) == 0
    assert len(await overdue_events()) == 1
    # A late answer still counts.
    late = await client.post(
        DECISION.format(transfer_id),
        headers=commissions["a"] | {"Idempotency-Key": "late"},
        json={
            "decision": "accepted",
            "arbitration_case_no": "深劳人仲案〔2026〕200号",
            "decided_on": china_today().isoformat(),
        },
    )
    assert late.status_code == 200
    assert (await client.get("/transfers/overdue", headers=supervisor)).json()["items"] == []


def test_the_acceptance_clock_is_five_working_days():
    # 劳动人事争议仲裁办案规则 第30条 (five days to decide) read with 第80条 (its 五日 are working days):
    # from Fri 2026-11-20: Mon 23, Tue 24, Wed 25, Thu 26, Fri 27 → 2026-11-27 (not Wed 11-25).
    cal = default_calendar().lenient()
    assert compute_due(ACCEPTANCE_RULE, date(2026, 11, 20), calendar=cal).due_on == date(2026, 11, 27)
    # From Sun 2025-09-28 (调休上班): 09-29, 09-30, 10-09, 10-10, Sat 10-11 (调休上班) → 2025-10-11.
    assert compute_due(ACCEPTANCE_RULE, date(2025, 9, 28), calendar=cal).due_on == date(2025, 10, 11)
