"""Every "today" of intake is Beijing's date (issue 16): frozen at 01:30 UTC (09:30 Beijing, same
day) and at 23:30 UTC (07:30 Beijing, the next day)."""

from datetime import UTC, date, datetime, timedelta

import pytest
from factories import case_form
from onewindow_domain import clock

pytestmark = pytest.mark.anyio

INSTANTS = [
    pytest.param(datetime(2026, 12, 1, 1, 30, tzinfo=UTC), date(2026, 12, 1), id="01:30Z=09:30 Beijing"),
    pytest.param(datetime(2026, 12, 1, 23, 30, tzinfo=UTC), date(2026, 12, 2), id="23:30Z=07:30+1 Beijing"),
]


@pytest.mark.parametrize(("instant", "beijing"), INSTANTS)
async def test_todays_date_in_beijing_is_not_a_future_date(client, test_keys, futian, instant, beijing):
    clerk = test_keys.headers(roles=["clerk"], center_id="futian")
    with clock.frozen(instant):
        for path, ok in (("/cases/triage", 200), ("/cases", 201)):
            for name in ("knew_on", "employment_start_on"):
                form = case_form(**{name: beijing.isoformat()})
                response = await client.post(path, json=form, headers=clerk)
                assert response.status_code == ok, (path, name, response.text)
                tomorrow = case_form(**{name: (beijing + timedelta(days=1)).isoformat()})
                refused = await client.post(path, json=tomorrow, headers=clerk)
                assert refused.status_code == 422, (path, name, refused.text)
                assert name in refused.text and "日期不能晚于今天" in refused.text
        registered = response.json()
        assert registered["triage"]["applied_on"] == beijing.isoformat()
        assert registered["triage"]["limitation_warning"] is False


@pytest.mark.parametrize(("instant", "beijing"), INSTANTS)
async def test_remaining_days_and_the_default_statistics_period_count_from_beijing(
    client, test_keys, futian, instant, beijing
):
    clerk = test_keys.headers(roles=["clerk"], center_id="futian")
    with clock.frozen(instant):
        form = case_form(deadline_on=(beijing + timedelta(days=3)).isoformat())
        case = (await client.post("/cases", json=form, headers=clerk)).json()
        detail = (await client.get(f"/cases/{case['id']}", headers=clerk)).json()
        assert detail["days_left"] == 3
        supervisor = test_keys.headers(roles=["supervisor"], center_id="futian")
        stats = (await client.get("/stats", headers=supervisor)).json()
        assert stats["until"] == beijing.isoformat()
        assert stats["since"] == (beijing - timedelta(days=29)).isoformat()
        assert stats["cases"] == 1  # registered "today" in Beijing falls inside the default period
