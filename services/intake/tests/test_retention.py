"""Retention (DOMAIN.md §9): the dry run lists exactly the closed case files past their period
(5 years mediated, 10 years when the case went on to arbitration or a court); anonymising removes
the personal data and the file leaves the plan; supervisors read their centre's access log."""

from datetime import UTC, date, datetime

import pytest
from factories import applicant, case_form
from intake.attachments.models import Attachment
from intake.cases.models import CaseFile, CaseParty, TimelineEntry
from intake.documents.models import CaseDocument
from intake.retention import service
from onewindow_kit.storage import storage_of
from sqlalchemy import select, update

pytestmark = pytest.mark.anyio

TODAY = "2026-12-01"


async def _case(client, clerk, i: int) -> dict:
    response = await client.post("/cases", json=case_form(applicants=[applicant(i)]), headers=clerk)
    assert response.status_code == 201, response.text
    return response.json()


async def _close(app, case_id: str, closed: datetime | None, *, onward: str | None = None) -> None:
    async with app.state.db.transaction() as session:
        if closed is not None:
            await session.execute(
                update(CaseFile).where(CaseFile.id == case_id).values(status="closed", closed_at=closed)
            )
        if onward:
            session.add(TimelineEntry(case_id=case_id, source="arbitration-bridge", kind=onward, summary="移交仲裁"))


async def test_the_dry_run_lists_exactly_the_cases_past_retention(client, app, test_keys, futian):
    clerk = test_keys.headers(roles=["clerk"], center_id="futian")
    supervisor = test_keys.headers(roles=["supervisor"], center_id="futian")
    cases = {name: await _case(client, clerk, i) for i, name in enumerate("ABCDEF", start=1)}
    # China dates of closing: 10:00 in Beijing is 02:00 UTC on the same day.
    await _close(app, cases["A"]["id"], datetime(2020, 6, 30, 2, tzinfo=UTC))  # mediated, due 2025-06-30
    await _close(app, cases["B"]["id"], datetime(2021, 12, 2, 2, tzinfo=UTC))  # mediated, due tomorrow
    await _close(app, cases["C"]["id"], datetime(2021, 12, 1, 2, tzinfo=UTC))  # mediated, due today
    await _close(app, cases["D"]["id"], datetime(2020, 1, 1, 2, tzinfo=UTC), onward="arbitration.transfer.accepted")
    await _close(app, cases["E"]["id"], datetime(2016, 11, 30, 2, tzinfo=UTC), onward="arbitration.transfer.accepted")
    await _close(app, cases["F"]["id"], None)  # still open
    # 23:30 UTC on 2021-11-30 is already 1 December in Beijing: due today, by the China date.
    late = await _case(client, clerk, 7)
    await _close(app, late["id"], datetime(2021, 11, 30, 23, 30, tzinfo=UTC))

    response = await client.get("/retention/plan", params={"today": TODAY}, headers=supervisor)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["applied"] is False and (report["mediated_years"], report["awarded_years"]) == (5, 10)
    listed = {c["case_id"]: c for c in report["cases"]}
    expected = {cases["A"]["id"], cases["C"]["id"], cases["E"]["id"], late["id"]}
    assert set(listed) == expected
    assert listed[cases["E"]["id"]]["retention_class"] == "awarded"
    assert listed[cases["E"]["id"]]["due_on"] == "2026-11-30"
    assert listed[cases["C"]["id"]]["due_on"] == TODAY and listed[late["id"]]["closed_on"] == "2021-12-01"
    # The dry run changed nothing.
    again = await client.get(f"/cases/{cases['A']['id']}", headers=clerk)
    assert again.json()["applicants"][0]["name"] == applicant(1)["name"]

    # Applying it anonymises exactly those and leaves the others alone.
    async with app.state.db.transaction() as session:
        due = await service.plan(session=session, today=date(2026, 12, 1), mediated_years=5, awarded_years=10)
        assert await service.anonymise(session=session, cases=due) == 4
    async with app.state.db.transaction(read_only=True) as session:
        parties = (await session.execute(select(CaseParty).where(CaseParty.role == "applicant"))).scalars().all()
    by_case = {p.case_id: p for p in parties}
    for case_id in expected:
        party = by_case[case_id]
        assert party.name == service.ANONYMISED_NAME
        assert party.id_number_enc is None and party.id_number_hash is None and party.phone_enc is None
        assert party.birth_on is None and party.address is None
    assert by_case[cases["B"]["id"]].name == applicant(2)["name"] and by_case[cases["B"]["id"]].id_number_enc
    after = (await client.get("/retention/plan", params={"today": TODAY}, headers=supervisor)).json()
    assert after["cases"] == []


async def test_the_plan_is_for_supervisors_and_admins_of_the_centre(client, app, test_keys, futian):
    clerk = test_keys.headers(roles=["clerk"], center_id="futian")
    case = await _case(client, clerk, 1)
    await _close(app, case["id"], datetime(2015, 1, 1, 2, tzinfo=UTC))
    assert (await client.get("/retention/plan", headers=clerk)).status_code == 403
    luohu = test_keys.headers(roles=["supervisor"], center_id="luohu")
    assert (await client.get("/retention/plan", headers=luohu)).json()["cases"] == []
    admin = test_keys.headers(roles=["admin"])
    assert [c["case_id"] for c in (await client.get("/retention/plan", headers=admin)).json()["cases"]] == [case["id"]]
    bad = await client.get("/retention/plan", params={"today": "9999-01-01"}, headers=admin)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "today"


async def test_supervisors_read_their_centres_personal_data_access_log(client, test_keys, futian):
    clerk = test_keys.headers(roles=["clerk"], center_id="futian", sub="clerk-wang")
    case = await _case(client, clerk, 1)
    assert (
        await client.get(f"/cases/{case['id']}/pii", params={"purpose": "核对身份"}, headers=clerk)
    ).status_code == 200
    supervisor = test_keys.headers(roles=["supervisor"], center_id="futian")
    page = (await client.get("/pii-access", headers=supervisor)).json()
    [entry] = page["items"]
    assert entry["case_no"] == case["case_no"] and entry["actor"] == "clerk-wang" and entry["purpose"] == "核对身份"
    assert page["next_cursor"] is None
    luohu = test_keys.headers(roles=["supervisor"], center_id="luohu")
    assert (await client.get("/pii-access", headers=luohu)).json()["items"] == []
    assert (await client.get("/pii-access", headers=clerk)).status_code == 403


PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n" + b"0" * 2000


async def _papers(client, clerk, case_id: str) -> dict:
    """An evidence attachment and a generated 受理回执 of the case: two stored files."""
    uploaded = await client.post(
        f"/cases/{case_id}/attachments",
        files={"file": ("身份证复印件.pdf", PDF, "application/pdf")},
        data={"evidence_type": "id_copy", "description": "张三身份证"},
        headers=clerk,
    )
    assert uploaded.status_code == 201, uploaded.text
    receipt = await client.post(f"/cases/{case_id}/documents", json={"kind": "receipt"}, headers=clerk)
    assert receipt.status_code == 201, receipt.text
    return {"attachment": uploaded.json()["id"], "document": receipt.json()["id"]}


async def test_anonymising_deletes_the_stored_files_of_documents_and_attachments(client, app, test_keys, futian):
    clerk = test_keys.headers(roles=["clerk", "supervisor"], center_id="futian")
    purged, kept = await _case(client, clerk, 1), await _case(client, clerk, 2)
    papers = {c["id"]: await _papers(client, clerk, c["id"]) for c in (purged, kept)}
    await _close(app, purged["id"], datetime(2020, 6, 30, 2, tzinfo=UTC))
    await _close(app, kept["id"], datetime(2025, 6, 30, 2, tzinfo=UTC))  # not due before 2030
    storage = storage_of(app)

    async def keys(case_id: str) -> list[str]:
        async with app.state.db.transaction(read_only=True) as session:
            doc = await session.get(CaseDocument, papers[case_id]["document"])
            att = await session.get(Attachment, papers[case_id]["attachment"])
        assert doc is not None and att is not None
        return [doc.storage_key, att.storage_key]

    for case_id in papers:
        assert all([await storage.exists(k) for k in await keys(case_id)])

    async with app.state.db.transaction() as session:
        due = await service.plan(session=session, today=date(2026, 12, 1), mediated_years=5, awarded_years=10)
        assert [d.case_id for d in due] == [purged["id"]]
        assert await service.anonymise(session=session, cases=due, storage=storage) == 1

    assert not any([await storage.exists(k) for k in await keys(purged["id"])])
    assert all([await storage.exists(k) for k in await keys(kept["id"])])
    async with app.state.db.transaction(read_only=True) as session:
        doc = await session.get(CaseDocument, papers[purged["id"]]["document"])
        att = await session.get(Attachment, papers[purged["id"]]["attachment"])
        other = await session.get(CaseDocument, papers[kept["id"]]["document"])
    assert doc is not None and doc.data == service.ANONYMISED_DATA and doc.sha256  # the index row stays
    assert att is not None and att.file_name == service.ANONYMISED_NAME and att.description is None
    assert other is not None and other.data["applicants"][0]["name"] == applicant(2)["name"]
    # Downloading a purged file is a 404, not a 500; the kept case's still downloads.
    gone = await client.get(f"/documents/{papers[purged['id']]['document']}/content", headers=clerk)
    assert gone.status_code == 404
    still = await client.get(f"/documents/{papers[kept['id']]['document']}/content", headers=clerk)
    assert still.status_code == 200 and still.content.startswith(b"%PDF")


async def test_the_plan_sends_no_list_of_case_ids_to_the_database(client, app, test_keys, futian):
    """At a million cases the old plan sent every closed case's id back as parameters of one
    statement (more than the driver's 32,767) and the job failed on every pass: the parameters of
    its statements must not grow with the number of closed case files."""
    from sqlalchemy import event

    clerk = test_keys.headers(roles=["clerk"], center_id="futian")
    for i in range(1, 13):
        case = await _case(client, clerk, i)
        onward = "court.referral.accepted" if i % 4 == 0 else None
        await _close(app, case["id"], datetime(2019, 3, i, 2, tzinfo=UTC), onward=onward)
    recent = await _case(client, clerk, 13)
    await _close(app, recent["id"], datetime(2026, 3, 1, 2, tzinfo=UTC))  # not due for years
    parameters: list[int] = []

    def count(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        parameters.append(len(params or ()))

    engine = app.state.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        async with app.state.db.transaction(read_only=True) as session:
            due = await service.plan(session=session, today=date(2026, 12, 1), mediated_years=5, awarded_years=10)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    # Mediated cases of March 2019 are due (2024); the three that went to court keep 10 years.
    assert len(due) == 9 and {d.retention_class for d in due} == {"mediated"}
    assert parameters and max(parameters) <= 8, parameters


async def test_the_worker_anonymises_in_batches_until_nothing_is_due(client, app, test_keys, futian, monkeypatch):
    clerk = test_keys.headers(roles=["clerk"], center_id="futian")
    for i in range(1, 6):
        case = await _case(client, clerk, i)
        await _close(app, case["id"], datetime(2019, 3, i, 2, tzinfo=UTC))
    monkeypatch.setattr(service, "RETENTION_BATCH", 2)
    batches: list[int] = []
    anonymise = service.anonymise

    async def counting(**kw):  # type: ignore[no-untyped-def]
        batches.append(len(kw["cases"]))
        return await anonymise(**kw)

    monkeypatch.setattr(service, "anonymise", counting)
    worker = service.RetentionWorker(db=app.state.db, mediated_years=5, awarded_years=10, apply=True, interval=3600)
    await worker.run_once()
    assert batches == [2, 2, 1]
    async with app.state.db.transaction(read_only=True) as session:
        assert await service.plan(session=session, today=date(2026, 12, 1), mediated_years=5, awarded_years=10) == []
