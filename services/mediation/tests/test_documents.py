"""Generated documents of a proceeding: rendered from mediation's data and intake's case file (mocked
with respx), stored outside the database with their digest, versioned, downloadable only by who may
see the proceeding."""

import hashlib
import shutil
import subprocess
from datetime import timedelta

import httpx
import pytest
import respx
from factories import cached_headers, open_case, termination
from mediation.documents.models import Document
from onewindow_domain.calendar import china_today
from onewindow_kit.dependencies import database_of
from sqlalchemy import func, select

pytestmark = pytest.mark.anyio

GATEWAY = "http://gateway.test"
INTAKE = "http://intake.test"


@pytest.fixture
def settings_overrides(tmp_path):
    return {
        "peers": {"intake": INTAKE},
        "gateway_url": GATEWAY,
        "service_client_id": "svc-mediation",
        "service_client_secret": "test-secret",
        "storage_dir": str(tmp_path / "files"),
    }


def case_file(case_id: str, workers: int = 2) -> dict:
    return {
        "id": case_id,
        "case_no": "福劳调〔2026〕00042号",
        "center_id": "futian",
        "status": "mediating",
        "applicants": [
            {
                "role": "applicant",
                "position": i,
                "name": f"工人{'甲乙丙丁戊己庚辛壬癸'[i % 10]}{i}",
                "address": "深圳市福田区福华路1号",
            }
            for i in range(workers)
        ],
        "respondents": [
            {
                "role": "respondent",
                "position": 0,
                "name": "深圳市某某电子有限公司",
                "credit_code": "91440300MA5FXXXX1X",
                "legal_representative": "李某",
                "address": "深圳市福田区深南大道2号",
            }
        ],
        "claims": [{"category": "wage_arrears", "amount": "12000.00"}],
        "facts": "被申请人拖欠申请人2026年8月至10月工资。",
    }


@pytest.fixture
def intake():
    state = {"up": True}
    with respx.mock(assert_all_called=False) as router:
        router.post(f"{GATEWAY}/auth/token").mock(
            return_value=httpx.Response(200, json={"access_token": "svc", "token_type": "Bearer", "expires_in": 900})
        )

        def get_case(request, case_id):
            if not state["up"]:
                return httpx.Response(503, json={"title": "down"})
            return httpx.Response(200, json=case_file(case_id))

        router.get(url__regex=rf"^{INTAKE}/cases/(?P<case_id>[^/]+)$").mock(side_effect=get_case)
        yield state


async def _agreed(client, test_keys, registry):
    p = await open_case(client, test_keys)
    sub = next(k for k, v in registry.mediators.items() if v == p["mediator"]["id"])
    me = registry.staff[sub]
    assert (await client.post(f"/proceedings/{p['id']}/accept", headers=me, json={})).status_code == 200
    today = china_today()
    tomorrow = (today + timedelta(days=1)).isoformat()
    r = await client.post(
        f"/proceedings/{p['id']}/sessions",
        headers=me,
        json={"mode": "in_person", "room": "第一调解室", "starts_at": f"{tomorrow}T09:00:00+08:00"},
    )
    assert r.status_code == 201, r.text
    r = await client.post(f"/proceedings/{p['id']}/documents", headers=me, json={"kind": "session_notice"})
    assert r.status_code == 201, r.text
    body = {
        "signed_on": today.isoformat(),
        "effective_on": today.isoformat(),
        "terms": "被申请人支付拖欠工资12000.00元\n双方再无其他劳动争议",
        "total_amount": "12000.00",
        "payments": [
            {
                "due_on": (today + timedelta(days=10)).isoformat(),
                "amount": "12000.00",
                "payer": "深圳市某某电子有限公司",
                "payee": "工人甲0",
            }
        ],
        "signatures": [
            {"party": party, "name": name, "signed_on": today.isoformat()}
            for party, name in (
                ("worker", "工人甲0"),
                ("employer", "深圳市某某电子有限公司"),
                ("mediator", "调解员"),
                ("organisation_seal", "福田街道人民调解委员会"),
            )
        ],
    }
    r = await client.post(f"/proceedings/{p['id']}/agreement", headers=me, json=body)
    assert r.status_code == 201, r.text
    return p, me


def pdf_text(pdf: bytes, tmp_path) -> str | None:
    if shutil.which("pdftotext") is None:
        return None
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True).stdout


async def test_an_agreement_renders_stores_and_versions(client, app, test_keys, registry, intake, tmp_path):
    p, me = await _agreed(client, test_keys, registry)
    r = await client.post(f"/proceedings/{p['id']}/documents", headers=me, json={"kind": "agreement"})
    assert r.status_code == 201, r.text
    first = r.json()
    assert first["title"] == "调解协议书" and first["version"] == 1 and first["template_version"] >= 1
    pdf = await client.get(f"/documents/{first['id']}/content", headers=me)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and hashlib.sha256(pdf.content).hexdigest() == first["sha256"]
    text = pdf_text(pdf.content, tmp_path)
    if text is not None:
        flat = text.replace(" ", "").replace("\n", "")
        assert "调解协议书" in flat and "工人甲0" in flat and "工人乙1" in flat and "12000.00" in flat
        assert flat.count("签名") >= 4  # both workers, the employer, the mediator
    # The bytes are not in the database; the data they came from is.
    async with database_of(app).transaction(read_only=True) as session:
        row = await session.get(Document, first["id"])
        assert row is not None and row.data["total_amount"] == "12000.00"
        assert not any(isinstance(v, bytes) for v in row.model_dump().values())
    # Regenerating makes version 2; version 1 stays downloadable, byte for byte.
    r = await client.post(f"/proceedings/{p['id']}/documents", headers=me, json={"kind": "agreement"})
    assert r.status_code == 201 and r.json()["version"] == 2
    again = await client.get(f"/documents/{first['id']}/content", headers=me)
    assert hashlib.sha256(again.content).hexdigest() == first["sha256"]
    listed = (await client.get(f"/proceedings/{p['id']}/documents", headers=me)).json()
    assert sorted(d["version"] for d in listed if d["kind"] == "agreement") == [1, 2]
    # A clerk of another centre may not see it: 404, not 403.
    other = cached_headers(test_keys, "clerk-luohu", roles=["clerk"], sub="clerk-luohu", center_id="luohu")
    assert (await client.get(f"/documents/{first['id']}/content", headers=other)).status_code == 404
    assert (await client.get(f"/proceedings/{p['id']}/documents", headers=other)).status_code == 404
    assert (await client.get("/documents/nope/content", headers=me)).status_code == 404


async def test_a_termination_needs_an_ended_proceeding_and_intake(client, app, test_keys, registry, intake, tmp_path):
    p = await open_case(client, test_keys)
    sub = next(k for k, v in registry.mediators.items() if v == p["mediator"]["id"])
    me = registry.staff[sub]
    assert (await client.post(f"/proceedings/{p['id']}/accept", headers=me, json={})).status_code == 200
    r = await client.post(f"/proceedings/{p['id']}/documents", headers=me, json={"kind": "termination"})
    assert r.status_code == 409, r.text
    r = await client.post(f"/proceedings/{p['id']}/documents", headers=me, json={"kind": "agreement"})
    assert r.status_code == 409, r.text
    r = await client.post(f"/proceedings/{p['id']}/documents", headers=me, json={"kind": "transfer_cover"})
    assert r.status_code == 409, r.text
    r = await client.post(
        f"/proceedings/{p['id']}/terminate",
        headers=me,
        json=termination(undisputed_facts="申请人2024年3月入职\n月工资6000元"),
    )
    assert r.status_code == 200, r.text
    intake["up"] = False
    r = await client.post(f"/proceedings/{p['id']}/documents", headers=me, json={"kind": "termination"})
    assert r.status_code == 503, r.text
    async with database_of(app).transaction(read_only=True) as session:
        assert (await session.execute(select(func.count()).select_from(Document))).scalar() == 0
    intake["up"] = True
    r = await client.post(f"/proceedings/{p['id']}/documents", headers=me, json={"kind": "termination"})
    assert r.status_code == 201, r.text
    pdf = (await client.get(f"/documents/{r.json()['id']}/content", headers=me)).content
    text = pdf_text(pdf, tmp_path)
    if text is not None:
        flat = text.replace(" ", "").replace("\n", "")
        assert "调解终结书" in flat and "无争议事实" in flat and "月工资6000元" in flat and "工人甲0" in flat

    # The 移送材料清单 lists the newest version of each paper with its digest (not itself).
    facts = await client.post(f"/proceedings/{p['id']}/documents", headers=me, json={"kind": "undisputed_facts"})
    assert facts.status_code == 201, facts.text
    cover = await client.post(f"/proceedings/{p['id']}/documents", headers=me, json={"kind": "transfer_cover"})
    assert cover.status_code == 201, cover.text
    assert cover.json()["title"] == "移送材料清单"
    async with database_of(app).transaction(read_only=True) as session:
        row = await session.get(Document, cover.json()["id"])
    assert row is not None
    assert [(d["kind"], d["sha256"]) for d in row.data["documents"]] == [
        ("termination", r.json()["sha256"]),
        ("undisputed_facts", facts.json()["sha256"]),
    ]
    text = pdf_text((await client.get(f"/documents/{cover.json()['id']}/content", headers=me)).content, tmp_path)
    if text is not None:
        flat = text.replace(" ", "").replace("\n", "")
        assert "移送材料清单" in flat and "调解终结书" in flat and r.json()["sha256"][:16] in flat


async def test_a_bad_kind_is_a_422_naming_the_field(client, test_keys, registry, intake):
    p = await open_case(client, test_keys)
    r = await client.post(f"/proceedings/{p['id']}/documents", headers=registry.supervisor, json={"kind": "receipt"})
    assert r.status_code == 422 and "kind" in r.text


async def test_a_party_reads_the_mediation_papers_meant_for_it(client, app, test_keys, registry, intake):
    from test_portal import _party

    p, me = await _agreed(client, test_keys, registry)
    made = {}
    for body in (
        {"kind": "agreement"},
        {"kind": "agreement"},  # a corrected version: only the newest shows
        {"kind": "service_receipt", "recipient": "工人甲0", "of_kind": "agreement"},  # the mediator's record
    ):
        r = await client.post(f"/proceedings/{p['id']}/documents", headers=me, json=body)
        assert r.status_code == 201, r.text
        made[body["kind"]] = r.json()
    worker = _party(test_keys, p["case_id"])
    listed = await client.get(f"/portal/cases/{p['case_id']}/documents", headers=worker)
    assert listed.status_code == 200, listed.text
    shown = {d["kind"]: d for d in listed.json()}
    assert set(shown) == {"session_notice", "agreement"}
    assert shown["agreement"]["id"] == made["agreement"]["id"] and shown["agreement"]["version"] == 2
    pdf = await client.get(shown["agreement"]["download_path"].removeprefix("/api/mediation"), headers=worker)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["x-content-sha256"] == made["agreement"]["sha256"]
    receipt = made["service_receipt"]["id"]
    assert (await client.get(f"/portal/documents/{receipt}/content", headers=worker)).status_code == 404
    # Another case's party: the list and every download answer 404; staff tokens stay out.
    stranger = _party(test_keys, "f" * 32, phone="13600136000")
    assert (await client.get(f"/portal/cases/{p['case_id']}/documents", headers=stranger)).status_code == 404
    for doc in shown.values():
        assert (await client.get(f"/portal/documents/{doc['id']}/content", headers=stranger)).status_code == 404
    assert (await client.get(f"/portal/cases/{p['case_id']}/documents", headers=me)).status_code == 403
    assert (await client.get(f"/documents/{made['agreement']['id']}/content", headers=worker)).status_code == 403
