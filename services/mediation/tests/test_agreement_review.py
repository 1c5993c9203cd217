"""仲裁审查确认 reaches the agreement (decision 0018): the arbitration bridge's
``arbitration.review.requested`` / ``decided`` are kept on the agreement the mediator and the
window read; a decision is final and a redelivery changes nothing."""

from datetime import timedelta

import pytest
from factories import deliver, envelope
from onewindow_domain.calendar import china_today
from test_outcomes import _agreement, _in_session

pytestmark = pytest.mark.anyio


async def test_the_commissions_review_lands_on_the_agreement(client, app, test_keys, registry):
    p, me = await _in_session(client, test_keys, registry)
    today = china_today()
    body = _agreement(today, [(today + timedelta(days=5), "12000.00")])
    body |= {"parties_request_judicial_confirmation": False, "parties_request_arbitration_review": True}
    created = await client.post(f"/proceedings/{p['id']}/agreement", headers=me, json=body)
    assert created.status_code == 201, created.text
    number = created.json()["agreement_no"]
    assert created.json()["arbitration_review"] is None
    base = {"case_id": p["case_id"], "review_id": "rvw_1", "agreement_no": number, "summary_zh": "…"}
    due = (today + timedelta(days=7)).isoformat()
    await deliver(
        client, test_keys, envelope("arbitration.review.requested", base | {"due_on": due}, source="arbitration")
    )
    shown = (await client.get(f"/proceedings/{p['id']}/agreement", headers=me)).json()["arbitration_review"]
    assert shown["state"] == "requested" and shown["due_on"] == due and shown["document_no"] is None
    decided = envelope(
        "arbitration.review.decided",
        base | {"decision": "confirmed", "document_no": "深劳人仲调字〔2026〕45号", "decided_on": today.isoformat()},
        source="arbitration",
    )
    await deliver(client, test_keys, decided)
    await deliver(client, test_keys, decided)  # redelivered
    late = envelope("arbitration.review.requested", base | {"due_on": due}, source="arbitration")
    await deliver(client, test_keys, late)  # out of order: the decision stands
    shown = (await client.get(f"/proceedings/{p['id']}/agreement", headers=me)).json()["arbitration_review"]
    assert shown["state"] == "confirmed" and shown["document_no"] == "深劳人仲调字〔2026〕45号"
    assert shown["decided_on"] == today.isoformat()
    # An agreement the centre does not hold is ignored, not an error.
    other = base | {"agreement_no": "别处调协〔2026〕1号", "decision": "refused", "reason": "x"}
    await deliver(client, test_keys, envelope("arbitration.review.decided", other, source="arbitration"))
