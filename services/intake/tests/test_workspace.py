"""The staff workspace (issue 18): mediators read their own cases, a clerk corrects and merges,
the flag for a worker with an open case, search as people type, and the .xlsx exports."""

import io
from datetime import date

import pytest
from factories import applicant, case_form, mediation_event
from intake.cases.models import PiiAccess
from intake.exports.models import ExportLog
from onewindow_domain import make_id_number
from onewindow_kit.dependencies import database_of
from onewindow_kit.events.models import OutboxEvent
from openpyxl import load_workbook
from sqlalchemy import select

pytestmark = pytest.mark.anyio


def _event(case_id: str, type_: str, **data) -> dict:
    return mediation_event(case_id, type_, summary_zh="", **data)


async def _register(client, headers, **over) -> dict:
    response = await client.post("/cases", json=case_form(**over), headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def test_the_assigned_mediator_reads_their_case_and_its_personal_data_logged_and_no_other(
    client, test_keys, futian, app
):
    clerk = test_keys.headers(roles=["clerk"], center_id="futian")
    service = test_keys.headers(roles=["service"], sub="svc-mediation")
    mine = await _register(client, clerk)
    theirs = await _register(client, clerk, applicants=[applicant(5)])
    me = test_keys.headers(roles=["mediator"], center_id="futian", sub="u-med1")
    other = test_keys.headers(roles=["mediator"], center_id="futian", sub="u-med2")
    assert (await client.get(f"/cases/{mine['id']}", headers=me)).status_code == 404
    assigned = _event(mine["id"], "mediation.proceeding.assigned", mediator={"id": "m1", "user_subject": "u-med1"})
    assert (await client.post("/internal/events", json=assigned, headers=service)).json()["status"] == "handled"
    other_assigned = _event(
        theirs["id"], "mediation.proceeding.assigned", mediator={"id": "m2", "user_subject": "u-med2"}
    )
    await client.post("/internal/events", json=other_assigned, headers=service)

    seen = await client.get(f"/cases/{mine['id']}", headers=me)
    assert seen.status_code == 200, seen.text
    assert seen.json()["applicants"][0]["name"] == "工人1"
    assert seen.json()["applicants"][0]["phone_masked"] == "138****0001"
    assert seen.json()["facts"].startswith("申请人")
    assert (await client.get(f"/cases/{theirs['id']}", headers=me)).status_code == 404
    assert (await client.get(f"/cases/{mine['id']}", headers=other)).status_code == 404
    pii = await client.get(f"/cases/{mine['id']}/pii", params={"purpose": "调解联系当事人"}, headers=me)
    assert pii.status_code == 200 and pii.json()[0]["phone"] == "13800130001"
    async with database_of(app).transaction(read_only=True) as session:
        logged = (await session.execute(select(PiiAccess).where(PiiAccess.case_id == mine["id"]))).scalars().all()
    assert [(r.actor, r.purpose) for r in logged] == [("u-med1", "调解联系当事人")]
    # Mediators read; they neither change cases nor use the desk.
    assert (await client.get("/cases", headers=me)).status_code == 403
    corrected = await client.patch(
        f"/cases/{mine['id']}", json={"reason": "核对", "facts": "x"}, headers=me | {"If-Match": '"1"'}
    )
    assert corrected.status_code == 403
    # Reassignment moves the grant to the new mediator.
    reassigned = _event(mine["id"], "mediation.proceeding.assigned", mediator={"id": "m2", "user_subject": "u-med2"})
    await client.post("/internal/events", json=reassigned, headers=service)
    assert (await client.get(f"/cases/{mine['id']}", headers=me)).status_code == 404
    assert (await client.get(f"/cases/{mine['id']}", headers=other)).status_code == 200
    # A panel member reads it too (by login name).
    panelist = test_keys.headers(roles=["mediator"], center_id="futian", sub="u-med3", preferred_username="wang")
    panel = _event(mine["id"], "mediation.proceeding.panel_set", members=[{"mediator_id": "m3", "username": "wang"}])
    assert (await client.post("/internal/events", json=panel, headers=service)).json()["status"] == "handled"
    assert (await client.get(f"/cases/{mine['id']}/timeline", headers=panelist)).status_code == 200


async def test_a_correction_needs_if_match_lands_on_the_timeline_masked_and_tells_mediation(
    client, test_keys, futian, app
):
    clerk = test_keys.headers(roles=["clerk"], center_id="futian")
    case = await _register(client, clerk)
    party = case["applicants"][0]
    body = {
        "reason": "窗口录入错误",
        "claims": [{"position": 0, "amount": "13500.00"}],
        "parties": [
            {"party_id": party["id"], "name": "工人一", "id_number": applicant(9)["id_number"], "phone": "13900000009"}
        ],
    }
    assert (await client.patch(f"/cases/{case['id']}", json=body, headers=clerk)).status_code == 428
    stale = await client.patch(f"/cases/{case['id']}", json=body, headers=clerk | {"If-Match": '"7"'})
    assert stale.status_code == 412
    done = await client.patch(f"/cases/{case['id']}", json=body, headers=clerk | {"If-Match": f'"{case["version"]}"'})
    assert done.status_code == 200, done.text
    after = done.json()
    assert after["total_claimed"] == "13500.00" and after["version"] == case["version"] + 1
    assert after["applicants"][0]["name"] == "工人一"
    assert done.headers["ETag"] == f'"{after["version"]}"'
    [entry] = [
        e
        for e in (await client.get(f"/cases/{case['id']}/timeline", headers=clerk)).json()
        if e["kind"] == "case.corrected"
    ]
    assert "12000.00→13500.00" in entry["summary"] and "工人1→工人一" in entry["summary"]
    assert "窗口录入错误" in entry["summary"]
    for number in (applicant(1)["id_number"], applicant(9)["id_number"], "13900000009", "13800130001"):
        assert number not in str(entry), "a personal number reached the timeline"
    assert "139****0009" in entry["summary"]
    # The event for mediation and the bridges carries the new amount and no personal data.
    async with database_of(app).transaction(read_only=True) as session:
        events = (
            (await session.execute(select(OutboxEvent).where(OutboxEvent.type == "intake.case.corrected")))
            .scalars()
            .all()
        )
    [event] = events
    assert event.data["total_claimed"] in ("13500.00", "13500")
    assert "13900000009" not in str(event.data)
    # Nothing different: 422 naming the field; an unknown party: 422 naming it; nothing half-written.
    same = await client.patch(
        f"/cases/{case['id']}",
        json={"reason": "再次", "facts": after["facts"]},
        headers=clerk | {"If-Match": done.headers["ETag"]},
    )
    assert same.status_code == 422
    wrong = await client.patch(
        f"/cases/{case['id']}",
        json={"reason": "录入有误", "facts": "新的事实", "parties": [{"party_id": "nope", "name": "某"}]},
        headers=clerk | {"If-Match": done.headers["ETag"]},
    )
    assert wrong.status_code == 422 and "parties[0].party_id" in wrong.text
    assert (await client.get(f"/cases/{case['id']}", headers=clerk)).json()["facts"] == after["facts"]


async def test_linked_complaints_merge_into_one_collective_case_and_the_merge_is_undone(client, test_keys, futian):
    clerk = test_keys.headers(roles=["clerk"], center_id="futian")
    first = await _register(client, clerk, applicants=[applicant(i) for i in range(1, 7)])
    second = await _register(client, clerk, applicants=[applicant(i) for i in range(7, 12)])
    assert not first["collective"] and first["worker_count"] == 6
    merged = await client.post(
        f"/cases/{first['id']}/merges",
        json={"case_ids": [second["id"]], "reason": "同一用人单位欠薪"},
        headers=clerk | {"If-Match": f'"{first["version"]}"'},
    )
    assert merged.status_code == 201, merged.text
    target = (await client.get(f"/cases/{first['id']}", headers=clerk)).json()
    assert target["worker_count"] == 11 and target["collective"] is True
    assert [a["name"] for a in target["applicants"]] == [f"工人{i}" for i in range(1, 12)]
    assert len(target["claims"]) == 2 and target["total_claimed"] == "24000.00"
    assert target["risk_grade"] in ("yellow", "red")
    source = (await client.get(f"/cases/{second['id']}", headers=clerk)).json()
    assert source["status"] == "closed" and source["close_reason"] == "merged" and source["applicants"] == []
    kinds = [e["kind"] for e in (await client.get(f"/cases/{first['id']}/timeline", headers=clerk)).json()]
    assert "case.merged" in kinds
    # A case not linked to it (another employer) is refused, naming the field.
    other = await _register(
        client,
        clerk,
        applicants=[applicant(20)],
        respondents=[{"name": "另一家公司", "credit_code": "91440300MA5FXXXX1Y"}],
    )
    refused = await client.post(
        f"/cases/{first['id']}/merges",
        json={"case_ids": [other["id"]], "reason": "误并"},
        headers=clerk | {"If-Match": f'"{target["version"]}"'},
    )
    assert refused.status_code in (422,), refused.text

    undone = await client.post(
        f"/cases/{first['id']}/merges/{merged.json()['id']}/undo",
        json={"reason": "并案有误"},
        headers=clerk | {"If-Match": f'"{target["version"]}"'},
    )
    assert undone.status_code == 200, undone.text
    back = (await client.get(f"/cases/{first['id']}", headers=clerk)).json()
    assert back["worker_count"] == 6 and not back["collective"] and back["total_claimed"] == "12000.00"
    again = (await client.get(f"/cases/{second['id']}", headers=clerk)).json()
    assert again["status"] == "registered" and [a["name"] for a in again["applicants"]] == [
        f"工人{i}" for i in range(7, 12)
    ]
    # Once mediation started (routed), a merge is refused.
    routed = await client.post(
        f"/cases/{first['id']}/route", json={"route": "mediation"}, headers=clerk | {"If-Match": f'"{back["version"]}"'}
    )
    assert routed.status_code == 200, routed.text
    late = await client.post(
        f"/cases/{first['id']}/merges",
        json={"case_ids": [second["id"]], "reason": "再并"},
        headers=clerk | {"If-Match": f'"{routed.json()["version"]}"'},
    )
    assert late.status_code == 409


async def test_a_worker_with_an_open_case_is_flagged_in_the_preview(client, test_keys, futian):
    clerk = test_keys.headers(roles=["clerk"], center_id="futian")
    first = await _register(client, clerk)
    preview = await client.post("/cases/triage", json=case_form(workers=2), headers=clerk)
    assert preview.status_code == 200
    [hit] = preview.json()["open_cases_of_applicants"]
    assert hit["applicant_index"] == 0 and hit["case_no"] == first["case_no"] and hit["status_label"]
    fresh = await client.post("/cases/triage", json=case_form(applicants=[applicant(30)]), headers=clerk)
    assert fresh.json()["open_cases_of_applicants"] == []


async def test_id_number_plausibility_comes_back_from_the_preview_as_warnings_by_field(client, test_keys, futian):
    """Issue 18: area code 000000 and a worker under 16 on the day they knew are warnings (in Chinese,
    named by field like the errors), not errors; registration still goes through."""
    clerk = test_keys.headers(roles=["clerk"], center_id="futian")
    form = case_form(
        applicants=[
            applicant(1),
            applicant(2, id_number=make_id_number(region="000000", birth=date(1990, 1, 2), seq=2)),
            applicant(3, id_number=make_id_number(birth=date(2010, 10, 20), seq=3)),
        ],
        knew_on="2026-10-10",
    )
    preview = await client.post("/cases/triage", json=form, headers=clerk)
    assert preview.status_code == 200, preview.text
    warnings = preview.json()["field_warnings"]
    assert [w["field"] for w in warnings] == ["applicants[1].id_number", "applicants[2].id_number"]
    assert "行政区划代码000000不存在" in warnings[0]["message"]
    assert warnings[1]["message"].startswith("按号码计算本人于2026-10-10时15周岁，未满16周岁")
    # No personal number in the warning text.
    assert not any(a["id_number"] in w["message"] for a in form["applicants"] for w in warnings)
    assert (await client.post("/cases", json=form, headers=clerk)).status_code == 201
    plain = await client.post("/cases/triage", json=case_form(applicants=[applicant(40)]), headers=clerk)
    assert plain.json()["field_warnings"] == []


async def test_search_as_people_type_finds_fragments_prefixes_and_the_matched_worker(client, test_keys, futian):
    clerk = test_keys.headers(roles=["clerk"], center_id="futian")
    await _register(client, clerk)
    second = await _register(client, clerk, applicants=[applicant(2, name="陈志强"), applicant(3, name="李四")])
    year = second["case_no"][second["case_no"].index("〔") + 1 :][:4]
    for params in ({"q": "00002"}, {"q": f"{year} 2"}, {"case_no": "2"}, {"q": "陈志"}, {"applicant_name": "陈"}):
        items = (await client.get("/cases", params=params, headers=clerk)).json()["items"]
        assert [i["case_no"] for i in items] == [second["case_no"]], params
    [hit] = (await client.get("/cases", params={"q": "陈志"}, headers=clerk)).json()["items"]
    assert hit["matched"]["name"] == "陈志强" and hit["matched"]["matched_on"] == "applicant_name"
    by_employer = (await client.get("/cases", params={"q": "某某电子"}, headers=clerk)).json()["items"]
    assert len(by_employer) == 2
    assert (await client.get("/cases", params={"q": "志强"}, headers=clerk)).json()["items"] == []
    # A name with a digit in it is not a sequence number: "陈志2" finds no case, not case 2.
    assert (await client.get("/cases", params={"q": "陈志2"}, headers=clerk)).json()["items"] == []
    assert [
        i["case_no"]
        for i in (await client.get("/cases", params={"q": "〔" + year + "〕2号"}, headers=clerk)).json()["items"]
    ] == [second["case_no"]]
    # An ID-number hit shows THAT worker's masked ID, not the first applicant's.
    found = await client.post("/cases/search", json={"id_number": applicant(3)["id_number"]}, headers=clerk)
    [row] = found.json()["items"]
    assert row["matched"]["name"] == "李四"
    assert row["matched"]["id_number_masked"] == row["applicant_id_numbers"][1]
    assert (await client.get("/cases", params={"q": "%"}, headers=clerk)).json()["items"] == []
    huge = await client.get("/cases", params={"q": "2026 " + "9" * 30, "case_no": "1" * 40}, headers=clerk)
    assert huge.status_code == 200 and huge.json()["items"] == []


async def test_exports_open_with_the_library_hold_the_filtered_rows_mask_and_are_logged(client, test_keys, futian, app):
    clerk = test_keys.headers(roles=["clerk"], center_id="futian")
    await _register(client, clerk)
    red = await _register(client, clerk, applicants=[applicant(4, name="陈志强")], signals={"employer_absconded": True})
    response = await client.get("/exports/cases.xlsx", params={"risk_grade": "red"}, headers=clerk)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "案件编号" and [r[0] for r in rows[1:]] == [red["case_no"]]
    assert rows[1][7] == "陈志强" and rows[1][8] == red["applicants"][0]["id_number_masked"]
    assert applicant(4)["id_number"] not in str(rows)
    # Full numbers only with a purpose, for a role that sees personal data.
    assert (await client.get("/exports/cases.xlsx", params={"reveal": "true"}, headers=clerk)).status_code == 422
    full = await client.get("/exports/cases.xlsx", params={"reveal": "true", "purpose": "报送仲裁院"}, headers=clerk)
    assert applicant(4)["id_number"] in str(
        list(load_workbook(io.BytesIO(full.content)).active.iter_rows(values_only=True))
    )
    stats = await client.get("/exports/stats.xlsx", headers=test_keys.headers(roles=["supervisor"], center_id="futian"))
    assert stats.status_code == 200
    figures = {r[0]: r[1] for r in load_workbook(io.BytesIO(stats.content)).active.iter_rows(values_only=True)}
    assert figures["登记案件数"] == 2
    deadlines = await client.get("/exports/deadlines.xlsx", headers=clerk)
    assert deadlines.status_code == 200
    header = next(load_workbook(io.BytesIO(deadlines.content)).active.iter_rows(values_only=True))
    assert header[0] == "案件编号"
    mediator = test_keys.headers(roles=["mediator"], center_id="futian")
    assert (await client.get("/exports/cases.xlsx", headers=mediator)).status_code == 403

    async with database_of(app).transaction(read_only=True) as session:
        logged = (await session.execute(select(ExportLog).order_by(ExportLog.id))).scalars().all()
    assert [(e.kind, e.rows, e.unmasked) for e in logged] == [
        ("cases", 1, False),
        ("cases", 2, True),
        ("stats", len(figures) - 1, False),
        ("deadlines", 0, False),
    ]
    assert logged[1].purpose == "报送仲裁院"


async def test_a_common_prefix_keeps_the_subquery_and_finds_the_same(client, test_keys, futian, monkeypatch):
    from intake.cases.service import search

    clerk = test_keys.headers(roles=["clerk"], center_id="futian")
    case = await _register(client, clerk, applicants=[applicant(2, name="陈志强")])
    monkeypatch.setattr(search, "_ID_LIST_CAP", 0)  # every id set counts as "too many to list"
    for params in ({"q": "陈志"}, {"applicant_name": "陈"}, {"q": "某某电子"}):
        items = (await client.get("/cases", params=params, headers=clerk)).json()["items"]
        assert [i["case_no"] for i in items] == [case["case_no"]], params
