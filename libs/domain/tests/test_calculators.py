"""Calculators (DOMAIN.md §8): worked examples with exact Decimal results, and properties."""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from onewindow_domain import (
    InvalidInput,
    WageDataMissing,
    WageTable,
    default_wage_table,
    final_award_check,
    final_award_threshold,
    is_final_award_claim,
    minimum_wage,
    no_contract_double_wage,
    overtime_pay,
    service_length,
    severance,
    unlawful_termination,
    unused_annual_leave_pay,
)

PROPERTY = settings(max_examples=50, deadline=None)

# A wage table of our own, so the cap examples do not depend on the seeded placeholder figure.
TABLE = WageTable.from_mapping(
    {
        "format": 1,
        "cities": {
            "shenzhen": {
                "name_zh": "深圳市",
                "aliases": ["深圳", "440300"],
                "minimum_wages": [
                    {"effective_on": "2022-07-01", "monthly": "2360.00"},
                    {"effective_on": "2025-03-01", "monthly": "2520.00"},
                ],
                "average_monthly_wages": [
                    {"year": 2023, "monthly": "9500.00"},
                    {"year": 2024, "monthly": "10000.00"},
                ],
            }
        },
    }
)


# --- wage configuration --------------------------------------------------------------------


def test_shenzhen_minimum_wage_by_date():
    assert minimum_wage("shenzhen", on=date(2025, 3, 1)) == Decimal("2520.00")
    assert minimum_wage("深圳市", on=date(2026, 1, 1)) == Decimal("2520.00")
    assert minimum_wage("440300", on=date(2025, 2, 28)) == Decimal("2360.00")
    assert minimum_wage("深圳", on=date(2022, 7, 1)) == Decimal("2360.00")
    with pytest.raises(WageDataMissing) as err:
        minimum_wage("shenzhen", on=date(2022, 6, 30))
    assert "2022-06-30" in err.value.message_zh
    with pytest.raises(WageDataMissing) as err:
        minimum_wage("广州", on=date(2026, 1, 1))
    assert "广州" in err.value.message_zh


def test_no_published_average_wage_means_no_capped_result():
    # The packaged data ships no Shenzhen average wage (no published figure was sourced): LCL 47's
    # 3× cap cannot be judged, so the result says so and is not capped.
    with pytest.raises(WageDataMissing):
        default_wage_table().average_wage_entry("shenzhen", year=2024)
    r = severance(monthly_wage="80000", start=date(2010, 3, 1), end=date(2025, 9, 30), city="shenzhen")
    assert not r.cap_checked and r.cap_wage is None and r.average_monthly_wage is None and not r.capped
    # 15 years 7 months → 16 months (LCL 47: one month per full year, ≥ 6 months counts 1), uncapped.
    assert r.months == Decimal(16) and r.amount == Decimal("1280000.00")
    assert "无法判断是否适用三倍封顶" in r.basis_zh and "未按三倍封顶计算" in r.warnings_zh[0]


def test_average_wage_falls_back_to_the_latest_published_year():
    assert TABLE.average_wage_entry("shenzhen", year=2025).year == 2024
    assert TABLE.average_wage_entry("shenzhen", year=2023).monthly == Decimal("9500.00")
    with pytest.raises(WageDataMissing):
        TABLE.average_wage_entry("shenzhen", year=2022)
    r = severance(monthly_wage="8000", start=date(2022, 3, 1), end=date(2026, 9, 30), city="shenzhen", wage_table=TABLE)
    assert r.average_wage_year == 2024
    assert "2025年职工月平均工资尚未配置，暂用2024年数据" in r.basis_zh


# --- length of service ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (date(2022, 3, 1), date(2025, 9, 30), (3, 7, 0)),
        (date(2025, 1, 1), date(2025, 5, 31), (0, 5, 0)),
        (date(2025, 1, 15), date(2025, 1, 15), (0, 0, 1)),
        (date(2024, 1, 31), date(2024, 2, 28), (0, 1, 0)),  # 01-31 + 1 month = 02-29 = the day after 02-28
        (date(2020, 2, 29), date(2021, 2, 27), (1, 0, 0)),
    ],
)
def test_service_length(start, end, expected):
    s = service_length(start=start, end=end)
    assert (s.years, s.months, s.days) == expected


# --- severance N --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        (date(2022, 3, 1), date(2025, 9, 30), Decimal("4")),  # 3 years 7 months → 3 + 1
        (date(2025, 1, 1), date(2025, 5, 31), Decimal("0.5")),  # 5 months → ½
        (date(2025, 1, 1), date(2025, 6, 30), Decimal("1")),  # exactly 6 months → 1
        (date(2025, 1, 1), date(2025, 6, 29), Decimal("0.5")),  # 5 months 29 days → ½
        (date(2024, 7, 1), date(2025, 6, 30), Decimal("1")),  # exactly one year, no remainder
        (date(2022, 3, 1), date(2025, 3, 5), Decimal("3.5")),  # 3 years and 5 days → 3.5
    ],
)
def test_severance_months(start, end, months):
    r = severance(monthly_wage=Decimal("8000"), start=start, end=end, city="shenzhen", wage_table=TABLE)
    assert r.months == months
    assert r.amount == Decimal("8000") * months
    assert not r.capped and not r.floored
    assert r.legal_basis == "劳动合同法 第47条"


def test_severance_worked_example_echoes_inputs():
    r = severance(monthly_wage="8000.00", start=date(2022, 3, 1), end=date(2025, 9, 30), city="深圳", wage_table=TABLE)
    assert r.amount == Decimal("32000.00")
    assert (r.monthly_wage, r.start, r.end, r.city) == (Decimal("8000.00"), date(2022, 3, 1), date(2025, 9, 30), "深圳")
    assert r.service.zh == "3年7个月0天"
    assert r.cap_wage == Decimal("30000.00")
    assert "合计4个月" in r.basis_zh and "32,000.00元" in r.basis_zh


def test_high_earner_is_capped_at_three_times_average_and_twelve_years():
    # 2010-01-01 … 2025-12-31 = 16 years → N = 16 uncapped. 50,000 > 3 × 10,000 → base 30,000, N 12.
    r = severance(
        monthly_wage="50000", start=date(2010, 1, 1), end=date(2025, 12, 31), city="shenzhen", wage_table=TABLE
    )
    assert r.capped
    assert r.uncapped_months == Decimal("16") and r.months == Decimal("12")
    assert r.base_wage == Decimal("30000.00")
    assert r.amount == Decimal("360000.00")
    assert "年限最高不超过十二年" in r.basis_zh


def test_high_earner_with_short_service_keeps_the_months():
    r = severance(monthly_wage="50000", start=date(2022, 3, 1), end=date(2025, 9, 5), city="shenzhen", wage_table=TABLE)
    assert r.capped and r.months == Decimal("4")  # 3 years 6 months 5 days → 3 + 1
    assert r.amount == Decimal("120000.00")


def test_wage_exactly_at_three_times_average_is_not_capped():
    r = severance(
        monthly_wage="30000", start=date(2010, 1, 1), end=date(2025, 12, 31), city="shenzhen", wage_table=TABLE
    )
    assert not r.capped and r.months == Decimal("16") and r.amount == Decimal("480000.00")


def test_minimum_wage_floor_uses_the_standard_in_force_at_the_end():
    # 2 years ending 2025-06-30: minimum wage 2,520 since 2025-03-01 → 2 × 2,520.
    r = severance(monthly_wage="2000", start=date(2023, 7, 1), end=date(2025, 6, 30), city="shenzhen", wage_table=TABLE)
    assert r.floored and r.base_wage == Decimal("2520.00") and r.amount == Decimal("5040.00")
    assert "低于深圳市最低工资标准2,520.00元" in r.basis_zh
    # Ending 2025-02-28, before the raise: 2,360.
    r = severance(monthly_wage="2000", start=date(2023, 3, 1), end=date(2025, 2, 28), city="shenzhen", wage_table=TABLE)
    assert r.base_wage == Decimal("2360.00") and r.amount == Decimal("4720.00")


def test_average_of_twelve_months_with_many_decimals_is_rounded_only_at_the_end():
    wage = Decimal(100000) / Decimal(12)  # 8333.333…
    r = severance(monthly_wage=wage, start=date(2022, 3, 1), end=date(2025, 3, 5), city="shenzhen", wage_table=TABLE)
    assert r.amount == Decimal("29166.67")  # 8333.333… × 3.5 = 29166.666…


def test_service_before_2008_is_flagged():
    r = severance(monthly_wage="8000", start=date(2006, 1, 1), end=date(2025, 6, 30), city="shenzhen", wage_table=TABLE)
    assert any("2008年1月1日前" in w for w in r.warnings_zh)


@pytest.mark.parametrize("bad", [8000.0, -1, "abc", True, None, "NaN"])
def test_money_must_be_a_non_negative_decimal(bad):
    with pytest.raises(InvalidInput):
        severance(monthly_wage=bad, start=date(2022, 3, 1), end=date(2025, 3, 5), city="shenzhen", wage_table=TABLE)


def test_end_before_start_is_refused():
    with pytest.raises(InvalidInput) as err:
        severance(monthly_wage="8000", start=date(2025, 3, 5), end=date(2025, 3, 4), city="shenzhen", wage_table=TABLE)
    assert "不能早于入职日期" in err.value.message_zh


# --- unlawful termination 2N ------------------------------------------------------------------


def test_unlawful_termination_is_twice_n_and_replaces_it():
    r = unlawful_termination(
        monthly_wage="8000", start=date(2022, 3, 1), end=date(2025, 9, 30), city="shenzhen", wage_table=TABLE
    )
    assert r.months == Decimal("4") and r.multiplier == Decimal("2")
    assert r.amount == Decimal("64000.00") == r.severance.amount * 2
    assert "不再支付经济补偿" in r.basis_zh and "2N不与N叠加" in r.basis_zh
    assert r.legal_basis.startswith("劳动合同法 第87条")


def test_unlawful_termination_keeps_the_caps():
    r = unlawful_termination(
        monthly_wage="50000", start=date(2010, 1, 1), end=date(2025, 12, 31), city="shenzhen", wage_table=TABLE
    )
    assert r.capped and r.months == Decimal("12") and r.base_wage == Decimal("30000.00")
    assert r.amount == Decimal("720000.00")


# --- no written contract: double wage --------------------------------------------------------


@pytest.mark.parametrize(
    ("signed", "end", "amount", "period"),
    [
        # 04-01 … 06-15: 2 whole months (04-01…05-31) + 15 of June's 30 days → 6000 × 2.5.
        (None, date(2025, 6, 15), Decimal("15000.00"), (date(2025, 4, 1), date(2025, 6, 15))),
        # Never signed, still employed in 2026: capped at 11 months, 04-01 … 2026-02-28.
        (None, date(2026, 6, 15), Decimal("66000.00"), (date(2025, 4, 1), date(2026, 2, 28))),
        # Signed 05-10: 04-01 … 05-09 = 1 month + 9 of May's 31 days → 6000 + 6000 × 9/31 = 7741.935… → 7741.94.
        (date(2025, 5, 10), date(2026, 6, 15), Decimal("7741.94"), (date(2025, 4, 1), date(2025, 5, 9))),
        # Signed within the first month: nothing owed.
        (date(2025, 3, 20), date(2026, 6, 15), Decimal("0.00"), (None, None)),
        # Signed on 04-01, the first day of month 2: the contract covers it, nothing owed.
        (date(2025, 4, 1), date(2026, 6, 15), Decimal("0.00"), (None, None)),
        # Left on 04-01 without a contract: one day, 1/30 of a month = 200.00.
        (None, date(2025, 4, 1), Decimal("200.00"), (date(2025, 4, 1), date(2025, 4, 1))),
        # Left within the first month.
        (None, date(2025, 3, 20), Decimal("0.00"), (None, None)),
    ],
)
def test_no_contract_double_wage(signed, end, amount, period):
    r = no_contract_double_wage(
        monthly_wage="6000", employment_start=date(2025, 3, 1), contract_signed_on=signed, end=end
    )
    assert r.amount == amount
    assert (r.period_start, r.period_end) == period
    assert r.employment_start == date(2025, 3, 1) and r.contract_signed_on == signed and r.end == end
    assert "劳动合同法 第82条" in r.basis_zh


def test_double_wage_cap_says_so():
    r = no_contract_double_wage(
        monthly_wage="6000", employment_start=date(2025, 3, 1), contract_signed_on=None, end=date(2026, 6, 15)
    )
    assert r.capped_at_11_months and r.full_months == 11 and r.extra_days == 0
    assert "最长支付11个月" in r.basis_zh and "无固定期限劳动合同" in r.basis_zh


# --- overtime and annual leave ----------------------------------------------------------------


def test_overtime_round_numbers():
    # 8,700 ÷ 174 = 50.00/hour: 10 h × 75 + 8 h × 100 + 8 h × 150 = 750 + 800 + 1,200.
    r = overtime_pay(monthly_wage="8700", weekday_hours=10, rest_day_hours=8, holiday_hours=8)
    assert r.hourly_wage == Decimal("50")
    assert (r.weekday_amount, r.rest_day_amount, r.holiday_amount) == (
        Decimal("750.00"),
        Decimal("800.00"),
        Decimal("1200.00"),
    )
    assert r.amount == Decimal("2750.00")
    assert "21.75×8" in r.basis_zh and r.legal_basis.startswith("劳动法 第44条")


def test_overtime_rounds_only_at_the_end():
    # 6,000 ÷ 174 = 34.4827586…; 10 h × 1.5 = 517.2413…, 8 h × 2 = 551.7241…, 3 h × 3 = 310.3448…
    # Total = 34.4827586… × 40 = 1379.3103… → 1379.31, while the rounded parts add up to 1379.30.
    r = overtime_pay(monthly_wage="6000", weekday_hours=10, rest_day_hours=8, holiday_hours=3)
    assert (r.weekday_amount, r.rest_day_amount, r.holiday_amount) == (
        Decimal("517.24"),
        Decimal("551.72"),
        Decimal("310.34"),
    )
    assert r.amount == Decimal("1379.31")


def test_overtime_accepts_half_hours_and_defaults():
    r = overtime_pay(monthly_wage="8700", weekday_hours="2.5")
    assert r.amount == Decimal("187.50") and r.rest_day_hours == 0 and r.holiday_hours == 0


def test_unused_annual_leave():
    # 8,700 ÷ 21.75 = 400/day; 5 days × 400 × 2 = 4,000.
    r = unused_annual_leave_pay(monthly_wage="8700", unused_days=5)
    assert r.daily_wage == Decimal("400") and r.amount == Decimal("4000.00")
    # 6,000 ÷ 21.75 = 275.862068…; × 3 × 2 = 1655.1724… → 1655.17.
    assert unused_annual_leave_pay(monthly_wage="6000", unused_days=3).amount == Decimal("1655.17")
    assert "200%" in r.basis_zh


def test_rounding_is_half_up():
    # daily = 100.0025 exactly; × 1 day × 2 = 200.005 → 200.01 (half-even would give 200.00).
    r = unused_annual_leave_pay(monthly_wage=Decimal("21.75") * Decimal("100.0025"), unused_days=1)
    assert r.amount == Decimal("200.01")


# --- final award --------------------------------------------------------------------------


def test_final_award_threshold_shenzhen():
    assert final_award_threshold(city="shenzhen", on=date(2026, 1, 1)) == Decimal("30240.00")  # 12 × 2,520
    assert final_award_threshold(city="shenzhen", on=date(2025, 2, 28)) == Decimal("28320.00")  # 12 × 2,360
    assert is_final_award_claim(amount="30240.00", city="shenzhen", on=date(2026, 1, 1))
    assert not is_final_award_claim(amount="30240.01", city="shenzhen", on=date(2026, 1, 1))
    check = final_award_check(amount=Decimal("12000"), city="深圳市", on=date(2026, 1, 1))
    assert check.is_final and check.threshold == Decimal("30240.00") and check.minimum_wage == Decimal("2520.00")
    assert "30,240.00元" in check.basis_zh and check.legal_basis == "劳动争议调解仲裁法 第47条"


# --- properties ----------------------------------------------------------------------------

wages = st.decimals(
    min_value=Decimal("0"), max_value=Decimal("200000"), places=2, allow_nan=False, allow_infinity=False
)
spans = st.tuples(
    st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 12, 31)),  # ends the test table can price
    st.integers(min_value=0, max_value=9000),
)


@PROPERTY
@given(wages, spans)
def test_severance_invariants(wage, span):
    end, days = span
    start = date.fromordinal(end.toordinal() - days)
    r = severance(monthly_wage=wage, start=start, end=end, city="shenzhen", wage_table=TABLE)
    assert (r.months * 2) == (r.months * 2).to_integral_value()  # a multiple of ½
    assert r.months >= Decimal("0.5")
    assert r.base_wage >= min(r.minimum_wage, r.cap_wage)
    assert r.base_wage <= max(r.cap_wage, r.minimum_wage)
    if r.capped:
        assert r.months <= 12 and r.base_wage == r.cap_wage
    assert r.amount == (r.base_wage * r.months).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    two_n = unlawful_termination(monthly_wage=wage, start=start, end=end, city="shenzhen", wage_table=TABLE)
    assert abs(two_n.amount - 2 * r.amount) <= Decimal("0.01")


@PROPERTY
@given(wages, st.decimals(min_value=0, max_value=200, places=1), st.decimals(min_value=0, max_value=200, places=1))
def test_overtime_is_additive(wage, a, b):
    both = overtime_pay(monthly_wage=wage, weekday_hours=a, rest_day_hours=b)
    alone = (
        overtime_pay(monthly_wage=wage, weekday_hours=a).amount
        + overtime_pay(monthly_wage=wage, rest_day_hours=b).amount
    )
    assert abs(both.amount - alone) <= Decimal("0.01")
