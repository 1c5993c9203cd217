"""Statutory clocks: worked examples across the 2025 and 2026 holidays, rule configuration, pauses, properties."""

import json
from datetime import date, timedelta

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from onewindow_domain import (
    DEFAULT_RULES,
    CalendarYearMissing,
    ClockRule,
    ClockUnit,
    InvalidInput,
    Pause,
    UnknownRule,
    add_months,
    compute_due,
    default_calendar,
    get_rule,
    load_rules,
    merge_pauses,
)

PROPERTY = settings(max_examples=60, deadline=None)
CAL = default_calendar()


def test_the_dates_worked_by_hand_fall_on_the_weekdays_assumed():
    assert date(2026, 9, 30).weekday() == 2  # Wednesday
    assert date(2026, 10, 10).weekday() == 5  # Saturday
    assert date(2026, 3, 22).weekday() == 6  # Sunday
    assert date(2026, 2, 13).weekday() == 4  # Friday
    assert date(2025, 10, 5).weekday() == 6  # Sunday
    assert date(2025, 10, 11).weekday() == 5  # Saturday
    assert date(2025, 1, 24).weekday() == 4  # Friday


# Worked by hand. 2026: 中秋节 09-25…09-27 off, 国庆节 10-01 (Thu)…10-07 (Wed) off, make-up working
# days Sun 09-20 and Sat 10-10. 2025: 国庆节、中秋节 10-01 (Wed)…10-08 (Wed) off, make-up Sun 09-28
# and Sat 10-11. The first day is never counted, so day 1 is the day after the start.
CASES = [
    # 15 days from Wed 2026-09-30: day 1 = 10-01 … day 15 = Thu 10-15, a working day. The holiday
    # inside the period does not matter for a calendar-day period.
    ("mediation_15d", date(2026, 9, 30), date(2026, 10, 15), None),
    # 15 days from Fri 2026-09-25 (itself 中秋节): day 1 = 09-26 … day 15 = Sat 10-10, the make-up
    # working day, so it does NOT roll.
    ("mediation_15d", date(2026, 9, 25), date(2026, 10, 10), None),
    # 15 days from Tue 2026-09-22: day 15 = Wed 10-07, last day of 国庆节 → Thu 10-08.
    ("mediation_15d", date(2026, 9, 22), date(2026, 10, 8), date(2026, 10, 7)),
    # 15 days from Wed 2026-09-16: day 15 = Thu 10-01 → rolls over the whole holiday to Thu 10-08.
    ("mediation_15d", date(2026, 9, 16), date(2026, 10, 8), date(2026, 10, 1)),
    # 15 days from Sat 2026-03-07: day 15 = Sun 03-22, an ordinary Sunday → Mon 03-23.
    ("mediation_15d", date(2026, 3, 7), date(2026, 3, 23), date(2026, 3, 22)),
    # 2025: 15 days from Sat 2025-09-20: day 15 = Sun 10-05, inside 国庆节 (off until Wed 10-08) → Thu 10-09.
    ("mediation_15d", date(2025, 9, 20), date(2025, 10, 9), date(2025, 10, 5)),
    # 2025: 15 days from Fri 2025-09-26: day 15 = Sat 10-11, make-up working day → no roll.
    ("mediation_15d", date(2025, 9, 26), date(2025, 10, 11), None),
    # 2025: 15 days from Sat 2025-09-13: day 15 = Sun 09-28, make-up working day → no roll.
    ("mediation_15d", date(2025, 9, 13), date(2025, 9, 28), None),
    # 3 working days from Fri 2026-02-13, before 春节 2026 (02-15…02-23 off, Sat 02-14 make-up):
    # Sat 02-14 (1), Tue 02-24 (2), Wed 02-25 (3).
    ("court_referral_acceptance_3wd", date(2026, 2, 13), date(2026, 2, 25), None),
    # 3 working days from Fri 2025-01-24, before 春节 2025 (01-28…02-04 off, Sun 01-26 make-up):
    # Sat 01-25 no, Sun 01-26 (1), Mon 01-27 (2), 01-28…02-04 off, Wed 02-05 (3).
    ("court_referral_acceptance_3wd", date(2025, 1, 24), date(2025, 2, 5), None),
    # 5 *working* days (办案规则 第80条) from Wed 2026-09-30: 10-01…10-07 off (国庆节); Thu 10-08 = 1,
    # Fri 10-09 = 2, Sat 10-10 (调休上班) = 3, Mon 10-12 = 4, Tue 10-13 = 5; a working-day period never rolls.
    ("arbitration_acceptance_5d", date(2026, 9, 30), date(2026, 10, 13), None),
    # 45 days from Thu 2026-08-20: 08-31 is day 11, 09-30 day 41, 10-04 day 45 (国庆节) → 10-08.
    ("arbitration_award_45d", date(2026, 8, 20), date(2026, 10, 8), date(2026, 10, 4)),
    # 30 days from Fri 2026-01-16: 01-31 is day 15, 02-15 day 30 (春节, off until Mon 02-23) → Tue 02-24.
    ("judicial_confirmation_application_30d", date(2026, 1, 16), date(2026, 2, 24), date(2026, 2, 15)),
    # 1 year from 2025-10-01: 2026-10-01 (国庆节) → 2026-10-08.
    ("limitation_1y", date(2025, 10, 1), date(2026, 10, 8), date(2026, 10, 1)),
]


@pytest.mark.parametrize(("code", "start", "due", "rolled_from"), CASES)
def test_worked_examples(code, start, due, rolled_from):
    deadline = compute_due(code, start)
    assert deadline.due_on == due
    assert deadline.rolled_from == rolled_from
    assert deadline.rule is DEFAULT_RULES[code]
    assert deadline.start == start
    assert CAL.is_working_day(deadline.due_on)
    assert deadline.paused_days == 0 and deadline.unconfirmed_years == ()


def test_basis_reads_as_a_clerk_would_write_it():
    plain = compute_due("mediation_15d", date(2026, 9, 30))
    assert plain.basis_zh.startswith("自2026-09-30起15日（首日不计），届满日2026-10-15")
    assert "劳动争议调解仲裁法 第14条" in plain.basis_zh
    rolled = compute_due("mediation_15d", date(2026, 9, 22))
    assert "2026-10-07（周三，国庆节假期）不是工作日" in rolled.basis_zh
    assert "顺延至其后第一个工作日2026-10-08（周四）" in rolled.basis_zh
    assert "民事诉讼法 第85条" in rolled.basis_zh
    assert rolled.roll_reason_zh == "2026-10-07（周三，国庆节假期）"
    working = compute_due("court_referral_acceptance_3wd", date(2026, 2, 13))
    assert "3个工作日" in working.basis_zh and "调休上班日计入" in working.basis_zh


def test_month_period_ends_on_the_corresponding_or_last_day():
    one_month = ClockRule("test_1m", 1, ClockUnit.MONTHS, "测试", "测试用一个月期间")
    # 2026-01-31 + 1 month → 2026-02-28, a Saturday that is a 春节 make-up working day: no roll.
    d = compute_due(one_month, date(2026, 1, 31))
    assert d.due_on == date(2026, 2, 28) and d.rolled_from is None
    # 2025-01-31 + 1 month → Fri 2025-02-28.
    assert compute_due(one_month, date(2025, 1, 31)).due_on == date(2025, 2, 28)
    # 2026-03-31 + 1 month → 2026-04-30 (Thu).
    assert compute_due(one_month, date(2026, 3, 31)).due_on == date(2026, 4, 30)
    # 2026-04-04 + 1 month → 2026-05-04, 劳动节 (off until 05-05) → Wed 05-06.
    d = compute_due(one_month, date(2026, 4, 4))
    assert (d.due_on, d.rolled_from) == (date(2026, 5, 6), date(2026, 5, 4))


def test_add_months():
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months(date(2025, 11, 30), 3) == date(2026, 2, 28)
    assert add_months(date(2025, 5, 15), -6) == date(2024, 11, 15)


# --- deadline state ------------------------------------------------------------------------


def test_remaining_days_and_state():
    d = compute_due("mediation_15d", date(2026, 9, 30))  # due 2026-10-15
    assert d.remaining_days(date(2026, 10, 1)) == 14
    assert d.state(date(2026, 10, 1)) == "running" and not d.is_overdue(date(2026, 10, 1))
    assert d.remaining_days(date(2026, 10, 15)) == 0 and d.state(date(2026, 10, 15)) == "due_today"
    assert d.remaining_days(date(2026, 10, 18)) == -3
    assert d.state(date(2026, 10, 18)) == "overdue" and d.is_overdue(date(2026, 10, 18))


# --- pauses --------------------------------------------------------------------------------


def test_pause_extends_by_the_paused_days_then_rolls():
    # 15 days from 2026-09-30 → 10-15; paused 10-12…10-14 (3 days) → 10-18, a Sunday → Mon 10-19.
    d = compute_due(
        "mediation_15d", date(2026, 9, 30), pauses=[Pause(date(2026, 10, 12), date(2026, 10, 14), "申请人住院")]
    )
    assert d.paused_days == 3
    assert d.period_end_on == date(2026, 10, 15)
    assert d.unadjusted_on == date(2026, 10, 18)
    assert (d.due_on, d.rolled_from) == (date(2026, 10, 19), date(2026, 10, 18))
    assert "期间中止3日（2026-10-12至2026-10-14，申请人住院）" in d.basis_zh


def test_overlapping_pauses_are_merged():
    pauses = [
        Pause(date(2026, 3, 10), date(2026, 3, 12), "鉴定"),
        Pause(date(2026, 3, 11), date(2026, 3, 14), "当事人出差"),
        Pause(date(2026, 3, 15), date(2026, 3, 15)),  # touches the previous one
        Pause(date(2026, 3, 20), date(2026, 3, 20)),
    ]
    merged = merge_pauses(pauses)
    assert [(p.start, p.end) for p in merged] == [
        (date(2026, 3, 10), date(2026, 3, 15)),
        (date(2026, 3, 20), date(2026, 3, 20)),
    ]
    assert merged[0].reason == "鉴定；当事人出差"
    # 15 days from Mon 2026-03-02 → 03-17; 6 + 1 paused days inside → 03-24 (Tue).
    d = compute_due("mediation_15d", date(2026, 3, 2), pauses=pauses)
    assert d.paused_days == 7
    assert d.due_on == date(2026, 3, 24)


def test_paused_days_reached_by_the_extension_also_count():
    # 15 days from 2026-03-02 → 03-17. Pause 03-16…03-17 (2 days) moves the end to 03-19, which a
    # second pause 03-19 covers, moving it to 03-20 (Fri).
    pauses = [Pause(date(2026, 3, 16), date(2026, 3, 17)), Pause(date(2026, 3, 19), date(2026, 3, 19))]
    d = compute_due("mediation_15d", date(2026, 3, 2), pauses=pauses)
    assert d.paused_days == 3 and d.due_on == date(2026, 3, 20)


def test_pauses_outside_the_period_change_nothing():
    before = Pause(date(2026, 2, 1), date(2026, 3, 2))  # ends on the start day, which is not counted
    after = Pause(date(2026, 4, 1), date(2026, 4, 10))
    d = compute_due("mediation_15d", date(2026, 3, 2), pauses=[before, after])
    assert d.due_on == date(2026, 3, 17) and d.paused_days == 0


def test_pause_in_a_working_day_period_skips_those_days():
    # 3 working days from Mon 2026-03-02 → Thu 03-05; pausing Tue 03-03 → Fri 03-06.
    d = compute_due(
        "court_referral_acceptance_3wd", date(2026, 3, 2), pauses=[Pause(date(2026, 3, 3), date(2026, 3, 3))]
    )
    assert d.due_on == date(2026, 3, 6) and d.paused_days == 1 and d.rolled_from is None


def test_pause_must_not_end_before_it_starts():
    with pytest.raises(InvalidInput) as err:
        Pause(date(2026, 3, 5), date(2026, 3, 4))
    assert "早于开始日" in err.value.message_zh


# --- missing calendar years ----------------------------------------------------------------


def test_strict_calendar_refuses_a_year_without_data():
    with pytest.raises(CalendarYearMissing):
        compute_due("mediation_15d", date(2026, 12, 25))  # ends 2027-01-09


def test_lenient_calendar_flags_the_unconfirmed_year():
    d = compute_due("mediation_15d", date(2026, 12, 25), calendar=CAL.lenient())
    # 2027-01-09 is a Saturday → Mon 2027-01-11, by weekends only.
    assert d.due_on == date(2027, 1, 11)
    assert d.unconfirmed_years == (2027,)
    assert "尚未收录2027年" in d.basis_zh and "复核" in d.basis_zh


# --- the rule table ------------------------------------------------------------------------

EXPECTED_RULES = {
    "mediation_15d": (15, ClockUnit.CALENDAR_DAYS, "劳动争议调解仲裁法 第14条"),
    "court_referral_30d": (30, ClockUnit.CALENDAR_DAYS, "特邀调解的规定 第27条"),
    "court_referral_acceptance_3wd": (3, ClockUnit.WORKING_DAYS, "人民法院在线调解规则 第12条"),
    "arbitration_acceptance_5d": (5, ClockUnit.WORKING_DAYS, "劳动人事争议仲裁办案规则 第30条"),
    "arbitration_award_45d": (45, ClockUnit.CALENDAR_DAYS, "劳动争议调解仲裁法 第43条"),
    "arbitration_award_extension_15d": (15, ClockUnit.CALENDAR_DAYS, "劳动争议调解仲裁法 第43条"),
    "arbitration_entrusted_mediation_10d": (10, ClockUnit.WORKING_DAYS, "劳动人事争议仲裁办案规则 第69条"),
    "arbitration_review_application_15d": (15, ClockUnit.CALENDAR_DAYS, "劳动人事争议仲裁办案规则 第74条"),
    "arbitration_review_decision_5wd": (5, ClockUnit.WORKING_DAYS, "劳动人事争议仲裁办案规则 第75条"),
    "judicial_confirmation_application_30d": (30, ClockUnit.CALENDAR_DAYS, "民事诉讼法 第205条"),
    "judicial_confirmation_decision_30d": (30, ClockUnit.CALENDAR_DAYS, "民事诉讼法 第187条"),
    "limitation_1y": (1, ClockUnit.YEARS, "劳动争议调解仲裁法 第27条"),
    "in_litigation_referral_15d": (15, ClockUnit.CALENDAR_DAYS, "人民法院在线调解规则 第24条"),
    "in_litigation_referral_summary_7d": (7, ClockUnit.CALENDAR_DAYS, "人民法院在线调解规则 第24条"),
    "payment_order_acceptance_5d": (5, ClockUnit.CALENDAR_DAYS, "民事诉讼法 第226条"),
    "payment_order_issue_15d": (15, ClockUnit.CALENDAR_DAYS, "民事诉讼法 第227条"),
    "payment_order_objection_15d": (15, ClockUnit.CALENDAR_DAYS, "民事诉讼法 第227条"),
}


def test_default_rules_cover_the_domain_table():
    assert set(DEFAULT_RULES) == set(EXPECTED_RULES)
    for code, (amount, unit, source) in EXPECTED_RULES.items():
        rule = DEFAULT_RULES[code]
        assert (rule.code, rule.amount, rule.unit) == (code, amount, unit)
        assert source in rule.legal_source
        assert rule.description_zh
    assert "人民调解法 第33条" in DEFAULT_RULES["judicial_confirmation_application_30d"].legal_source
    assert "在线调解规则 第24条" in DEFAULT_RULES["court_referral_30d"].legal_source
    assert DEFAULT_RULES["mediation_15d"].period_zh == "15日"
    assert DEFAULT_RULES["court_referral_acceptance_3wd"].period_zh == "3个工作日"
    with pytest.raises(TypeError):
        DEFAULT_RULES["mediation_15d"] = DEFAULT_RULES["court_referral_30d"]  # read-only


def test_rules_can_be_overridden_from_a_mapping_and_a_file(tmp_path):
    path = tmp_path / "rules.json"
    path.write_text(
        json.dumps(
            {
                "court_referral_30d": {"amount": 45},
                "local_review_7wd": {
                    "amount": 7,
                    "unit": "working_days",
                    "legal_source": "本地规定",
                    "description_zh": "本地复核期限",
                },
            }
        ),
        encoding="utf-8",
    )
    rules = load_rules(path=path, overrides={"mediation_15d": {"amount": 20}})
    assert rules["court_referral_30d"].amount == 45
    assert rules["court_referral_30d"].legal_source == DEFAULT_RULES["court_referral_30d"].legal_source
    assert rules["mediation_15d"].amount == 20
    assert rules["local_review_7wd"].unit is ClockUnit.WORKING_DAYS
    assert DEFAULT_RULES["mediation_15d"].amount == 15  # the defaults are untouched
    assert compute_due(get_rule("mediation_15d", rules=rules), date(2026, 3, 2)).due_on == date(
        2026, 3, 23
    )  # 03-22 Sun


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"new_rule": {"amount": 5}}, "clock_rule.field"),
        ({"mediation_15d": {"amount": 0}}, "clock_rule.amount"),
        ({"mediation_15d": {"unit": "fortnights"}}, "clock_rule.unit"),
        ({"mediation_15d": {"amout": 20}}, "clock_rule.field"),
    ],
)
def test_bad_rule_overrides_are_refused(overrides, code):
    with pytest.raises(InvalidInput) as err:
        load_rules(overrides=overrides)
    assert err.value.code == code


def test_unknown_rule_code():
    with pytest.raises(UnknownRule) as err:
        compute_due("mediation_16d", date(2026, 3, 2))
    assert "mediation_16d" in err.value.message_zh


# --- properties ----------------------------------------------------------------------------

starts = st.dates(min_value=date(2025, 1, 1), max_value=date(2026, 11, 10))
short_rules = st.sampled_from([r for r in DEFAULT_RULES.values() if r.unit is not ClockUnit.YEARS])
day_rules = st.sampled_from([r for r in DEFAULT_RULES.values() if r.unit is ClockUnit.CALENDAR_DAYS])


@st.composite
def pauses_near(draw, start: date):
    out = []
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        s = start + timedelta(days=draw(st.integers(min_value=-5, max_value=30)))
        out.append(Pause(s, s + timedelta(days=draw(st.integers(min_value=0, max_value=6)))))
    return out


@PROPERTY
@given(short_rules, starts)
def test_due_date_is_a_working_day_not_before_the_period(rule, start):
    d = compute_due(rule, start)
    assert CAL.is_working_day(d.due_on)
    if rule.unit is ClockUnit.CALENDAR_DAYS:
        assert d.due_on >= start + timedelta(days=rule.amount)
        # Rolling stops at the first working day: every day in between is a day off.
        assert all(
            CAL.is_day_off(d.period_end_on + timedelta(days=i)) for i in range((d.due_on - d.period_end_on).days)
        )
    if rule.unit is ClockUnit.WORKING_DAYS:
        assert CAL.working_days_between(start, d.due_on) == rule.amount


@PROPERTY
@given(short_rules, starts, st.integers(min_value=1, max_value=20))
def test_due_date_is_monotone_in_the_start_date(rule, start, shift):
    later = start + timedelta(days=shift)
    assume(later <= date(2026, 11, 10))
    assert compute_due(rule, start).due_on <= compute_due(rule, later).due_on


@PROPERTY
@given(short_rules, starts, st.data())
def test_pauses_never_shorten_a_period(rule, start, data):
    pauses = data.draw(pauses_near(start), label="pauses")
    plain = compute_due(rule, start)
    paused = compute_due(rule, start, pauses=pauses)
    assert paused.due_on >= plain.due_on
    assert CAL.is_working_day(paused.due_on)
    if rule.unit is ClockUnit.CALENDAR_DAYS:
        # Running days between the start and the unadjusted end are exactly the period.
        assert (paused.unadjusted_on - start).days - paused.paused_days == rule.amount


@PROPERTY
@given(day_rules, starts, st.data())
def test_pause_order_and_duplication_do_not_matter(rule, start, data):
    pauses = data.draw(pauses_near(start), label="pauses")
    a = compute_due(rule, start, pauses=pauses)
    b = compute_due(rule, start, pauses=list(reversed(pauses)) + pauses)
    assert (a.due_on, a.paused_days) == (b.due_on, b.paused_days)
