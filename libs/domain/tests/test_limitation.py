"""The 1-year arbitration limitation check (仲裁时效, LDMAL 27): a warning, never a refusal."""

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from onewindow_domain import ClaimCategory, Interruption, InvalidInput, limitation_check

PROPERTY = settings(max_examples=50, deadline=None)


def test_within_the_year_and_the_application_interrupts():
    # Knew on 2025-03-10 → expires Tue 2026-03-10. Applying on 2026-03-09 is in time, and the
    # application itself interrupts: a new year runs from 2026-03-09 to Tue 2027-03-09.
    r = limitation_check(knew_on=date(2025, 3, 10), applied_on=date(2026, 3, 9))
    assert r.expires_on == date(2026, 3, 10)
    assert not r.exceeded and r.warning_zh is None
    assert r.application_interrupts and r.restarts_on == date(2026, 3, 9)
    assert r.new_expires_on == date(2027, 3, 9)
    assert r.unconfirmed_years == (2027,)  # the 2027 notice is not in the data: flagged, not raised
    assert "本次申请调解即构成时效中断" in r.explanation_zh
    assert "尚未收录2027年" in r.explanation_zh
    assert r.legal_basis.startswith("劳动争议调解仲裁法 第27条")
    assert r.claim_category is ClaimCategory.OTHER


def test_exceeded_is_a_warning_with_the_dates():
    # Overtime under the narrow reading of 27(4) (the default reading exempts it while employed).
    r = limitation_check(
        knew_on=date(2025, 3, 10),
        applied_on=date(2026, 3, 11),
        claim_category="overtime",
        remuneration_reading="wage_arrears_only",
    )
    assert r.exceeded and r.expires_on == date(2026, 3, 10)
    assert not r.application_interrupts and r.restarts_on is None and r.new_expires_on is None
    assert "可能已于2026-03-10届满" in r.warning_zh
    assert "不影响受理调解" in r.warning_zh
    assert r.claim_category is ClaimCategory.OVERTIME


def test_expiry_on_a_holiday_rolls_to_the_next_working_day():
    # Knew on 2025-10-01 → 2026-10-01 is 国庆节 (off until 10-07) → expires Thu 2026-10-08.
    on_time = limitation_check(knew_on=date(2025, 10, 1), applied_on=date(2026, 10, 8))
    assert on_time.expires_on == date(2026, 10, 8) and not on_time.exceeded
    assert on_time.deadline.rolled_from == date(2026, 10, 1)
    late = limitation_check(knew_on=date(2025, 10, 1), applied_on=date(2026, 10, 9))
    assert late.exceeded


def test_an_earlier_claim_restarts_the_period():
    # Knew 2025-03-10; the worker demanded payment in writing on 2025-12-01 → a new year runs to
    # Tue 2026-12-01, so applying on 2026-06-01 is in time although more than a year has passed.
    r = limitation_check(
        knew_on=date(2025, 3, 10),
        applied_on=date(2026, 6, 1),
        interruptions=[Interruption(date(2025, 12, 1), "向用人单位书面催要工资")],
    )
    assert r.period_start_on == date(2025, 12, 1)
    assert r.expires_on == date(2026, 12, 1) and not r.exceeded
    assert [i.on for i in r.interruptions_applied] == [date(2025, 12, 1)]
    assert "向用人单位书面催要工资" in r.explanation_zh


def test_interruptions_outside_the_running_period_are_ignored():
    # Knew 2025-01-10 → 2026-01-10 is a Saturday → expires Mon 2026-01-12. A claim on Sun 01-11 is
    # still inside the (rolled) period and interrupts; one on 2025-01-01 is before the start; a
    # bare date after the application is ignored.
    r = limitation_check(
        knew_on=date(2025, 1, 10),
        applied_on=date(2026, 6, 1),
        interruptions=[date(2026, 1, 11), date(2025, 1, 1), date(2026, 7, 1)],
    )
    assert [i.on for i in r.interruptions_applied] == [date(2026, 1, 11)]
    assert {i.on for i in r.interruptions_ignored} == {date(2025, 1, 1), date(2026, 7, 1)}
    assert not r.exceeded
    # An interruption after expiry cannot revive the period.
    late = limitation_check(knew_on=date(2025, 1, 10), applied_on=date(2026, 3, 2), interruptions=[date(2026, 2, 1)])
    assert late.exceeded and late.interruptions_applied == ()
    assert "不能中断" in late.explanation_zh


def test_wage_arrears_during_employment_have_no_limit():
    r = limitation_check(knew_on=date(2023, 1, 1), applied_on=date(2026, 3, 2), claim_category="wage_arrears")
    assert r.no_limit_while_employed and not r.exceeded
    assert r.expires_on is None and r.warning_zh is None
    assert "不受一年仲裁时效期间的限制" in r.explanation_zh
    # Employment ending after the application date: still employed when applying.
    r = limitation_check(
        knew_on=date(2023, 1, 1),
        applied_on=date(2026, 3, 2),
        employment_ended_on=date(2026, 4, 30),
        claim_category=ClaimCategory.WAGE_ARREARS,
    )
    assert r.no_limit_while_employed and not r.exceeded


def test_wage_arrears_after_termination_run_from_the_end_of_employment():
    # Ended Tue 2025-06-30; the arrears were known since 2024 → 1 year from 2025-06-30 = Tue 2026-06-30.
    kw = {"knew_on": date(2024, 11, 1), "employment_ended_on": date(2025, 6, 30), "claim_category": "wage_arrears"}
    in_time = limitation_check(applied_on=date(2026, 6, 30), **kw)
    assert in_time.period_start_on == date(2025, 6, 30)
    assert in_time.expires_on == date(2026, 6, 30) and not in_time.exceeded
    assert not in_time.no_limit_while_employed
    assert "劳动关系已于2025-06-30终止" in in_time.explanation_zh
    assert limitation_check(applied_on=date(2026, 7, 1), **kw).exceeded


def test_the_termination_date_does_not_matter_for_other_claims():
    r = limitation_check(
        knew_on=date(2025, 3, 10),
        applied_on=date(2026, 3, 11),
        employment_ended_on=date(2025, 12, 31),
        claim_category="severance",
    )
    assert r.exceeded and r.employment_ended_on == date(2025, 12, 31)


def test_bad_inputs():
    with pytest.raises(InvalidInput) as err:
        limitation_check(knew_on=date(2026, 3, 2), applied_on=date(2026, 3, 1))
    assert "不能早于" in err.value.message_zh
    with pytest.raises(InvalidInput) as err:
        limitation_check(knew_on=date(2026, 3, 1), applied_on=date(2026, 3, 2), claim_category="bonus")
    assert "未知的请求事项类别" in err.value.message_zh


@PROPERTY
@given(
    st.dates(min_value=date(2023, 1, 1), max_value=date(2026, 12, 31)),
    st.integers(min_value=0, max_value=900),
    st.sampled_from(list(ClaimCategory)),
)
def test_never_raises_for_valid_dates_and_is_consistent(knew_on, delay, category):
    applied_on = date.fromordinal(knew_on.toordinal() + delay)
    r = limitation_check(knew_on=knew_on, applied_on=applied_on, claim_category=category)
    if r.no_limit_while_employed:
        assert category in (ClaimCategory.WAGE_ARREARS, ClaimCategory.OVERTIME) and not r.exceeded
        return
    assert r.exceeded == (applied_on > r.expires_on)
    assert r.application_interrupts == (not r.exceeded)
    assert (r.warning_zh is None) == (not r.exceeded)
    if delay <= 365:
        assert not r.exceeded
