"""Calculators for mediators: the domain library's amounts, with inputs and legal basis echoed."""

import pytest

pytestmark = pytest.mark.anyio


@pytest.fixture
def db_backend() -> str:
    """The calculators touch no database: one backend is enough."""
    return "sqlite"


async def test_severance_echoes_inputs_and_legal_basis(client, test_keys):
    mediator = test_keys.headers(roles=["mediator"], center_id="futian")
    r = await client.post(
        "/calculators/severance",
        headers=mediator,
        json={"monthly_wage": "8000.00", "start": "2022-03-01", "end": "2026-10-15"},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["kind"] == "severance" and body["label_zh"] == "经济补偿（N）"
    assert body["inputs"] == {"monthly_wage": "8000.00", "start": "2022-03-01", "end": "2026-10-15", "city": "深圳"}
    assert body["amount"] == "40000.00"  # 4 years 7 months: 5 months × 8,000
    assert body["legal_basis"] == "劳动合同法 第47条" and "经济补偿" in body["basis_zh"]
    assert body["details"]["months"] == "5" and body["warnings_zh"]
    # No published Shenzhen average wage in the data: said so, and no capped result (issue 12).
    assert body["details"]["cap_wage"] is None and "未按三倍封顶计算" in body["warnings_zh"][0]
    r = await client.post(
        "/calculators/unlawful-termination",
        headers=mediator,
        json={"monthly_wage": "8000.00", "start": "2022-03-01", "end": "2026-10-15"},
    )
    assert r.json()["amount"] == "80000.00" and "第87条" in r.json()["legal_basis"]


@pytest.mark.parametrize(
    ("path", "body", "amount"),
    [
        ("/calculators/overtime", {"monthly_wage": "6960.00", "weekday_hours": "10", "rest_day_hours": "8"}, "1240.00"),
        ("/calculators/annual-leave", {"monthly_wage": "8700.00", "unused_days": "5"}, "4000.00"),
        (
            "/calculators/double-wage",
            {"monthly_wage": "6000.00", "employment_start": "2026-01-01", "end": "2026-03-31"},
            "12000.00",
        ),
    ],
)
async def test_other_calculators(client, test_keys, path, body, amount):
    r = await client.post(path, headers=test_keys.headers(roles=["mediator"]), json=body)
    assert r.status_code == 200, r.text
    assert r.json()["amount"] == amount and r.json()["legal_basis"] and r.json()["basis_zh"]


async def test_final_award_and_errors_name_the_field(client, test_keys):
    user = test_keys.headers(roles=["supervisor"])
    r = await client.post("/calculators/final-award", headers=user, json={"amount": "30000.00", "on": "2026-06-01"})
    assert r.status_code == 200 and r.json()["details"]["is_final"] is True and r.json()["amount"] == "30000.00"
    # Per worker (调解仲裁法 第47条): 12 workers × ¥20,000 — each ≤ 12 × ¥2,520 = ¥30,240 — is final.
    r = await client.post(
        "/calculators/final-award",
        headers=user,
        json={"amount": "240000.00", "on": "2026-06-01", "worker_count": 12, "worker_amounts": ["20000.00"] * 12},
    )
    assert r.status_code == 200 and r.json()["details"]["status"] == "final", r.text
    r = await client.post(
        "/calculators/final-award",
        headers=user,
        json={"amount": "240000.00", "on": "2026-06-01", "worker_count": 12, "worker_amounts": ["1.00"] * 12},
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "worker_amounts"
    # 代通知金 (劳动合同法 第40条; 实施条例 第20条): the previous month's wage.
    r = await client.post(
        "/calculators/notice-pay", headers=user, json={"previous_month_wage": "8500.50", "ground": "incompetent"}
    )
    assert r.status_code == 200 and r.json()["amount"] == "8500.50" and "第20条" in r.json()["legal_basis"]
    r = await client.post(
        "/calculators/severance",
        headers=user,
        json={"monthly_wage": "8000", "start": "2026-03-01", "end": "2025-10-15"},
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "end"
    r = await client.post(
        "/calculators/severance",
        headers=user,
        json={"monthly_wage": "8000", "start": "2022-03-01", "end": "2026-10-15", "city": "火星"},
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "city"
    assert "火星" in r.json()["errors"][0]["message"]
    r = await client.post("/calculators/overtime", headers=user, json={"monthly_wage": "-1"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "monthly_wage"
    partner = test_keys.headers(roles=["court_partner"], partner_id="c1")
    assert (await client.post("/calculators/overtime", headers=partner, json={"monthly_wage": "1"})).status_code == 403


async def test_an_admin_sets_the_published_average_wage_and_severance_is_capped(client, test_keys):
    admin = test_keys.headers(roles=["admin"])
    mediator = test_keys.headers(roles=["mediator"], center_id="futian")
    body = {"monthly_wage": "80000.00", "start": "2010-03-01", "end": "2025-09-30"}
    before = (await client.post("/calculators/severance", headers=mediator, json=body)).json()
    # 15 years 7 months → 16 months, not capped without the figure: 80,000 × 16.
    assert before["amount"] == "1280000.00" and before["details"]["cap_wage"] is None
    figure = {"monthly": "10000.00", "source": "测试用统计公报（2025年第1号）", "published_on": "2025-05-20"}
    refused = await client.put("/calculators/average-wages/深圳/2024", headers=mediator, json=figure)
    assert refused.status_code == 403
    no_source = await client.put("/calculators/average-wages/深圳/2024", headers=admin, json={"monthly": "10000.00"})
    assert no_source.status_code == 422 and no_source.json()["errors"][0]["field"] == "source"
    unknown = await client.put("/calculators/average-wages/火星/2024", headers=admin, json=figure)
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "city"
    r = await client.put("/calculators/average-wages/深圳/2024", headers=admin, json=figure)
    assert r.status_code == 200, r.text
    assert r.json()["city"] == "shenzhen" and r.json()["source"] == figure["source"]
    # LCL 47(2): 80,000 > 3 × 10,000 → base 30,000 and at most 12 years: 30,000 × 12.
    after = (await client.post("/calculators/severance", headers=mediator, json=body)).json()
    assert after["amount"] == "360000.00" and after["details"]["capped"] is True
    assert figure["source"] in after["basis_zh"]
    await client.put("/calculators/average-wages/shenzhen/2024", headers=admin, json=figure | {"monthly": "11000.00"})
    audit = (await client.get("/registry/audit?entity=average_wage", headers=admin)).json()
    assert [a["action"] for a in audit] == ["updated", "created"]
    assert audit[0]["changes"] == {"monthly": ["10000.00", "11000.00"]} and audit[0]["entity_id"] == "shenzhen:2024"
    listed = (await client.get("/calculators/average-wages", headers=mediator)).json()
    assert [(f["city"], f["year"], f["monthly"]) for f in listed] == [("shenzhen", 2024, "11000.00")]
