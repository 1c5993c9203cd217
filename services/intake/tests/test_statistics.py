"""Statistics (issue 10, DOMAIN.md §7): 挽回金额 is money paid, the agreed amount apart; days to
close; hand-offs by desk and outcome; legal aid within the promise; every figure drills down."""

import uuid
from datetime import UTC, datetime

import pytest
from factories import applicant, case_form

pytestmark = pytest.mark.anyio


def _event(case_id: str, type_: str, **data) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "type": type_,
        "occurred_at": datetime.now(UTC).isoformat(),
        "source": "mediation",
        "case_id": case_id,
        "data": {"proceeding_id": f"p-{case_id}", **data},
    }


async def test_recovered_is_the_sum_of_paid_instalments_and_every_figure_drills_down(client, test_keys, futian):
    clerk = test_keys.headers(roles=["clerk"], center_id="futian")
    supervisor = test_keys.headers(roles=["supervisor"], center_id="futian")
    service = test_keys.headers(roles=["service"], sub="svc-mediation")
    case = (await client.post("/cases", json=case_form(route={"route": "mediation"}), headers=clerk)).json()
    other = (
        await client.post(
            "/cases", json=case_form(applicants=[applicant(2)], route={"route": "mediation"}), headers=clerk
        )
    ).json()
    paid = _event(
        case["id"], "mediation.agreement.instalment_paid", instalment={"due_on": "2026-11-20", "amount": "8000.00"}
    )
    for envelope in (
        _event(case["id"], "mediation.proceeding.opened", deadline_on="2026-12-20"),
        _event(case["id"], "mediation.proceeding.agreed", recovered_amount="12000.00"),
        paid,
        paid,  # redelivered: counted once
        _event(
            case["id"], "mediation.agreement.payment_overdue", instalment={"due_on": "2026-11-30", "amount": "4000.00"}
        ),
    ):
        assert (await client.post("/internal/events", json=envelope, headers=service)).status_code == 200
    stats = (await client.get("/stats", headers=supervisor)).json()
    assert stats["amount_recovered"] == "8000.00"  # one instalment paid, one unpaid
    assert stats["amount_agreed"] == "12000.00"
    after = (await client.get(f"/cases/{case['id']}", headers=clerk)).json()
    assert after["status"] == "resolved" and after["recovered"] == "8000.00"

    async def behind(figure: str) -> list[str]:
        r = await client.get("/stats/cases", params={"figure": figure}, headers=supervisor)
        assert r.status_code == 200, r.text
        return [c["id"] for c in r.json()["items"]]

    assert await behind("recovered") == [case["id"]]
    assert await behind("agreed") == [case["id"]]
    assert sorted(await behind("cases")) == sorted([case["id"], other["id"]])
    assert await behind("status:resolved") == [case["id"]]
    for status, n in stats["by_status"].items():
        assert len(await behind(f"status:{status}")) == n
    bad = await client.get("/stats/cases", params={"figure": "nonsense"}, headers=supervisor)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "figure"


async def test_hand_offs_by_desk_and_outcome_and_legal_aid_within_promise(client, test_keys, futian):
    clerk = test_keys.headers(roles=["clerk"], center_id="futian")
    supervisor = test_keys.headers(roles=["supervisor"], center_id="futian")
    officer = test_keys.headers(roles=["legal_aid_officer"], center_id="futian")
    inspector = test_keys.headers(roles=["inspector"], center_id="futian")
    aid = (
        await client.post("/cases", json=case_form(route={"route": "legal_aid", "reason": "援助"}), headers=clerk)
    ).json()
    insp = (
        await client.post(
            "/cases",
            json=case_form(applicants=[applicant(3)], route={"route": "inspection", "reason": "监察"}),
            headers=clerk,
        )
    ).json()
    [h] = (await client.get("/desks/legal_aid/handoffs", headers=officer)).json()["items"]
    await client.post(
        f"/handoffs/{h['id']}/outcome",
        json={"outcome": "granted", "aid_lawyer": "陈律师"},
        headers=officer | {"If-Match": f'"{h["case_version"]}"'},
    )
    [i] = (await client.get("/desks/inspection/handoffs", headers=inspector)).json()["items"]
    await client.post(
        f"/handoffs/{i['id']}/outcome",
        json={"outcome": "filed"},
        headers=inspector | {"If-Match": f'"{i["case_version"]}"'},
    )
    stats = (await client.get("/stats", headers=supervisor)).json()
    desks = {d["desk"]: d for d in stats["handoffs"]}
    assert desks["legal_aid"]["outcomes"]["granted"]["count"] == 1
    assert desks["inspection"]["outcomes"]["filed"] == {
        "label": "立案",
        "count": 1,
        "figure": "handoff:inspection:filed",
    }
    assert stats["legal_aid_review"] == {
        "promise_days": 5,
        "decided": 1,
        "within_promise": 1,
        "share_within_promise": 1.0,
    }
    r = await client.get("/stats/cases", params={"figure": "handoff:inspection:filed"}, headers=supervisor)
    assert [c["id"] for c in r.json()["items"]] == [insp["id"]]
    r = await client.get("/stats/cases", params={"figure": "legal_aid:within_promise"}, headers=supervisor)
    assert [c["id"] for c in r.json()["items"]] == [aid["id"]]
