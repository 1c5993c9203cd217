"""Statistics (issue 10, DOMAIN.md §7): 挽回金额 is money paid, the agreed amount apart; days to
close; hand-offs by desk and outcome; legal aid within the promise; every figure drills down."""

import pytest
from factories import applicant, case_form, mediation_event

pytestmark = pytest.mark.anyio


def _event(case_id: str, type_: str, **data) -> dict:
    return mediation_event(case_id, type_, proceeding_id=f"p-{case_id}", **data)


async def test_recovered_is_the_sum_of_paid_instalments_and_every_figure_drills_down(client, test_keys, futian):
    clerk = test_keys.headers(roles=["clerk"], center_id="futian")
    supervisor = test_keys.headers(roles=["supervisor"], center_id="futian")
    service = test_keys.headers(roles=["service"], sub="svc-mediation")
    case = (await client.post("/cases", json=case_form(route={"route": "mediation"}), headers=clerk)).json()
    other = (
        await client.post(
            "/cases", json=case_form(applicants=[applicant(2)], route={"route": "mediation"}), headers=clerk
        )
    ).json()
    paid = _event(
        case["id"], "mediation.agreement.instalment_paid", instalment={"due_on": "2026-11-20", "amount": "8000.00"}
    )
    for envelope in (
        _event(case["id"], "mediation.proceeding.opened", deadline_on="2026-12-20"),
        _event(case["id"], "mediation.proceeding.agreed", recovered_amount="12000.00"),
        paid,
        paid,  # redelivered: counted once
        _event(
            case["id"], "mediation.agreement.payment_overdue", instalment={"due_on": "2026-11-30", "amount": "4000.00"}
        ),
    ):
        assert (await client.post("/internal/events", json=envelope, headers=service)).status_code == 200
    stats = (await client.get("/stats", headers=supervisor)).json()
    assert stats["amount_recovered"] == "8000.00"  # one instalment paid, one unpaid
    assert stats["amount_agreed"] == "12000.00"
    after = (await client.get(f"/cases/{case['id']}", headers=clerk)).json()
    assert after["status"] == "resolved" and after["recovered"] == "8000.00"

    async def behind(figure: str) -> list[str]:
        r = await client.get("/stats/cases", params={"figure": figure}, headers=supervisor)
        assert r.status_code == 200, r.text
        return [c["id"] for c in r.json()["items"]]

    assert await behind("recovered") == [case["id"]]
    assert await behind("agreed") == [case["id"]]
    assert sorted(await behind("cases")) == sorted([case["id"], other["id"]])
    assert await behind("status:resolved") == [case["id"]]
    for status, n in stats["by_status"].items():
        assert len(await behind(f"status:{status}")) == n
    bad = await client.get("/stats/cases", params={"figure": "nonsense"}, headers=supervisor)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "figure"


async def test_hand_offs_by_desk_and_outcome_and_legal_aid_within_promise(client, test_keys, futian):
    clerk = test_keys.headers(roles=["clerk"], center_id="futian")
    supervisor = test_keys.headers(roles=["supervisor"], center_id="futian")
    officer = test_keys.headers(roles=["legal_aid_officer"], center_id="futian")
    inspector = test_keys.headers(roles=["inspector"], center_id="futian")
    aid = (
        await client.post("/cases", json=case_form(route={"route": "legal_aid", "reason": "援助"}), headers=clerk)
    ).json()
    insp = (
        await client.post(
            "/cases",
            json=case_form(applicants=[applicant(3)], route={"route": "inspection", "reason": "监察"}),
            headers=clerk,
        )
    ).json()
    [h] = (await client.get("/desks/legal_aid/handoffs", headers=officer)).json()["items"]
    await client.post(
        f"/handoffs/{h['id']}/outcome",
        json={"outcome": "granted", "aid_lawyer": "陈律师"},
        headers=officer | {"If-Match": f'"{h["case_version"]}"'},
    )
    [i] = (await client.get("/desks/inspection/handoffs", headers=inspector)).json()["items"]
    await client.post(
        f"/handoffs/{i['id']}/outcome",
        json={"outcome": "filed"},
        headers=inspector | {"If-Match": f'"{i["case_version"]}"'},
    )
    stats = (await client.get("/stats", headers=supervisor)).json()
    desks = {d["desk"]: d for d in stats["handoffs"]}
    assert desks["legal_aid"]["outcomes"]["granted"]["count"] == 1
    assert desks["inspection"]["outcomes"]["filed"] == {
        "label": "立案",
        "count": 1,
        "figure": "handoff:inspection:filed",
    }
    assert stats["legal_aid_review"] == {
        "promise_days": 5,
        "decided": 1,
        "within_promise": 1,
        "share_within_promise": 1.0,
    }
    r = await client.get("/stats/cases", params={"figure": "handoff:inspection:filed"}, headers=supervisor)
    assert [c["id"] for c in r.json()["items"]] == [insp["id"]]
    r = await client.get("/stats/cases", params={"figure": "legal_aid:within_promise"}, headers=supervisor)
    assert [c["id"] for c in r.json()["items"]] == [aid["id"]]


async def test_timeline_counts_follow_inserts_deletes_and_moves_of_entries(client, test_keys, futian, database_url):
    """The counts by kind (on PostgreSQL from case_event_count, kept by triggers; on SQLite from
    the join) equal a count of the timeline rows themselves, after entries are added twice, on
    another centre's case, of a kind not counted, then deleted and moved to another kind and case."""
    from intake.cases.models import CaseFile, TimelineEntry
    from intake.cases.service.statistics import COUNTED_KINDS, timeline_counts
    from onewindow_domain.calendar import china_today
    from onewindow_kit.db import Database
    from sqlalchemy import delete, select, update

    clerk = test_keys.headers(roles=["clerk"], center_id="futian")
    ids = []
    for i, center in enumerate(("futian", "futian", "luohu")):
        headers = clerk if center == "futian" else test_keys.headers(roles=["clerk"], center_id=center)
        form = case_form(applicants=[applicant(10 + i)], route={"route": "mediation"})
        response = await client.post("/cases", json=form, headers=headers)
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    a, b, elsewhere = ids
    today = china_today()
    db = Database(database_url)
    try:

        async def add(case_id: str, kind: str) -> int:
            async with db.sessionmaker() as s, s.begin():
                entry = TimelineEntry(case_id=case_id, source="mediation", kind=kind, summary="测试")
                s.add(entry)
                await s.flush()
                assert entry.id is not None
                return entry.id

        async def check() -> None:
            async with db.sessionmaker() as s:
                rows = (
                    await s.execute(
                        select(TimelineEntry.kind, TimelineEntry.case_id, CaseFile.center_id).join(
                            CaseFile, CaseFile.id == TimelineEntry.case_id
                        )
                    )
                ).all()
                for center in ("futian", None):
                    expected: dict[str, tuple[int, int]] = {}
                    for kind in {k for k, _, _ in rows if k in COUNTED_KINDS}:
                        cases = [c for k, c, at in rows if k == kind and center in (None, at)]
                        if cases:
                            expected[kind] = (len(cases), len(set(cases)))
                    got = await timeline_counts(s, since=today, until=today, center_id=center, kinds=COUNTED_KINDS)
                    assert got == expected, center

        first = await add(a, "mediation.proceeding.agreed")
        await add(a, "mediation.proceeding.agreed")  # twice on one case: two entries, one case
        await add(b, "mediation.proceeding.terminated")
        await add(b, "court.confirmation.ruled")
        await add(b, "mediation.agreement.instalment_paid")  # not counted
        await add(elsewhere, "mediation.proceeding.agreed")  # another centre
        await check()
        async with db.sessionmaker() as s, s.begin():
            await s.execute(delete(TimelineEntry).where(TimelineEntry.id == first))
        await check()
        async with db.sessionmaker() as s, s.begin():  # the last agreed entry of a becomes b's declined one
            await s.execute(
                update(TimelineEntry)
                .where(TimelineEntry.case_id == a, TimelineEntry.kind == "mediation.proceeding.agreed")
                .values(case_id=b, kind="mediation.proceeding.declined")
            )
        await check()
        async with db.sessionmaker() as s:
            got = await timeline_counts(s, since=today, until=today, center_id="futian", kinds=COUNTED_KINDS)
        assert "mediation.proceeding.agreed" not in got
        assert got["mediation.proceeding.declined"] == (1, 1)
        assert got["mediation.proceeding.terminated"] == (1, 1)
        stats = (await client.get("/stats", headers=test_keys.headers(roles=["supervisor"], center_id="futian"))).json()
        assert stats["mediations_ended"] == 2 and stats["mediations_agreed"] == 0
        assert stats["partner_outcomes"]["court.confirmation.ruled"]["count"] == 1
    finally:
        await db.dispose()


@pytest.mark.parametrize("db_backend", ["postgresql"], indirect=True)  # SQLite counts with the join
async def test_the_counted_kinds_are_the_kinds_the_triggers_count(database_url):
    """``COUNTED_KINDS`` must list exactly the kinds migration 0012's triggers count: a kind added
    to the Python set alone would be read from ``case_event_count`` on PostgreSQL, where nothing
    counts it, and the dashboard would show zero (decision 0030)."""
    import re

    from intake.cases.service.statistics import COUNTED_KINDS
    from onewindow_kit.db import Database
    from sqlalchemy import text

    db = Database(database_url)
    try:
        async with db.sessionmaker() as s:
            rows = (
                await s.execute(
                    text(
                        "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger"
                        " WHERE tgrelid = 'timeline_entry'::regclass AND tgname LIKE 'timeline_entry_count_%'"
                    )
                )
            ).all()
    finally:
        await db.dispose()
    assert {name for name, _ in rows} == {f"timeline_entry_count_{op}" for op in ("insert", "delete", "update")}
    for name, definition in rows:
        assert set(re.findall(r"'([^']+)'", definition)) == COUNTED_KINDS, name
