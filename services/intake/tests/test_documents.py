"""A case's documents: the 受理回执 worded for its route and showing its deadline, the application,
versions kept, bytes outside the database, 404 for another centre's clerk."""

import hashlib
import shutil
import subprocess

import pytest
from factories import case_form

pytestmark = pytest.mark.anyio


@pytest.fixture
def settings_overrides(tmp_path):
    return {"storage_dir": str(tmp_path / "files")}


def pdf_text(pdf: bytes, tmp_path) -> str | None:
    if shutil.which("pdftotext") is None:
        return None
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    return (
        subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True)
        .stdout.replace(" ", "")
        .replace("\n", "")
    )


@pytest.mark.parametrize(
    ("route", "wording"),
    [("mediation", "调解期限届满日"), ("arbitration", "仲裁委员会受理决定期限"), ("legal_aid", "法律援助")],
)
async def test_the_receipt_follows_the_route(client, test_keys, futian, tmp_path, route, wording):
    clerk = test_keys.headers(roles=["clerk"], center_id="futian")
    form = case_form(workers=2, route={"route": route, "reason": "当事人选择"})
    case = (await client.post("/cases", json=form, headers=clerk)).json()
    r = await client.post(f"/cases/{case['id']}/documents", json={"kind": "receipt"}, headers=clerk)
    assert r.status_code == 201, r.text
    doc = r.json()
    assert doc["title"] == "受理回执" and doc["version"] == 1
    assert doc["deadline_on"] if route in ("mediation", "arbitration", "legal_aid") else True
    pdf = await client.get(f"/documents/{doc['id']}/content", headers=clerk)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert hashlib.sha256(pdf.content).hexdigest() == doc["sha256"]
    text = pdf_text(pdf.content, tmp_path)
    if text is not None:
        assert "受理回执" in text and wording in text and "工人1" in text and "工人2" in text
        assert case["case_no"].replace(" ", "") in text
        if route != "legal_aid":
            assert "调解" in text if route == "mediation" else "五个工作日" in text
    other = test_keys.headers(roles=["clerk"], center_id="luohu")
    assert (await client.get(f"/documents/{doc['id']}/content", headers=other)).status_code == 404
    assert (await client.get(f"/cases/{case['id']}/documents", headers=other)).status_code == 404


async def test_regenerating_keeps_the_earlier_version(client, test_keys, futian, tmp_path):
    clerk = test_keys.headers(roles=["clerk"], center_id="futian")
    case = (await client.post("/cases", json=case_form(), headers=clerk)).json()
    first = (await client.post(f"/cases/{case['id']}/documents", json={"kind": "application"}, headers=clerk)).json()
    second = (await client.post(f"/cases/{case['id']}/documents", json={"kind": "application"}, headers=clerk)).json()
    assert (first["version"], second["version"]) == (1, 2)
    listed = (await client.get(f"/cases/{case['id']}/documents", headers=clerk)).json()
    assert {d["id"] for d in listed} == {first["id"], second["id"]}
    again = await client.get(f"/documents/{first['id']}/content", headers=clerk)
    assert hashlib.sha256(again.content).hexdigest() == first["sha256"]
    text = pdf_text(again.content, tmp_path)
    if text is not None:
        assert "12000.00" in text and "拖欠工资" in text
    r = await client.post(f"/cases/{case['id']}/documents", json={"kind": "agreement"}, headers=clerk)
    assert r.status_code == 422 and "kind" in r.text
