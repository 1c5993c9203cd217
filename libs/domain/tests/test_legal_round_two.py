"""Issue 12 — legal fidelity, round two. Every expected value below was worked by hand from the
statute text quoted beside it and from the State Council's holiday notices (2023: 国办发明电〔2022〕16号;
2024: 国办发明电〔2023〕7号; 2025: 国办发明电〔2024〕12号; 2026: notice of 2025-11-04). Counting: the first
day is excluded and a period ending on a day off ends on the next working day (民事诉讼法 第85条)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from onewindow_domain import (
    DEFAULT_RULES,
    ClockUnit,
    InvalidInput,
    Pause,
    compute_due,
    final_award_item,
    limitation_check,
    notice_pay,
    payment_order_check,
    payment_order_periods,
)
from onewindow_domain.calendar import HolidayCalendar

CAL = HolidayCalendar.load()

# --- 1. working days in Rules-33 ------------------------------------------------------------------
# 办案规则 第80条: “本规则规定的‘三日’、‘五日’、‘十日’指工作日，‘十五日’、‘四十五日’指自然日。”
# 办案规则 第30条 / 调解仲裁法 第29条: 仲裁委员会收到仲裁申请之日起五日内决定是否受理.
# 办案规则 第69条: 开庭前经双方同意委托调解，自当事人同意之日起十日内未达成调解协议的，应当开庭审理.
WORKING_DAY_CASES = [
    # Received Sun 2025-09-28 (调休上班): Mon 09-29 = 1, Tue 09-30 = 2, 10-01…10-08 off, Thu 10-09 = 3,
    # Fri 10-10 = 4, Sat 10-11 (调休上班) = 5 → 2025-10-11 (not 10-09 as with calendar days).
    ("arbitration_acceptance_5d", date(2025, 9, 28), date(2025, 10, 11)),
    # Received Fri 2026-11-20: Mon 23, Tue 24, Wed 25, Thu 26, Fri 27 → 2026-11-27.
    ("arbitration_acceptance_5d", date(2026, 11, 20), date(2026, 11, 27)),
    # Received Thu 2024-02-08: Fri 02-09 = 1 (除夕 is not a day off in the 2024 notice), 02-10…02-17 off,
    # Sun 02-18 (调休上班) = 2, Mon 19 = 3, Tue 20 = 4, Wed 21 = 5 → 2024-02-21.
    ("arbitration_acceptance_5d", date(2024, 2, 8), date(2024, 2, 21)),
    # Consent Mon 2026-04-27: 28 = 1, 29 = 2, 30 = 3, 05-01…05-05 off, Wed 06 = 4, Thu 07 = 5, Fri 08 = 6,
    # Sat 09 (调休上班) = 7, Mon 11 = 8, Tue 12 = 9, Wed 13 = 10 → 2026-05-13.
    ("arbitration_entrusted_mediation_10d", date(2026, 4, 27), date(2026, 5, 13)),
]


@pytest.mark.parametrize(("code", "start", "due"), WORKING_DAY_CASES)
def test_rules_33_periods_are_working_days(code, start, due):
    rule = DEFAULT_RULES[code]
    assert rule.unit is ClockUnit.WORKING_DAYS
    assert "第80条" in rule.legal_source
    assert compute_due(code, start, calendar=CAL).due_on == due


def test_rules_33_fifteen_and_forty_five_days_stay_calendar_days():
    # 第80条: 十五日、四十五日指自然日. 45 days from Thu 2026-08-20 → Sun 10-04 (国庆节) → Thu 10-08.
    assert DEFAULT_RULES["arbitration_award_45d"].unit is ClockUnit.CALENDAR_DAYS
    assert compute_due("arbitration_award_45d", date(2026, 8, 20), calendar=CAL).due_on == date(2026, 10, 8)
    assert DEFAULT_RULES["arbitration_review_application_15d"].unit is ClockUnit.CALENDAR_DAYS


# --- 4. court mediation periods (人民法院在线调解规则 第24条) -----------------------------------------
# (in substance) 委派调解 30日; 委托调解 15日 under 普通程序 and 7日 under 简易程序; counted from the day the
#   mediation organisation or mediator confirms acceptance — so the start is that confirmation.
COURT_CASES = [
    # Confirmed Mon 2026-06-15: +15 → Tue 06-30.
    ("in_litigation_referral_15d", date(2026, 6, 15), date(2026, 6, 30)),
    # Confirmed Mon 2026-06-15: +7 → Mon 06-22 (端午节 is 06-19…06-21, the period ends after it).
    ("in_litigation_referral_summary_7d", date(2026, 6, 15), date(2026, 6, 22)),
    # Confirmed Tue 2026-09-01: +30 → Thu 10-01 (国庆节, off to 10-07) → Thu 10-08.
    ("court_referral_30d", date(2026, 9, 1), date(2026, 10, 8)),
]


@pytest.mark.parametrize(("code", "start", "due"), COURT_CASES)
def test_court_mediation_periods_run_from_confirmation(code, start, due):
    assert "在线调解规则 第24条" in DEFAULT_RULES[code].legal_source
    assert "确认接受" in DEFAULT_RULES[code].description_zh
    assert compute_due(code, start, calendar=CAL).due_on == due


# --- 5. calendars 2023 and 2024 ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "days_off", "make_up"),
    [
        # 2023: 元旦 12-31…01-02 (3), 春节 01-21…27 (7), 清明 04-05 (1), 劳动节 04-29…05-03 (5),
        # 端午 06-22…24 (3), 中秋国庆 09-29…10-06 (8) = 27; 上班 01-28, 01-29, 04-23, 05-06, 06-25, 10-07, 10-08.
        (2023, 27, 7),
        # 2024: 元旦 01-01 (1), 春节 02-10…17 (8), 清明 04-04…06 (3), 劳动节 05-01…05 (5), 端午 06-10 (1),
        # 中秋 09-15…17 (3), 国庆 10-01…07 (7) = 28; 上班 02-04, 02-18, 04-07, 04-28, 05-11, 09-14, 09-29, 10-12.
        (2024, 28, 8),
    ],
)
def test_2023_and_2024_notices(year, days_off, make_up):
    data = CAL.year_data(year)
    assert data.source.number == {2023: "国办发明电〔2022〕16号", 2024: "国办发明电〔2023〕7号"}[year]
    assert sum(len(list(h.days_off())) for h in data.holidays) == days_off
    assert sum(len(h.make_up_working_days) for h in data.holidays) == make_up
    assert not CAL.is_working_day(date(year, 1, 1))


def test_2023_new_year_starts_on_2022_12_31_and_make_up_saturday_counts():
    assert CAL.holiday_name(date(2022, 12, 31)) == "元旦"
    # 15 days (调解仲裁法 第14条) from 2023-09-20 → 10-05 (中秋国庆) → Sat 10-07, a 调休 working day.
    assert compute_due("mediation_15d", date(2023, 9, 20), calendar=CAL).due_on == date(2023, 10, 7)


# --- 2. final-award scope, per item and per worker (调解仲裁法 第47条) ---------------------------------
# 第47条: “(一)追索劳动报酬、工伤医疗费、经济补偿或者赔偿金，不超过当地月最低工资标准十二个月金额的争议；
#   (二)因执行国家的劳动标准在工作时间、休息休假、社会保险等方面发生的争议” — 仲裁裁决为终局裁决.
# 办案规则 第50条 / 原司法解释（三）第13条: 涉及数项的，每项确定的数额均不超过……的，按终局裁决处理.
# Shenzhen: ¥2,520 from 2025-03-01 → 12 × 2,520 = ¥30,240.00; ¥2,360 before → 12 × 2,360 = ¥28,320.00.
ON = date(2026, 12, 1)


def test_a_twelve_worker_wage_case_is_final_when_each_workers_item_is_within_the_limit():
    r = final_award_item(
        category="wage_arrears", amount="240000", city="深圳", on=ON, worker_count=12, worker_amounts=["20000"] * 12
    )
    # 240,000 > 30,240 for the group, but each worker's 20,000 ≤ 30,240: final.
    assert r.status == "final" and r.is_final and r.threshold == Decimal("30240.00")
    assert len(r.workers) == 12 and all(w.within_limit for w in r.workers)


def test_the_groups_total_alone_decides_nothing():
    r = final_award_item(category="wage_arrears", amount="240000", city="深圳", on=ON, worker_count=12)
    assert r.status == "undetermined" and not r.is_final
    small = final_award_item(category="overtime", amount="30000", city="深圳", on=ON, worker_count=12)
    assert small.status == "final"  # the total ≤ 30,240, so every share is too


@pytest.mark.parametrize(
    ("category", "amount", "on", "status"),
    [
        ("wage_arrears", "30240.00", ON, "final"),  # “不超过”: equal to the limit is within
        ("wage_arrears", "30240.01", ON, "not_final"),
        ("severance", "30000", date(2025, 2, 28), "not_final"),  # 12 × 2,360 = 28,320 < 30,000
        ("severance", "30000", date(2025, 3, 1), "final"),  # 12 × 2,520 = 30,240 ≥ 30,000
        ("unlawful_termination", "25000", ON, "final"),  # 赔偿金
        ("work_injury", "31000", ON, "not_final"),  # 工伤医疗费 above the limit
        ("social_insurance", "500000", ON, "final"),  # 第47条第2项: whatever the amount
        ("confirm_relationship", "0", ON, "not_applicable"),  # not a 第47条 matter
    ],
)
def test_final_award_items(category, amount, on, status):
    assert final_award_item(category=category, amount=amount, city="深圳", on=on).status == status


def test_one_worker_over_the_limit_makes_the_item_mixed():
    amounts = ["20000"] * 11 + ["30240.01"]
    r = final_award_item(
        category="wage_arrears", amount="250240.01", city="深圳", on=ON, worker_count=12, worker_amounts=amounts
    )
    assert r.status == "mixed" and [w.worker_index for w in r.workers if not w.within_limit] == [11]
    with pytest.raises(InvalidInput):
        final_award_item(
            category="wage_arrears", amount="1", city="深圳", on=ON, worker_count=12, worker_amounts=amounts
        )


# --- 3. limitation: suspension (27(3)) and the 27(4) reading ------------------------------------------
# 第27条第3款: “因不可抗力或者有其他正当理由，当事人不能在本条第一款规定的仲裁时效期间申请仲裁的，仲裁时效中止。
#   从中止时效的原因消除之日起，仲裁时效期间继续计算。”


def test_suspension_stops_the_limitation_clock():
    # Knew 2025-03-10 → 1 year → Tue 2026-03-10. Suspended 2025-06-01…06-30 (30 days) → Thu 2026-04-09.
    halt = [Pause(date(2025, 6, 1), date(2025, 6, 30), "住院治疗")]
    r = limitation_check(
        knew_on=date(2025, 3, 10), applied_on=date(2026, 4, 1), claim_category="severance", suspensions=halt
    )
    assert not r.exceeded and r.expires_on == date(2026, 4, 9) and "时效中止30日" in r.explanation_zh
    late = limitation_check(
        knew_on=date(2025, 3, 10), applied_on=date(2026, 4, 10), claim_category="severance", suspensions=halt
    )
    assert late.exceeded
    plain = limitation_check(knew_on=date(2025, 3, 10), applied_on=date(2026, 4, 1), claim_category="severance")
    assert plain.exceeded and plain.expires_on == date(2026, 3, 10)


def test_a_suspension_after_expiry_changes_nothing():
    halt = [Pause(date(2026, 5, 1), date(2026, 5, 10))]
    r = limitation_check(
        knew_on=date(2025, 3, 10), applied_on=date(2026, 5, 20), claim_category="severance", suspensions=halt
    )
    assert r.exceeded and r.expires_on == date(2026, 3, 10)


# 第27条第4款: “劳动关系存续期间因拖欠劳动报酬发生争议的，劳动者申请仲裁不受本条第一款规定的仲裁时效期间的限制；
#   但是，劳动关系终止的，应当自劳动关系终止之日起一年内提出。”


def test_overtime_pay_while_employed_has_no_limit_under_the_default_reading():
    r = limitation_check(knew_on=date(2023, 1, 1), applied_on=date(2026, 12, 1), claim_category="overtime")
    assert r.no_limit_while_employed and not r.exceeded and "加班费" in r.explanation_zh


def test_the_narrow_reading_applies_one_year_to_overtime():
    # 1 year from 2023-01-01 → Mon 2024-01-01 (元旦, 2024 notice) → Tue 2024-01-02.
    r = limitation_check(
        knew_on=date(2023, 1, 1),
        applied_on=date(2026, 12, 1),
        claim_category="overtime",
        remuneration_reading="wage_arrears_only",
    )
    assert r.exceeded and r.expires_on == date(2024, 1, 2)
    with pytest.raises(InvalidInput):
        limitation_check(knew_on=ON, applied_on=ON, remuneration_reading="guess")


def test_overtime_after_termination_runs_one_year_from_the_end():
    # Ended 2025-06-30 → 1 year → Tue 2026-06-30; applied 2026-06-29 is in time.
    r = limitation_check(
        knew_on=date(2024, 5, 1),
        applied_on=date(2026, 6, 29),
        employment_ended_on=date(2025, 6, 30),
        claim_category="overtime",
    )
    assert not r.exceeded and r.expires_on == date(2026, 6, 30)


# --- 4. notice pay (劳动合同法 第40条; 实施条例 第20条) ---------------------------------------------
# 第40条: 提前三十日以书面形式通知劳动者本人或者额外支付劳动者一个月工资后，可以解除劳动合同.
# 实施条例 第20条: 额外支付的工资应当按照该劳动者上一个月的工资标准确定.


def test_notice_pay_is_the_previous_months_wage():
    r = notice_pay(previous_month_wage="8500.50", ground="incompetent")
    assert r.owed and r.amount == Decimal("8500.50") and "上一个月的工资标准" in r.basis_zh
    assert notice_pay(previous_month_wage="8500.50", ground="incompetent", written_notice_days=10).owed
    given = notice_pay(previous_month_wage="8500.50", ground="changed_circumstances", written_notice_days=30)
    assert not given.owed and given.amount == Decimal("0.00")
    with pytest.raises(InvalidInput):
        notice_pay(previous_month_wage="8500", ground="misconduct")  # 第39条: no notice pay


# --- 4. payment order (调解仲裁法 第16条; 民事诉讼法 第225–227条) ------------------------------------
# 第16条: 因支付拖欠劳动报酬、工伤医疗费、经济补偿或者赔偿金事项达成调解协议，用人单位在协议约定期限内不履行的，
#   劳动者可以持调解协议书依法向人民法院申请支付令.


def test_payment_order_eligibility():
    ok = payment_order_check(
        categories=["wage_arrears", "confirm_relationship"], performance_due_on=date(2026, 11, 30), today=ON
    )
    assert ok.eligible and [c.value for c in ok.other_items] == ["confirm_relationship"]
    early = payment_order_check(
        categories=["wage_arrears"], performance_due_on=date(2026, 11, 30), today=date(2026, 11, 30)
    )
    assert not early.eligible  # the agreed period has not passed yet
    assert not payment_order_check(categories=["confirm_relationship"], performance_due_on=ON, today=ON).eligible
    disputed = payment_order_check(
        categories=["severance"], performance_due_on=date(2026, 11, 1), today=ON, other_debt_dispute=True
    )
    assert not disputed.eligible and "第225条第1项" in disputed.reasons_zh[0]


def test_payment_order_periods():
    p = payment_order_periods(
        applied_on=date(2026, 9, 28), accepted_on=date(2026, 10, 9), served_on=date(2026, 11, 2), calendar=CAL
    )
    # 第226条 5 days from Mon 09-28 → Sat 10-03 (国庆节) → Thu 10-08.
    assert p.acceptance.due_on == date(2026, 10, 8)
    # 第227条 15 days from Fri 10-09 → Sat 10-24 → Mon 10-26.
    assert p.issue is not None and p.issue.due_on == date(2026, 10, 26)
    # 第227条 the debtor's 15 days from Mon 11-02 → Tue 11-17.
    assert p.objection is not None and p.objection.due_on == date(2026, 11, 17)


# --- 6. the average wage is a dated, sourced figure (劳动合同法 第47条第2款) ---------------------------
# 第47条第2款: 月工资高于用人单位所在直辖市、设区的市级人民政府公布的本地区上年度职工月平均工资三倍的，向其支付
#   经济补偿的标准按职工月平均工资三倍的数额支付，向其支付经济补偿的年限最高不超过十二年.


def test_a_published_average_wage_set_with_its_source_caps_severance():
    from onewindow_domain import AverageWage, default_wage_table, severance

    figure = AverageWage(year=2024, monthly=Decimal("10000.00"), source="测试用公布文件（第1号）")
    table = default_wage_table().with_average_wages("深圳", [figure])
    # 80,000 > 3 × 10,000 = 30,000 → base 30,000; 2010-03-01…2025-09-30 is 15 years 7 months → 16, capped at 12.
    r = severance(monthly_wage="80000", start=date(2010, 3, 1), end=date(2025, 9, 30), city="深圳", wage_table=table)
    assert r.cap_checked and r.capped and r.months == Decimal(12) and r.amount == Decimal("360000.00")
    assert "测试用公布文件" in r.basis_zh and r.average_wage_source == figure.source
    with pytest.raises(InvalidInput):
        default_wage_table().with_average_wages("深圳", [AverageWage(year=2024, monthly=Decimal(1), source=" ")])


# --- 5. a year without a notice: the statutory holidays are known by law --------------------------
# 全国年节及纪念日放假办法 (2024 amendment) 第2条: 元旦放假1天（1月1日）；清明节放假1天（农历清明当日）；
#   劳动节放假2天（5月1日、2日）；国庆节放假3天（10月1日至3日）; 春节4天, 端午节1天, 中秋节1天 (lunar).


def test_an_unpublished_year_never_treats_new_years_day_as_a_working_day():
    lenient = CAL.lenient()
    assert 2027 not in CAL.years  # no 2027 notice could be sourced (searched 2026-12-01)
    assert not lenient.is_working_day(date(2027, 1, 1))  # Friday, 元旦
    assert not lenient.is_working_day(date(2027, 4, 5))  # Monday, 清明 (27 × 0.2422 + 4.81 = 11.35 → 11 − 6 = 5)
    assert lenient.is_working_day(date(2027, 5, 3))  # Monday: only 05-01 and 05-02 are statutory
    assert not lenient.is_working_day(date(2027, 10, 1))  # Friday, 国庆节
    assert "须复核" in lenient.describe_day(date(2027, 1, 1))
    # The lunar holidays of 2027: 正月初一 = Sat 2027-02-06 (丁未年), so 春节 is 除夕 Fri 02-05 and
    # 初一–初三 Sat 02-06 … Mon 02-08; 端午 (五月初五) Wed 06-09; 中秋 (八月十五) Wed 09-15.
    assert not lenient.is_working_day(date(2027, 2, 5))
    assert not lenient.is_working_day(date(2027, 2, 8))
    assert lenient.is_working_day(date(2027, 2, 9))  # 初四: a 调休 day at most, which no notice fixes yet
    assert not lenient.is_working_day(date(2027, 6, 9))
    assert not lenient.is_working_day(date(2027, 9, 15))
    assert "春节" in lenient.describe_day(date(2027, 2, 5)) and "须复核" in lenient.describe_day(date(2027, 2, 5))
    # 15 days (调解仲裁法 第14条) from Thu 2026-12-17 → Fri 2027-01-01 (元旦) → Mon 2027-01-04, flagged.
    due = compute_due("mediation_15d", date(2026, 12, 17), calendar=lenient)
    assert due.due_on == date(2027, 1, 4) and due.unconfirmed_years == (2027,) and "须复核" in due.basis_zh


@pytest.mark.parametrize("year", [2023, 2024, 2025, 2026])
def test_the_qingming_estimate_matches_the_published_notices(year):
    from onewindow_domain.calendar import estimated_statutory_days

    qingming = next(d for d, name in estimated_statutory_days(year).items() if name == "清明节")
    assert CAL.holiday_name(qingming) == "清明节"


# The estimate by the 办法 in force each year must fall inside what the published notice gave off
# (the notice adds 调休 around them, never removes a statutory day). 2023–2024: 2013 version (春节
# 正月初一至初三, 劳动节 1 day); 2025–2026: 2024 version (春节 adds 除夕, 劳动节 2 days).
@pytest.mark.parametrize("year", [2023, 2024, 2025, 2026])
def test_every_estimated_statutory_day_is_off_in_the_published_notice(year):
    from onewindow_domain.calendar import estimated_statutory_days

    estimated = estimated_statutory_days(year)
    assert len(estimated) == (11 if year <= 2024 else 13)
    working = [d for d in estimated if CAL.is_working_day(d)]
    assert working == []


@pytest.mark.parametrize(
    ("year", "spring"),
    [
        # 2024 notice: 春节 02-10 至 02-17 (正月初一 = 02-10) → statutory 02-10, 11, 12 (2013 version).
        (2024, [date(2024, 2, 10), date(2024, 2, 11), date(2024, 2, 12)]),
        # 2026 notice: 春节 02-15（腊月二十八）至 02-23 (正月初一 = 02-17) → 除夕 02-16 + 02-17, 18, 19.
        (2026, [date(2026, 2, 16), date(2026, 2, 17), date(2026, 2, 18), date(2026, 2, 19)]),
        # 2012 (2007 version): 正月初一 = 01-23 → 除夕 01-22, 初一 01-23, 初二 01-24.
        (2012, [date(2012, 1, 22), date(2012, 1, 23), date(2012, 1, 24)]),
    ],
)
def test_spring_festival_days_follow_the_version_in_force(year, spring):
    from onewindow_domain.calendar import estimated_statutory_days

    assert sorted(d for d, name in estimated_statutory_days(year).items() if name == "春节") == spring


def test_before_2008_there_was_no_qingming_duanwu_or_midautumn_holiday_and_may_day_had_three():
    from onewindow_domain.calendar import estimated_statutory_days

    names = sorted(estimated_statutory_days(2005).values())
    assert names.count("劳动节") == 3 and not {"清明节", "端午节", "中秋节"} & set(names)
