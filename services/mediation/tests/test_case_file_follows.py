"""Issue 18: the proceeding's copy of the case follows the window's correction, and a panel's
mediators are announced so intake lets them read the case file."""

import pytest
from factories import deliver, envelope, events, open_case

pytestmark = pytest.mark.anyio


async def test_a_correction_at_the_window_updates_the_proceedings_copy(client, test_keys, registry, app):
    p = await open_case(client, test_keys)
    assert p["total_claimed"] == "12000.00"
    corrected = envelope(
        "intake.case.corrected",
        {
            "case_id": p["case_id"],
            "center_id": "futian",
            "worker_count": 2,
            "collective": False,
            "total_claimed": "13500.00",
            "changed": ["claims"],
            "claims": [{"category": "wage_arrears", "amount": "13500.00", "final_award": True}],
            "respondents": [{"name": "深圳市某某电子有限公司（更正）", "credit_code": "x", "role": "employer"}],
        },
    )
    assert (await deliver(client, test_keys, corrected))["status"] == "handled"
    after = (await client.get(f"/proceedings/{p['id']}", headers=registry.supervisor)).json()
    assert after["total_claimed"] == "13500.00" and after["worker_count"] == 2
    assert after["version"] == p["version"] + 1


async def test_setting_a_panel_announces_its_mediators_sign_ins(client, test_keys, registry, app):
    p = await open_case(client, test_keys, collective=True, worker_count=23)
    r = await client.put(
        f"/proceedings/{p['id']}/panel",
        headers=registry.supervisor,
        json={
            "members": [
                {"side": "hrss", "name": "刘洋", "organisation": "福田区人力资源局"},
                {"side": "union", "mediator_id": registry.mediators["m1"], "organisation": "福田区总工会"},
                {"side": "enterprise", "name": "郑伟", "organisation": "福田区企业联合会"},
            ]
        },
    )
    assert r.status_code == 200, r.text
    [event] = await events(app, "mediation.proceeding.panel_set")
    assert event.case_id == p["case_id"]
    assert event.data["members"] == [{"mediator_id": registry.mediators["m1"], "user_subject": "m1", "username": "m1"}]
