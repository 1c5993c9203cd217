"""The parties' portal in intake: phone scopes, online applications through the clerk's queue,
progress in plain words, and the wall between party and staff tokens."""

import base64
import hashlib

import pytest
from factories import applicant, case_form
from onewindow_domain.identifiers import make_credit_code
from onewindow_kit.sms import SmsSettings
from sqlalchemy import select

pytestmark = pytest.mark.anyio


@pytest.fixture
def settings_overrides(request) -> dict:
    return getattr(request, "param", {})


WORKER = "13800130001"  # applicant(1)'s phone
EMPLOYER_CONTACT = "13912345678"
AGENT = "13700137000"
STRANGER = "13600136000"


async def _scope(client, test_keys, phone: str) -> dict:
    response = await client.post(
        "/internal/portal/scope", json={"phone": phone}, headers=test_keys.headers(roles=["service"], sub="gateway")
    )
    assert response.status_code == 200, response.text
    return response.json()


async def _party(client, test_keys, phone: str) -> dict[str, str]:
    scope = await _scope(client, test_keys, phone)
    return test_keys.headers(
        roles=["party"],
        kind="party",
        sub=f"party:{scope['phone_ref'][:16]}",
        center_id=None,
        phone_ref=scope["phone_ref"],
        cases=scope["cases"],
    )


def _application(**over) -> dict:
    form = case_form()
    form.pop("channel")
    return {"center_id": "futian", **form} | over


async def _register(client, test_keys, **over) -> dict:
    form = case_form(**over)
    response = await client.post("/cases", json=form, headers=test_keys.headers(roles=["clerk"]))
    assert response.status_code == 201, response.text
    return response.json()


async def test_a_phone_finds_the_cases_it_is_a_party_of_on_either_side(client, test_keys, futian):
    form = case_form()
    form["respondents"][0]["phone"] = "139 1234 5678"
    form["agents"] = [{"name": "代理人", "kind": "relative", "phone": AGENT}]
    case = (await client.post("/cases", json=form, headers=test_keys.headers(roles=["clerk"]))).json()
    worker, employer, agent, stranger = [
        await _scope(client, test_keys, p) for p in (WORKER, EMPLOYER_CONTACT, AGENT, STRANGER)
    ]
    assert worker["cases"] == [{"case_id": case["id"], "case_no": case["case_no"], "side": "applicant"}]
    assert employer["cases"] == [{"case_id": case["id"], "case_no": case["case_no"], "side": "respondent"}]
    assert agent["cases"][0]["side"] == "applicant"
    assert stranger["cases"] == [] and len(stranger["phone_ref"]) == 64
    assert len({worker["phone_ref"], employer["phone_ref"], agent["phone_ref"], stranger["phone_ref"]}) == 4
    clerk = await client.post(
        "/internal/portal/scope", json={"phone": WORKER}, headers=test_keys.headers(roles=["clerk"])
    )
    assert clerk.status_code == 403


async def test_online_application_is_registered_by_a_clerk_and_followed_by_the_worker(client, test_keys, futian):
    party = await _party(client, test_keys, WORKER)
    submitted = await client.post("/portal/applications", json=_application(), headers=party)
    assert submitted.status_code == 201, submitted.text
    application = submitted.json()
    assert application["status"] == "submitted" and application["phone_masked"] == "138****0001"
    assert application["reference"].startswith("WS")

    clerk = test_keys.headers(roles=["clerk"])
    queue = (await client.get("/applications", params={"status": "submitted"}, headers=clerk)).json()
    assert [a["id"] for a in queue] == [application["id"]]
    other_centre = test_keys.headers(roles=["clerk"], center_id="luohu", sub="clerk-luohu")
    assert (await client.get(f"/applications/{application['id']}", headers=other_centre)).status_code == 404
    detail = (await client.get(f"/applications/{application['id']}", headers=clerk)).json()
    assert detail["submission"]["applicants"][0]["id_number"] == applicant(1)["id_number"]

    registered = await client.post(f"/applications/{application['id']}/register", json={}, headers=clerk)
    assert registered.status_code == 201, registered.text
    case = registered.json()
    assert case["channel"] == "online" and case["applicants"][0]["phone_masked"] == "138****0001"
    again = await client.post(f"/applications/{application['id']}/register", json={}, headers=clerk)
    assert again.status_code == 409

    mine = (await client.get("/portal/applications", headers=party)).json()
    assert [(a["status"], a["case_no"]) for a in mine] == [("registered", case["case_no"])]
    # Signed in again, the phone's scope now holds the case.
    party = await _party(client, test_keys, WORKER)
    cases = (await client.get("/portal/cases", headers=party)).json()
    assert [(c["case_no"], c["side"]) for c in cases] == [(case["case_no"], "applicant")]
    progress = (await client.get(f"/portal/cases/{case['id']}", headers=party)).json()
    assert progress["status_label"] == "已登记受理"
    assert progress["next_step"] and progress["claims"] == ["拖欠工资 12000.00元"]
    assert [m["text"] for m in progress["milestones"]] == ["案件已登记受理"]
    assert "id_number" not in str(progress)


async def test_a_returned_application_shows_its_reason_and_cannot_be_registered(client, test_keys, futian):
    party = await _party(client, test_keys, WORKER)
    application = (await client.post("/portal/applications", json=_application(), headers=party)).json()
    clerk = test_keys.headers(roles=["clerk"])
    returned = await client.post(
        f"/applications/{application['id']}/return", json={"reason": "请补充欠薪月份的工资条"}, headers=clerk
    )
    assert returned.status_code == 200, returned.text
    mine = (await client.get("/portal/applications", headers=party)).json()
    assert [(a["status"], a["return_reason"]) for a in mine] == [("returned", "请补充欠薪月份的工资条")]
    assert (await client.post(f"/applications/{application['id']}/register", json={}, headers=clerk)).status_code == 409
    assert (await client.get("/cases", headers=clerk)).json()["items"] == []  # nothing became a case


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (
            {"respondents": [{"name": "某公司", "credit_code": make_credit_code(seq=7)[:-1] + "0"}]},
            "respondents[0].credit_code",
        ),
        ({"applicants": [applicant(1, phone="13800139999")]}, "applicants[0].phone"),
        ({"applicants": [applicant(1, phone=None)]}, "applicants[0].phone"),
        ({"route": {"route": "arbitration"}}, "route"),
        ({"center_id": "nowhere"}, "center_id"),
    ],
)
async def test_online_application_gets_the_windows_validation(client, test_keys, futian, change, field):
    party = await _party(client, test_keys, WORKER)
    response = await client.post("/portal/applications", json=_application(**change), headers=party)
    assert response.status_code == 422, response.text
    assert any(e["field"].startswith(field) for e in response.json()["errors"]), response.json()
    clerk = test_keys.headers(roles=["clerk"])
    assert (await client.get("/applications", headers=clerk)).json() == []


async def test_party_and_staff_tokens_stay_on_their_own_routes(client, test_keys, futian):
    case_a = await _register(client, test_keys)
    case_b = await _register(client, test_keys, applicants=[applicant(2)])
    party = await _party(client, test_keys, WORKER)
    assert (await client.get(f"/portal/cases/{case_a['id']}", headers=party)).status_code == 200
    hidden = await client.get(f"/portal/cases/{case_b['id']}", headers=party)
    missing = await client.get("/portal/cases/" + "0" * 32, headers=party)
    assert hidden.status_code == missing.status_code == 404 and hidden.json()["detail"] == missing.json()["detail"]
    for method, path in (("GET", "/cases"), ("GET", f"/cases/{case_a['id']}"), ("GET", "/applications")):
        assert (await client.request(method, path, headers=party)).status_code == 403, path
    clerk = test_keys.headers(roles=["clerk"])
    for path in ("/portal/cases", f"/portal/cases/{case_a['id']}", "/portal/applications"):
        assert (await client.get(path, headers=clerk)).status_code == 403, path
    assert (await client.post("/portal/applications", json=_application(), headers=clerk)).status_code == 403


async def test_phone_hashes_of_parties_registered_before_the_portal_are_backfilled(app, client, test_keys, futian):
    from intake.cases.models import CaseParty
    from intake.portal.backfill import backfill_phone_hashes
    from sqlalchemy import update

    form = case_form()
    form["respondents"][0]["phone"] = "0755-88889999"  # a landline: stored, never hashed
    case = await _register(client, test_keys, respondents=form["respondents"])
    async with app.state.db.transaction() as session:  # as a party from before 0008_i19_portal
        await session.execute(update(CaseParty).where(CaseParty.case_id == case["id"]).values(phone_hash=None))
    assert (await _scope(client, test_keys, WORKER))["cases"] == []

    first = await backfill_phone_hashes(db=app.state.db, cipher=app.state.cipher, batch=1)
    assert (first.filled, first.skipped) == (1, 1)  # the worker; the employer's landline stays unhashed
    scope = await _scope(client, test_keys, WORKER)
    assert scope["cases"] == [{"case_id": case["id"], "case_no": case["case_no"], "side": "applicant"}]
    async with app.state.db.transaction(read_only=True) as session:
        worker = (
            await session.execute(
                select(CaseParty).where(CaseParty.case_id == case["id"], CaseParty.role == "applicant")
            )
        ).scalar_one()
    assert worker.phone_hash == scope["phone_ref"] and WORKER not in worker.phone_hash

    again = await backfill_phone_hashes(db=app.state.db, cipher=app.state.cipher)
    assert again.filled == 0  # idempotent: nothing left to fill
    assert (await _scope(client, test_keys, WORKER))["cases"] == scope["cases"]


async def _drain_sms(app) -> None:
    for _ in range(3):
        await app.state.sms_notices.run_once()


# The sender's own per-number safety net (1 a minute) is the kit's to test; here each event speaks.
@pytest.mark.parametrize(
    "settings_overrides", [{"sms": SmsSettings(per_number_per_minute=10, per_number_per_hour=10)}], indirect=True
)
async def test_an_application_texts_its_applicant_once_per_event(app, client, test_keys, futian):
    """Received, returned (pointing to the reason, not quoting it) and registered (with the case
    number): exactly one message per event, to the applicant's phone, with no personal number."""
    sent = app.state.sms_sender.provider
    party = await _party(client, test_keys, WORKER)
    clerk = test_keys.headers(roles=["clerk"])
    first = (await client.post("/portal/applications", json=_application(), headers=party)).json()
    await _drain_sms(app)
    assert [(m.template, m.variables) for m in sent.sent_to(WORKER)] == [
        ("application_received", {"reference": first["reference"]})
    ]
    reason = "请补充工资条，联系人李某"  # a clerk's free text: it stays in the portal
    for _ in range(2):  # a second click is refused and queues nothing more
        await client.post(f"/applications/{first['id']}/return", json={"reason": reason}, headers=clerk)
    await _drain_sms(app)
    returned = sent.sent_to(WORKER)[1:]
    assert [(m.template, m.variables) for m in returned] == [
        ("application_returned", {"reference": first["reference"]})
    ]
    assert "退回原因" in returned[0].text and "李某" not in returned[0].text

    second = (await client.post("/portal/applications", json=_application(), headers=party)).json()
    registered = await client.post(f"/applications/{second['id']}/register", json={}, headers=clerk)
    assert registered.status_code == 201, registered.text
    await client.post(f"/applications/{second['id']}/register", json={}, headers=clerk)  # 409
    await _drain_sms(app)
    later = sent.sent_to(WORKER)[2:]
    case_no = registered.json()["case_no"]
    # Received for the second application, then one registration message — not also the window's 受理通知.
    assert [(m.template, m.variables) for m in later] == [
        ("application_received", {"reference": second["reference"]}),
        ("application_registered", {"case_number": case_no}),
    ]
    assert case_no in later[1].text and "查询办理进度" in later[1].text
    texts = " ".join(m.text for m in sent.messages)
    assert WORKER not in texts and applicant(1)["id_number"] not in texts
    assert len(sent.messages) == 4


async def test_a_party_reads_and_downloads_the_documents_meant_for_it_and_no_others(client, test_keys, futian):
    clerk = test_keys.headers(roles=["clerk"])
    mine = await _register(client, test_keys)
    theirs = await _register(client, test_keys, applicants=[applicant(2)])
    made = {}
    for case in (mine, theirs):
        for kind in ("receipt", "receipt", "application"):  # the receipt twice: only the newest shows
            r = await client.post(f"/cases/{case['id']}/documents", json={"kind": kind}, headers=clerk)
            assert r.status_code == 201, r.text
            made[(case["id"], kind)] = r.json()
    worker = await _party(client, test_keys, WORKER)
    listed = await client.get(f"/portal/cases/{mine['id']}/documents", headers=worker)
    assert listed.status_code == 200, listed.text
    receipt = made[(mine["id"], "receipt")]
    assert [(d["id"], d["kind"], d["version"]) for d in listed.json()] == [(receipt["id"], "receipt", 2)]
    pdf = await client.get(listed.json()[0]["download_path"].removeprefix("/api/intake"), headers=worker)
    assert (
        pdf.status_code == 200
        and pdf.content.startswith(b"%PDF")
        and pdf.headers["x-content-sha256"] == (receipt["sha256"])
    )
    # Another case's documents, and this case's staff-only papers, answer as if they did not exist.
    assert (await client.get(f"/portal/cases/{theirs['id']}/documents", headers=worker)).status_code == 404
    for doc in (made[(theirs["id"], "receipt")], made[(mine["id"], "application")]):
        assert (await client.get(f"/portal/documents/{doc['id']}/content", headers=worker)).status_code == 404
    assert (await client.get("/portal/documents/nothing/content", headers=worker)).status_code == 404
    # A staff token does not open the party's route, nor a party token the staff one.
    assert (await client.get(f"/portal/cases/{mine['id']}/documents", headers=clerk)).status_code == 403
    assert (await client.get(f"/documents/{receipt['id']}/content", headers=worker)).status_code == 403


async def test_files_attached_online_are_checked_seen_by_the_clerk_and_become_the_cases(client, test_keys, futian):
    party = await _party(client, test_keys, WORKER)
    application = (await client.post("/portal/applications", json=_application(), headers=party)).json()
    url = f"/portal/applications/{application['id']}/attachments"
    scan = b"%PDF-1.7\n" + b"0" * 300
    up = await client.post(
        url, files={"file": ("工资条.pdf", scan, "application/pdf")}, data={"evidence_type": "pay_slip"}, headers=party
    )
    assert up.status_code == 201, up.text
    assert up.json()["detected_type"] == "pdf" and up.json()["size"] == len(scan)
    # The window's checks: type from the content, whatever the name says.
    fake = await client.post(
        url,
        files={"file": ("照片.jpg", b"MZ\x90\x00" * 20, "image/jpeg")},
        data={"evidence_type": "other"},
        headers=party,
    )
    assert fake.status_code == 415 and fake.json()["detected_type"] == "executable"
    # Someone else's application is not there for another phone.
    other = await _party(client, test_keys, STRANGER)
    theirs = await client.post(
        url, files={"file": ("a.pdf", scan, "application/pdf")}, data={"evidence_type": "other"}, headers=other
    )
    assert theirs.status_code == 404

    clerk = test_keys.headers(roles=["clerk"])
    detail = (await client.get(f"/applications/{application['id']}", headers=clerk)).json()
    assert [(f["file_name"], f["evidence_type"]) for f in detail["attachments"]] == [("工资条.pdf", "pay_slip")]
    got = await client.get(detail["attachments"][0]["download_path"].removeprefix("/api/intake"), headers=clerk)
    assert got.status_code == 200 and got.content == scan
    # Served like the window's evidence: its digest (RFC 9530), never sniffed or cached.
    assert got.headers["repr-digest"] == f"sha-256=:{base64.b64encode(hashlib.sha256(scan).digest()).decode()}:"
    assert got.headers["x-content-type-options"] == "nosniff" and got.headers["cache-control"] == "private, no-store"

    registered = (await client.post(f"/applications/{application['id']}/register", json={}, headers=clerk)).json()
    files = (await client.get(f"/cases/{registered['id']}/attachments", headers=clerk)).json()
    assert [(f["file_name"], f["sha256"], f["uploaded_by_name"]) for f in files] == [
        ("工资条.pdf", up.json()["sha256"], "申请人（网上申请）")
    ]
    content = await client.get(f"/cases/{registered['id']}/attachments/{files[0]['id']}/content", headers=clerk)
    assert content.status_code == 200 and content.content == scan
    # Decided: no more files.
    late = await client.post(
        url, files={"file": ("b.pdf", scan, "application/pdf")}, data={"evidence_type": "other"}, headers=party
    )
    assert late.status_code == 409
