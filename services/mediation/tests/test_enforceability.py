"""The court's side of an agreement (court-bridge's events): 司法确认 applied for and ruled, 支付令
issued and objected to — recorded on the agreement once each; the agreed event names the
mediation organisation's seat (a CPL 205 court)."""

from datetime import timedelta

import pytest
from factories import deliver, envelope, events
from onewindow_domain.calendar import china_today
from test_outcomes import _agreement, _in_session

pytestmark = pytest.mark.anyio


async def test_court_events_update_the_agreement_once(client, app, test_keys, registry):
    p, me = await _in_session(client, test_keys, registry)
    today = china_today()
    r = await client.post(
        f"/proceedings/{p['id']}/agreement",
        headers=me,
        json=_agreement(today, [(today + timedelta(days=3), "12000.00")], parties_request_judicial_confirmation=False),
    )
    assert r.status_code == 201, r.text
    [agreed] = await events(app, "mediation.proceeding.agreed")
    assert agreed.data["center_id"] == p["center_id"] and "center_district" in agreed.data  # None until synced

    def court(type_: str, **data):
        return envelope(
            type_,
            {"proceeding_id": p["id"], "application_id": "cfa_1", "summary_zh": "…", **data},
            case_id=p["case_id"],
            source="court-bridge",
        )

    await deliver(client, test_keys, court("court.confirmation.requested", decide_by="2027-01-05"))
    shown = (await client.get(f"/proceedings/{p['id']}/agreement", headers=me)).json()
    assert shown["judicial_confirmation"]["state"] == "requested"
    assert shown["judicial_confirmation"]["decide_by"] == "2027-01-05"
    ruled = court("court.confirmation.ruled", ruling="valid", ruling_no="（2026）粤0304诉前调确9号")
    assert (await deliver(client, test_keys, ruled))["status"] == "handled"
    assert (await deliver(client, test_keys, ruled))["status"] == "duplicate"
    shown = (await client.get(f"/proceedings/{p['id']}/agreement", headers=me)).json()
    assert shown["judicial_confirmation"]["state"] == "valid"
    assert shown["judicial_confirmation"]["ruling_no"] == "（2026）粤0304诉前调确9号"

    for verb, extra in (("issued", {"order_no": "（2026）粤0304民督1号"}), ("objected", {})):
        await deliver(
            client, test_keys, court(f"court.payment_order.{verb}", application_id="poa_1", state=verb, **extra)
        )
    shown = (await client.get(f"/proceedings/{p['id']}/agreement", headers=me)).json()
    assert shown["payment_order"]["state"] == "objected" and shown["payment_order"]["application_id"] == "poa_1"
    # An event about a proceeding without an agreement here changes nothing.
    other = court("court.payment_order.issued", proceeding_id="nope", state="issued")
    assert (await deliver(client, test_keys, other))["status"] == "handled"
