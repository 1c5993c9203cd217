"""Evidence attachments (证据材料): upload, list, download and the access log, on SQLite and
PostgreSQL, with the files in local storage and in an S3 API server (moto) started by the tests."""

import base64
import hashlib
import io
import uuid
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from factories import case_form
from intake.attachments.models import Attachment
from intake.attachments.service import sniff
from intake.cases.models import PiiAccess
from onewindow_kit.storage import storage_of
from onewindow_kit.testing import s3_settings
from sqlalchemy import func, select

pytestmark = pytest.mark.anyio

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n" + b"0" * 4000
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x01" * 500
EXE = b"MZ\x90\x00" + b"\x00" * 500


def _ooxml(kind: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml" if kind == "docx" else "xl/workbook.xml", "<x/>")
    return buffer.getvalue()


@pytest.fixture
def settings_overrides(request) -> dict:
    """Local files by default; ``indirect`` parametrisation with "s3" puts them in moto's S3."""
    backend = getattr(request, "param", "local")
    if backend == "s3":
        return s3_settings(request.getfixturevalue("s3_endpoint"))
    if isinstance(backend, dict):
        return backend
    return {}


async def _case(client, clerk) -> str:
    response = await client.post("/cases", json=case_form(), headers=clerk)
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def _upload(client, headers, case_id, content, *, name="劳动合同.pdf", evidence_type="labour_contract"):
    return await client.post(
        f"/cases/{case_id}/attachments",
        headers=headers,
        files={"file": (name, content, "application/octet-stream")},
        data={"evidence_type": evidence_type, "description": "2024年签订的书面合同"},
    )


async def _rows(app) -> int:
    async with app.state.db.transaction(read_only=True) as session:
        return (await session.execute(select(func.count()).select_from(Attachment))).scalar_one()


def _local_files(tmp_path: Path) -> list[Path]:
    root = tmp_path / "files"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.mark.parametrize("settings_overrides", ["local", "s3"], indirect=True)
async def test_upload_list_download_and_the_access_log(client, app, test_keys, futian, settings_overrides):
    clerk = test_keys.headers(roles=["clerk"], center_id="futian", name="窗口张")
    case_id = await _case(client, clerk)

    # Named like a photo, but a PDF: the content decides.
    uploaded = await _upload(client, clerk, case_id, PDF, name="合同照片.jpg")
    assert uploaded.status_code == 201, uploaded.text
    body = uploaded.json()
    assert body["detected_type"] == "pdf" and body["content_type"] == "application/pdf"
    assert body["file_name"] == "合同照片.jpg"
    assert body["size"] == len(PDF)
    assert body["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert body["uploaded_by_name"] == "窗口张" and body["evidence_type"] == "labour_contract"
    second = await _upload(client, clerk, case_id, _ooxml("xlsx"), name="工资表.xlsx", evidence_type="pay_slip")
    assert second.status_code == 201 and second.json()["detected_type"] == "xlsx"

    listed = await client.get(f"/cases/{case_id}/attachments", headers=clerk)
    assert listed.status_code == 200
    assert [a["id"] for a in listed.json()] == [body["id"], second.json()["id"]]
    assert listed.json()[0]["uploaded_at"]

    download = await client.get(f"/cases/{case_id}/attachments/{body['id']}/content", headers=clerk)
    assert download.status_code == 200
    assert download.content == PDF
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["repr-digest"] == f"sha-256=:{base64.b64encode(hashlib.sha256(PDF).digest()).decode()}:"
    assert "filename*=UTF-8''%E5%90%88%E5%90%8C" in download.headers["content-disposition"]

    # The bytes are in the storage, not in the database.
    storage = storage_of(app)
    assert storage.backend == (settings_overrides.get("storage_backend") or "local")
    async with app.state.db.transaction(read_only=True) as session:
        row = await session.get(Attachment, body["id"])
    assert row is not None and await storage.exists(row.storage_key)
    assert row.storage_key == f"cases/{case_id}/attachments/{row.id}"

    # Each download is in the personal-data access log, with who and why.
    supervisor = test_keys.headers(roles=["supervisor"], center_id="futian")
    log = await client.get("/pii-access", headers=supervisor)
    assert log.status_code == 200
    reads = [item for item in log.json()["items"] if item["fields"] == f"attachment:{body['id']}"]
    assert len(reads) == 1
    assert reads[0]["purpose"] == "下载证据材料（劳动合同）"


@pytest.mark.parametrize("settings_overrides", ["local", "s3"], indirect=True)
async def test_a_type_not_taken_is_415_naming_the_detected_type_and_leaves_nothing(
    client, app, test_keys, futian, tmp_path, settings_overrides
):
    clerk = test_keys.headers(roles=["clerk"], center_id="futian")
    case_id = await _case(client, clerk)
    for content, detected in ((EXE, "executable"), (b"<html><script>", "text"), (_zip_archive(), "zip")):
        response = await _upload(client, clerk, case_id, content, name="工资条.pdf")
        assert response.status_code == 415, response.text
        problem = response.json()
        assert problem["detected_type"] == detected
        assert problem["errors"][0]["field"] == "file"
        assert detected in problem["errors"][0]["message"]
    assert await _rows(app) == 0
    assert _local_files(tmp_path) == []


def _zip_archive() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    return buffer.getvalue()


@pytest.mark.parametrize("settings_overrides", [{"attachment_max_bytes": 4096}], indirect=True)
async def test_an_oversize_upload_is_413_before_anything_is_stored(client, app, test_keys, futian, tmp_path):
    clerk = test_keys.headers(roles=["clerk"], center_id="futian")
    case_id = await _case(client, clerk)
    # Over the file limit but within the route's body limit: the upload route answers, naming the field.
    response = await _upload(client, clerk, case_id, PDF + b"x" * 1000)
    assert response.status_code == 413
    assert response.json()["errors"][0]["field"] == "file"
    # Far over: the declared Content-Length is refused before the body is read.
    huge = await _upload(client, clerk, case_id, PDF + b"x" * 200_000)
    assert huge.status_code == 413

    # No Content-Length (chunked): counted while streaming and cut off at the limit.
    async def stream():
        yield b'--b\r\nContent-Disposition: form-data; name="evidence_type"\r\n\r\nother\r\n'
        yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n\r\n'
        for _ in range(20):
            yield PDF
        yield b"\r\n--b--\r\n"

    streamed = await client.post(
        f"/cases/{case_id}/attachments",
        headers=clerk | {"content-type": "multipart/form-data; boundary=b"},
        content=stream(),
    )
    assert streamed.status_code == 413
    assert await _rows(app) == 0
    assert _local_files(tmp_path) == []
    # The larger limit is the upload route's alone: other routes keep the service's 1 MiB.
    other = await client.post("/cases", headers=clerk, content=b"{" + b" " * (1024 * 1024 + 10) + b"}")
    assert other.status_code == 413


async def test_another_centres_case_is_404_and_stores_nothing(client, app, test_keys, futian, tmp_path):
    clerk = test_keys.headers(roles=["clerk"], center_id="futian")
    case_id = await _case(client, clerk)
    uploaded = await _upload(client, clerk, case_id, PDF)
    stranger = test_keys.headers(roles=["clerk"], center_id="luohu")
    assert (await _upload(client, stranger, case_id, PNG)).status_code == 404
    assert (await client.get(f"/cases/{case_id}/attachments", headers=stranger)).status_code == 404
    attachment_id = uploaded.json()["id"]
    download = await client.get(f"/cases/{case_id}/attachments/{attachment_id}/content", headers=stranger)
    assert download.status_code == 404
    missing = await client.get(f"/cases/{case_id}/attachments/nope/content", headers=clerk)
    assert missing.status_code == 404
    assert await _rows(app) == 1
    assert len(_local_files(tmp_path)) == 1
    # A mediator not assigned to the case's proceeding: it does not exist for them (like the case file).
    mediator = test_keys.headers(roles=["mediator"], center_id="futian")
    assert (await client.get(f"/cases/{case_id}/attachments", headers=mediator)).status_code == 404


async def test_an_id_copy_downloads_only_for_the_personal_data_roles(client, test_keys, futian):
    clerk = test_keys.headers(roles=["clerk"], center_id="futian")
    case_id = await _case(client, clerk)
    uploaded = await _upload(client, clerk, case_id, PNG, name="身份证.png", evidence_type="id_copy")
    assert uploaded.status_code == 201 and uploaded.json()["sensitive"] is True
    url = f"/cases/{case_id}/attachments/{uploaded.json()['id']}/content"
    admin = test_keys.headers(roles=["admin"])
    assert (await client.get(url, headers=admin)).status_code == 403
    assert (await client.get(url, headers=clerk)).content == PNG


async def test_an_empty_file_and_an_unknown_evidence_type_are_422(client, test_keys, futian):
    clerk = test_keys.headers(roles=["clerk"], center_id="futian")
    case_id = await _case(client, clerk)
    empty = await _upload(client, clerk, case_id, b"")
    assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "file"
    wrong = await _upload(client, clerk, case_id, PDF, evidence_type="selfie")
    assert wrong.status_code == 422


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (PDF[:16], "pdf"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "jpeg"),
        (PNG[:16], "png"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00", "heic"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "webp"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole"),
        (b"hello", "unknown"),
    ],
)
def test_sniffing_reads_the_content(head: bytes, kind: str) -> None:
    assert sniff(head) == kind


async def test_the_proceedings_mediator_lists_and_downloads_logged_and_no_other_mediator(
    client, app, test_keys, futian
):
    clerk = test_keys.headers(roles=["clerk"], center_id="futian")
    case_id = await _case(client, clerk)
    uploaded = await _upload(client, clerk, case_id, PDF)
    assert uploaded.status_code == 201, uploaded.text
    attachment_id = uploaded.json()["id"]
    me = test_keys.headers(roles=["mediator"], center_id="futian", sub="u-med-att1")
    other = test_keys.headers(roles=["mediator"], center_id="futian", sub="u-med-att2")
    listing, content = f"/cases/{case_id}/attachments", f"/cases/{case_id}/attachments/{attachment_id}/content"
    assert (await client.get(listing, headers=me)).status_code == 404  # not assigned yet
    assigned = {
        "id": str(uuid.uuid4()),
        "type": "mediation.proceeding.assigned",
        "occurred_at": datetime.now(UTC).isoformat(),
        "source": "mediation",
        "case_id": case_id,
        "data": {"proceeding_id": "p1", "summary_zh": "", "mediator": {"id": "m1", "user_subject": "u-med-att1"}},
    }
    service = test_keys.headers(roles=["service"], sub="svc-mediation")
    assert (await client.post("/internal/events", json=assigned, headers=service)).json()["status"] == "handled"

    listed = await client.get(listing, headers=me)
    assert listed.status_code == 200 and [a["id"] for a in listed.json()] == [attachment_id]
    download = await client.get(content, headers=me)
    assert download.status_code == 200 and download.content == PDF
    assert (await client.get(listing, headers=other)).status_code == 404
    assert (await client.get(content, headers=other)).status_code == 404
    # A mediator reads; uploading stays with the window.
    assert (await _upload(client, me, case_id, PDF)).status_code == 403
    async with app.state.db.transaction(read_only=True) as session:
        logged = (await session.execute(select(PiiAccess).where(PiiAccess.case_id == case_id))).scalars().all()
    assert [(r.actor, r.fields) for r in logged] == [("u-med-att1", f"attachment:{attachment_id}")]
