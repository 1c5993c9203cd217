"""One clock for the product: "today" is Beijing's date whatever the host's zone (issue 16)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from onewindow_domain import clock
from onewindow_domain.calendar import china_date, china_today
from onewindow_domain.errors import InvalidIdentifier
from onewindow_domain.identifiers import make_id_number, validate_id_number

# (instant, Beijing's date): 01:30 UTC is 09:30 the same day in Beijing; 23:30 UTC is 07:30 the next day.
INSTANTS = [
    pytest.param(datetime(2026, 12, 1, 1, 30, tzinfo=UTC), date(2026, 12, 1), id="01:30Z=09:30 Beijing"),
    pytest.param(datetime(2026, 12, 1, 23, 30, tzinfo=UTC), date(2026, 12, 2), id="23:30Z=07:30+1 Beijing"),
]


@pytest.mark.parametrize(("instant", "beijing"), INSTANTS)
def test_today_is_beijings_date(instant, beijing):
    with clock.frozen(instant):
        assert clock.now() == instant
        assert clock.today() == beijing
        assert china_today() == beijing  # the calendar module's name for it is the same clock
        assert china_date(clock.now()) == beijing


def test_frozen_accepts_any_zone_and_restores():
    before = clock.now()
    with clock.frozen(datetime(2026, 12, 2, 7, 30, tzinfo=timezone(timedelta(hours=8)))):
        assert clock.now() == datetime(2026, 12, 1, 23, 30, tzinfo=UTC)
        assert clock.today() == date(2026, 12, 2)
    assert clock.now() >= before
    with pytest.raises(ValueError), clock.frozen(datetime(2026, 12, 1, 1, 30)):  # noqa: DTZ001 — refused
        pass


@pytest.mark.parametrize(("instant", "beijing"), INSTANTS)
def test_a_person_born_today_in_beijing_has_a_valid_id_number(instant, beijing):
    with clock.frozen(instant):
        born_today = make_id_number(birth=beijing)
        assert validate_id_number(born_today).birth_date == beijing
        with pytest.raises(InvalidIdentifier):
            validate_id_number(make_id_number(birth=beijing + timedelta(days=1)))
