"""Issue 15: hostile input is a 4xx problem naming the field, never a 500 (both databases), and a
failed insert does not put the row's personal data into the log."""

import io
import json
import logging

import pytest
from factories import applicant, case_form
from intake.cases.models import CaseParty
from onewindow_kit.logs import JsonFormatter

pytestmark = pytest.mark.anyio


def _fields(response) -> list[str]:
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    return [e["field"] for e in response.json().get("errors") or []]


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/stats?until=9999-12-31", "until"),
        ("/stats?since=0001-01-01", "since"),
        ("/cases?registered_to=9999-12-31", "registered_to"),
        ("/cases?registered_to=-2.2e-309", "registered_to"),
        ("/cases?registered_from=1949-12-31", "registered_from"),
        ("/cases/%00", "case_id"),
        ("/cases/%00/pii", "case_id"),
        ("/cases?case_no=%00", "case_no"),
        ("/cases?q=a%01b", "q"),
    ],
)
async def test_hostile_query_and_path_values_are_422_naming_the_field(client, test_keys, futian, path, field):
    clerk = test_keys.headers(roles=["clerk"], center_id="futian")
    response = await client.get(path, headers=clerk)
    assert response.status_code == 422, response.text
    assert field in _fields(response)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda f: f["applicants"][0].update(name="张\u0000三"), "applicants[0].name"),
        (lambda f: f.update(facts="拖欠工资\u0000"), "facts"),
        (lambda f: f.update(facts="拖欠\ud800工资"), "facts"),
        (lambda f: f.update(employment_start_on="0001-01-01"), "employment_start_on"),
        (lambda f: f.update(knew_on="9999-12-31"), "knew_on"),
        (lambda f: f["claims"][0].update(period_end_on="9999-12-31"), "claims[0].period_end_on"),
        (lambda f: f.update(knew_on=20261010), "knew_on"),
    ],
)
async def test_hostile_registrations_are_422_and_write_nothing(client, app, test_keys, futian, change, field):
    clerk = test_keys.headers(roles=["clerk"], center_id="futian")
    form = case_form()
    change(form)
    body = json.dumps(form, ensure_ascii=True)  # \u0000 and lone surrogates go as JSON escapes
    response = await client.post("/cases", content=body, headers=clerk | {"content-type": "application/json"})
    assert response.status_code == 422, response.text
    assert field in _fields(response)
    listed = await client.get("/cases", headers=clerk)
    assert listed.status_code == 200 and listed.json()["items"] == []


async def test_facts_keep_their_line_breaks_and_tabs(client, test_keys, futian):
    clerk = test_keys.headers(roles=["clerk"], center_id="futian")
    response = await client.post("/cases", json=case_form(facts="第一段\n第二段\r\n\t第三段"), headers=clerk)
    assert response.status_code == 201, response.text


async def test_a_patch_null_on_a_centre_field_is_422_naming_it(client, test_keys, futian):
    admin = test_keys.headers(roles=["admin"])
    for field in ("name", "active"):
        response = await client.patch(f"/centers/{futian}", json={field: None}, headers=admin)
        assert response.status_code == 422, response.text
        assert _fields(response) == [field]


async def test_a_body_over_the_limit_is_413_before_parsing(client, test_keys, futian):
    clerk = test_keys.headers(roles=["clerk"], center_id="futian")
    big = case_form(applicants=[applicant(1, address="深" * 100)], facts="x" * (3 * 1024 * 1024))
    response = await client.post("/cases", json=big, headers=clerk)
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("application/problem+json")

    async def chunks():
        for _ in range(3):
            yield b"x" * (512 * 1024)

    streamed = await client.post("/cases", content=chunks(), headers=clerk | {"content-type": "application/json"})
    assert streamed.status_code == 413
    assert streamed.headers["content-type"].startswith("application/problem+json")


async def test_a_failed_insert_logs_the_statement_and_error_class_not_the_row(app, db_backend):
    """Issue 15 #4: the log of a failing insert names the statement and the error, and holds
    neither the applicant's name nor the birth date nor the address (the engine hides parameters,
    the formatter withholds the driver's "Failing row contains (…)")."""
    from datetime import date

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter("intake"))
    log = logging.getLogger("test.i15")
    log.addHandler(handler)
    try:
        with pytest.raises(Exception) as failed:
            async with app.state.db.transaction() as session:
                session.add(
                    CaseParty(
                        case_id="no-such-case",  # foreign key violation on both backends
                        role="applicant",
                        name="欧阳震华",
                        birth_on=date(1987, 6, 15),
                        address="深圳市福田区莲花路九十九号",
                    )
                )
        log.error("registration failed", exc_info=failed.value)
    finally:
        log.removeHandler(handler)
    line = stream.getvalue()
    entry = json.loads(line)
    assert "IntegrityError" in entry["exc"]
    assert "INSERT case_party" in entry["exc"]
    for secret in ("欧阳震华", "1987-06-15", "莲花路", "no-such-case"):
        assert secret not in line


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("OPTIONS", "/centers/futian", "GET, PATCH"),
        ("DELETE", "/centers/futian", "GET, PATCH"),
        ("PUT", "/cases", "GET, POST"),
    ],
)
async def test_405_lists_every_method_the_path_accepts(client, futian, method, path, allow):
    response = await client.request(method, path)
    assert response.status_code == 405
    assert response.headers["allow"] == allow
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_the_document_says_what_a_replay_answers(app):
    """Decided (docs/decisions/0009): a replay answers the first answer again — 201 — marked with
    ``Idempotent-Replayed: true``; the document no longer promises a 200."""
    responses = app.openapi()["paths"]["/cases"]["post"]["responses"]
    assert "200" not in responses
    assert "Idempotent-Replayed" in responses["201"]["headers"]
