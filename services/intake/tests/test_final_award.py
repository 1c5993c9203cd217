"""LDMAL 47 at the window: final-award scope per item and per worker, never on the group's total (issue 12)."""

import pytest
from factories import case_form

pytestmark = pytest.mark.anyio


def _wage_claim(total: str, shares: list[str] | None) -> dict:
    claim = {"category": "wage_arrears", "amount": total, "description": "拖欠工资"}
    return claim | ({"amounts_by_applicant": shares} if shares is not None else {})


async def test_a_twelve_worker_wage_case_is_final_when_each_workers_item_is_within_the_limit(client, test_keys, futian):
    clerk = test_keys.headers(roles=["clerk"], center_id="futian")
    # 12 × ¥20,000 = ¥240,000 for the group; each worker's ¥20,000 ≤ 12 × ¥2,520 = ¥30,240 (深圳).
    form = case_form(workers=12, claims=[_wage_claim("240000.00", ["20000.00"] * 12)])
    response = await client.post("/cases", json=form, headers=clerk)
    assert response.status_code == 201, response.text
    [flag] = response.json()["triage"]["final_award"]
    assert flag["status"] == "final" and flag["is_final"] is True and flag["threshold"] == "30240.00"
    assert flag["worker_count"] == 12 and len(flag["workers"]) == 12
    assert response.json()["claims"][0]["final_award"] is True


async def test_without_each_workers_amount_a_collective_total_over_the_limit_is_undetermined(client, test_keys, futian):
    clerk = test_keys.headers(roles=["clerk"], center_id="futian")
    preview = await client.post(
        "/cases/triage", json=case_form(workers=12, claims=[_wage_claim("240000.00", None)]), headers=clerk
    )
    [flag] = preview.json()["final_award"]
    assert flag["status"] == "undetermined" and flag["is_final"] is False and "每名劳动者" in flag["basis"]


async def test_shares_that_do_not_add_up_are_refused_naming_the_field(client, test_keys, futian):
    clerk = test_keys.headers(roles=["clerk"], center_id="futian")
    form = case_form(workers=2, claims=[_wage_claim("30000.00", ["10000.00", "10000.00"])])
    response = await client.post("/cases", json=form, headers=clerk)
    assert response.status_code == 422
    assert any(e["field"].startswith("claims[0].amounts_by_applicant") for e in response.json()["errors"])
