"""The holiday calendar (放假调休) from the packaged data and from extra files."""

import json
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from onewindow_domain import CalendarDataError, CalendarYearMissing, HolidayCalendar, default_calendar

PROPERTY = settings(max_examples=60, deadline=None)
CAL = default_calendar()


def test_packaged_years_and_sources():
    assert CAL.years == (2023, 2024, 2025, 2026)
    assert CAL.strict
    y2025 = CAL.year_data(2025)
    assert y2025.source.title == "国务院办公厅关于2025年部分节假日安排的通知"
    assert y2025.source.number == "国办发明电〔2024〕12号"
    assert y2025.source.published_on == date(2024, 11, 12)
    assert CAL.year_data(2026).source.published_on == date(2025, 11, 4)
    assert "2024-11-12" in y2025.source.describe_zh()


@pytest.mark.parametrize(("year", "days_off"), [(2025, 1 + 8 + 3 + 5 + 3 + 8), (2026, 3 + 9 + 3 + 5 + 3 + 3 + 7)])
def test_day_off_counts_match_the_notices(year, days_off):
    assert sum(len(list(h.days_off())) for h in CAL.year_data(year).holidays) == days_off


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 10, 1), False),  # 国庆节
        (date(2026, 10, 7), False),  # 国庆节, a Wednesday
        (date(2026, 10, 8), True),  # Thursday after 国庆节
        (date(2026, 10, 10), True),  # Saturday, make-up working day
        (date(2026, 10, 11), False),  # ordinary Sunday
        (date(2026, 9, 20), True),  # Sunday, make-up working day for 国庆节
        (date(2026, 9, 25), False),  # 中秋节, a Friday
        (date(2026, 2, 14), True),  # Saturday, make-up working day for 春节
        (date(2026, 2, 23), False),  # Monday, last day of 春节
        (date(2026, 2, 28), True),  # Saturday, make-up working day for 春节
        (date(2026, 1, 4), True),  # Sunday, make-up working day for 元旦
        (date(2025, 1, 26), True),  # Sunday, make-up working day for 春节 2025
        (date(2025, 10, 8), False),  # 2025 国庆节、中秋节, 8 days
        (date(2025, 10, 11), True),  # Saturday, make-up working day
        (date(2025, 3, 12), True),  # ordinary Wednesday
        (date(2025, 3, 15), False),  # ordinary Saturday
    ],
)
def test_is_working_day(day, working):
    assert CAL.is_working_day(day) is working
    assert CAL.is_day_off(day) is not working


def test_holiday_names_and_descriptions():
    assert CAL.holiday_name(date(2026, 10, 3)) == "国庆节"
    assert CAL.holiday_name(date(2025, 10, 3)) == "国庆节、中秋节"
    assert CAL.holiday_name(date(2026, 10, 10)) is None
    assert CAL.is_make_up_working_day(date(2026, 10, 10))
    assert CAL.describe_day(date(2026, 10, 7)) == "2026-10-07（周三，国庆节假期）"
    assert CAL.describe_day(date(2026, 10, 10)) == "2026-10-10（周六，国庆节调休上班日）"
    assert CAL.describe_day(date(2026, 3, 22)) == "2026-03-22（周日，休息日）"
    assert CAL.describe_day(date(2026, 3, 23)) == "2026-03-23（周一）"


def test_moving_between_working_days():
    assert CAL.next_working_day(date(2026, 9, 30)) == date(2026, 10, 8)
    assert CAL.next_working_day(date(2026, 10, 8)) == date(2026, 10, 9)
    assert CAL.next_working_day(date(2026, 10, 9)) == date(2026, 10, 10)  # make-up Saturday
    assert CAL.roll_forward(date(2026, 10, 8)) == date(2026, 10, 8)
    assert CAL.roll_forward(date(2026, 10, 1)) == date(2026, 10, 8)
    # Friday 2026-02-13: Sat 02-14 is a make-up day (1), 02-15…02-23 off, Tue 02-24 (2), Wed 02-25 (3).
    assert CAL.add_working_days(date(2026, 2, 13), 3) == date(2026, 2, 25)
    assert CAL.add_working_days(date(2026, 2, 25), -3) == date(2026, 2, 13)
    assert CAL.add_working_days(date(2026, 2, 13), 0) == date(2026, 2, 13)
    assert CAL.working_days_between(date(2026, 2, 13), date(2026, 2, 25)) == 3


def test_missing_year_raises_in_strict_mode():
    with pytest.raises(CalendarYearMissing) as err:
        CAL.is_working_day(date(2027, 3, 1))
    assert err.value.year == 2027
    assert err.value.code == "calendar.year_missing"
    assert "2027年" in err.value.message_zh
    with pytest.raises(CalendarYearMissing):
        CAL.add_working_days(date(2026, 12, 30), 5)
    with pytest.raises(CalendarYearMissing):
        CAL.year_data(2022)


def test_lenient_copy_treats_missing_years_as_plain_weeks():
    lenient = CAL.lenient()
    assert not lenient.strict and lenient.years == CAL.years
    assert lenient.is_working_day(date(2027, 3, 1))  # Monday
    assert not lenient.is_working_day(date(2027, 3, 6))  # Saturday
    assert not lenient.covers(date(2027, 3, 1))
    assert lenient.strict_copy().strict


def test_extra_file_adds_a_year_and_replaces_a_year(tmp_path):
    # Invented data for the test only: one holiday per year is enough to see the mechanism.
    extra = {
        "format": 1,
        "years": {
            "2027": {
                "source": {"title": "测试用2027年数据", "published_on": "2026-11-01"},
                "holidays": [
                    {
                        "name": "元旦",
                        "first_day_off": "2027-01-01",
                        "last_day_off": "2027-01-03",
                        "make_up_working_days": ["2027-01-09"],
                    },
                ],
            },
            "2025": {
                "source": {"title": "测试用更正的2025年数据"},
                "holidays": [{"name": "元旦", "first_day_off": "2025-01-01", "last_day_off": "2025-01-01"}],
            },
        },
    }
    path = tmp_path / "holidays-extra.json"
    path.write_text(json.dumps(extra, ensure_ascii=False), encoding="utf-8")
    cal = HolidayCalendar.load(extra_paths=[path])
    assert cal.years == (2023, 2024, 2025, 2026, 2027)
    assert not cal.is_working_day(date(2027, 1, 1))
    assert cal.is_working_day(date(2027, 1, 9))  # Saturday make-up day
    assert cal.is_working_day(date(2027, 3, 1))
    # 2025 was replaced whole: 春节 2025 is no longer in the corrected (test) data.
    assert cal.is_working_day(date(2025, 1, 28))
    assert cal.year_data(2025).source.title == "测试用更正的2025年数据"
    # The 2026 data is untouched.
    assert not cal.is_working_day(date(2026, 10, 1))


def _doc(holiday: dict) -> dict:
    return {"format": 1, "years": {"2030": {"source": {"title": "测试"}, "holidays": [holiday]}}}


@pytest.mark.parametrize(
    ("doc", "fragment"),
    [
        ({"format": 2, "years": {}}, "format"),
        ({"format": 1}, "years"),
        (_doc({"name": "X", "first_day_off": "2030-01-01"}), "2030年数据不完整"),
        (_doc({"name": "X", "first_day_off": "2030-01-05", "last_day_off": "2030-01-01"}), "结束日早于开始日"),
        # 2030-01-02 is a Wednesday: a make-up working day must be a weekend day.
        (
            _doc(
                {
                    "name": "X",
                    "first_day_off": "2030-01-01",
                    "last_day_off": "2030-01-01",
                    "make_up_working_days": ["2030-01-02"],
                }
            ),
            "应为周六或周日",
        ),
        (
            _doc(
                {
                    "name": "X",
                    "first_day_off": "2030-01-05",
                    "last_day_off": "2030-01-06",
                    "make_up_working_days": ["2030-01-05"],
                }
            ),
            "既是放假日又是调休上班日",
        ),
    ],
)
def test_malformed_data_is_refused(doc, fragment):
    with pytest.raises(CalendarDataError) as err:
        HolidayCalendar.from_mapping(doc)
    assert fragment in err.value.message_zh


def test_unreadable_extra_file(tmp_path):
    bad = tmp_path / "broken.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(CalendarDataError, match="broken.json"):
        HolidayCalendar.load(extra_paths=[bad])


covered_days = st.dates(min_value=date(2025, 1, 1), max_value=date(2026, 11, 30))


@PROPERTY
@given(covered_days, st.integers(min_value=0, max_value=20))
def test_adding_working_days_lands_on_a_working_day(start, n):
    end = CAL.add_working_days(start, n)
    assert end >= start
    if n:
        assert CAL.is_working_day(end)
    assert CAL.working_days_between(start, end) == n


@PROPERTY
@given(covered_days)
def test_working_day_definition(day):
    expected = CAL.is_make_up_working_day(day) or (day.weekday() < 5 and CAL.holiday_name(day) is None)
    assert CAL.is_working_day(day) is expected
    nxt = CAL.next_working_day(day)
    assert nxt > day and CAL.is_working_day(nxt)
    assert all(not CAL.is_working_day(day + timedelta(days=i)) for i in range(1, (nxt - day).days))
