"""Compensation calculators mediators work out by hand today (DOMAIN.md §8).

Money is ``Decimal`` throughout (``int`` and ``str`` are accepted, ``float`` is refused because a
binary fraction is not an amount of money). Intermediate results keep full precision; only the
final amounts are rounded to cents with ROUND_HALF_UP. Every result echoes its inputs, the figures
it looked up, a Chinese explanation (``basis_zh``) and its legal basis.

Wage figures are dated configuration (``WageTable``), shipped in ``onewindow_domain/data/wages.json``:
per city, the monthly minimum wage with the date each standard takes effect, and the average
monthly wage per year used for the 3× cap of LCL 47. The seeded Shenzhen average wage is a
placeholder (flagged ``placeholder``; results that use it say so) and must be set from the
city's published figure.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation, localcontext
from functools import lru_cache, wraps
from importlib import resources
from os import PathLike
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, ParamSpec, TypeVar

from onewindow_domain.claims import ClaimCategory, parse_claim_category
from onewindow_domain.clocks import add_months
from onewindow_domain.errors import InvalidInput, WageDataMissing

__all__ = [
    "FINAL_AWARD_SOURCES",
    "AnnualLeavePayResult",
    "AverageWage",
    "CityWages",
    "FinalAwardCheck",
    "FinalAwardItem",
    "FinalAwardStatus",
    "MinimumWage",
    "NoContractDoubleWageResult",
    "NoticeGround",
    "NoticePayResult",
    "OvertimePayResult",
    "ServiceLength",
    "SeveranceResult",
    "UnlawfulTerminationResult",
    "WageTable",
    "WorkerItemCheck",
    "default_wage_table",
    "final_award_check",
    "final_award_item",
    "final_award_threshold",
    "is_final_award_claim",
    "minimum_wage",
    "no_contract_double_wage",
    "notice_pay",
    "overtime_pay",
    "service_length",
    "severance",
    "unlawful_termination",
    "unused_annual_leave_pay",
]

CENT = Decimal("0.01")
MONTHLY_PAY_DAYS = Decimal("21.75")  # 月计薪天数 (劳社部发〔2008〕3号)
HOURS_PER_DAY = Decimal(8)
_CONTEXT = Context(prec=40)  # ample for money; independent of whatever the caller set globally

P = ParamSpec("P")
R = TypeVar("R")


def _exact(fn: Callable[P, R]) -> Callable[P, R]:
    """Run a calculator in the library's own decimal context."""

    @wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with localcontext(_CONTEXT):
            return fn(*args, **kwargs)

    return wrapper


def _round(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def _money(value: Any, name_zh: str) -> Decimal:
    """A non-negative finite Decimal from Decimal, int or str."""
    if isinstance(value, (bool, float)) or not isinstance(value, (Decimal, int, str)):
        raise InvalidInput("amount.type", f"{name_zh}应以Decimal、整数或字符串表示，不接受浮点数")
    try:
        d = Decimal(value)
    except InvalidOperation:
        raise InvalidInput("amount.format", f"{name_zh}“{value}”不是有效数字") from None
    if not d.is_finite() or d < 0:
        raise InvalidInput("amount.range", f"{name_zh}不能为负数或非有限数")
    return d


def _yuan(amount: Decimal) -> str:
    return f"{_round(amount):,}元"


def _num(d: Decimal) -> str:
    """A Decimal without trailing zeros, for text ('3.5', '4')."""
    return f"{d.normalize():f}"


# --- wage configuration ------------------------------------------------------------------


@dataclass(frozen=True)
class MinimumWage:
    """A monthly minimum wage standard (月最低工资标准) and the date it takes effect."""

    effective_on: date
    monthly: Decimal
    source: str = ""


@dataclass(frozen=True)
class AverageWage:
    """A city's average monthly wage of employees for a year (职工月平均工资)."""

    year: int
    monthly: Decimal
    source: str = ""  # the published document (title, number, date)
    placeholder: bool = False  # True until set from the city's published figure
    published_on: date | None = None


@dataclass(frozen=True)
class CityWages:
    """The dated wage figures of one city."""

    key: str
    name_zh: str
    aliases: tuple[str, ...]
    minimum_wages: tuple[MinimumWage, ...]
    average_wages: tuple[AverageWage, ...]


@dataclass(frozen=True)
class WageTable:
    """Per-city dated wage configuration; look-ups never guess a figure that is not configured."""

    cities: tuple[CityWages, ...]

    @classmethod
    def load(cls, *, path: str | PathLike[str] | None = None) -> WageTable:
        """The packaged ``wages.json``, or the file at ``path`` (same format) instead."""
        if path is None:
            text = resources.files("onewindow_domain").joinpath("data", "wages.json").read_text(encoding="utf-8")
        else:
            text = Path(path).read_text(encoding="utf-8")
        return cls.from_mapping(json.loads(text))

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> WageTable:
        """A table from an already-parsed document of the data file's format."""
        if not isinstance(data, Mapping) or data.get("format") != 1 or not isinstance(data.get("cities"), Mapping):
            raise InvalidInput("wage_table.format", "工资配置格式错误：需要format=1和cities")
        cities = []
        try:
            for key, c in data["cities"].items():
                cities.append(
                    CityWages(
                        key=str(key),
                        name_zh=str(c["name_zh"]),
                        aliases=tuple(str(a) for a in c.get("aliases", ())),
                        minimum_wages=tuple(
                            sorted(
                                (
                                    MinimumWage(
                                        date.fromisoformat(m["effective_on"]),
                                        _money(m["monthly"], "最低工资"),
                                        str(m.get("source", "")),
                                    )
                                    for m in c.get("minimum_wages", ())
                                ),
                                key=lambda m: m.effective_on,
                            )
                        ),
                        average_wages=tuple(
                            sorted(
                                (
                                    AverageWage(
                                        int(a["year"]),
                                        _money(a["monthly"], "职工月平均工资"),
                                        str(a.get("source", "")),
                                        bool(a.get("placeholder", False)),
                                    )
                                    for a in c.get("average_monthly_wages", ())
                                ),
                                key=lambda a: a.year,
                            )
                        ),
                    )
                )
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, InvalidInput):
                raise
            raise InvalidInput("wage_table.format", f"工资配置格式错误：{exc}") from None
        return cls(cities=tuple(cities))

    def city(self, city: str) -> CityWages:
        """The city by key, Chinese name, alias or region code, or raise ``WageDataMissing``."""
        wanted = str(city).strip().lower()
        for c in self.cities:
            if wanted in (c.key.lower(), c.name_zh.lower(), *(a.lower() for a in c.aliases)):
                return c
        raise WageDataMissing(
            "wage.city_missing", f"工资配置中没有“{city}”的数据，请先配置该市的最低工资和职工月平均工资"
        )

    def minimum_wage_entry(self, city: str, *, on: date) -> MinimumWage:
        """The minimum wage standard in force in ``city`` on ``on``."""
        c = self.city(city)
        in_force = [m for m in c.minimum_wages if m.effective_on <= on]
        if not in_force:
            raise WageDataMissing(
                "wage.minimum_missing", f"工资配置中没有{c.name_zh}在{on.isoformat()}适用的最低工资标准"
            )
        return in_force[-1]

    def minimum_wage(self, city: str, *, on: date) -> Decimal:
        """The monthly minimum wage in force in ``city`` on ``on``."""
        return self.minimum_wage_entry(city, on=on).monthly

    def with_average_wages(self, city: str, figures: Sequence[AverageWage]) -> WageTable:
        """A copy where ``city`` has these average wages too (a figure for a year replaces that year's)."""
        c = self.city(city)
        for f in figures:
            if f.placeholder or not f.source.strip():
                raise InvalidInput("wage.average_source", "职工月平均工资须为统计部门公布的数据，并注明来源文件")
        years = {a.year: a for a in c.average_wages} | {f.year: f for f in figures}
        updated = replace(c, average_wages=tuple(years[y] for y in sorted(years)))
        return WageTable(cities=tuple(updated if x is c else x for x in self.cities))

    def average_wage_entry(self, city: str, *, year: int) -> AverageWage:
        """The average monthly wage of ``year``, else the latest earlier year (in use until the next is published)."""
        c = self.city(city)
        usable = [a for a in c.average_wages if a.year <= year]
        if not usable:
            raise WageDataMissing(
                "wage.average_missing", f"工资配置中没有{c.name_zh}{year}年或更早年度的职工月平均工资"
            )
        return usable[-1]


@lru_cache(maxsize=1)
def default_wage_table() -> WageTable:
    """The packaged wage configuration (loaded once per process)."""
    return WageTable.load()


def minimum_wage(city: str, *, on: date, wage_table: WageTable | None = None) -> Decimal:
    """The monthly minimum wage in force in ``city`` on ``on``."""
    return (wage_table or default_wage_table()).minimum_wage(city, on=on)


# --- length of service ----------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceLength:
    """Whole years, whole months and days of service, ``start`` and ``end`` both worked days."""

    years: int
    months: int
    days: int

    @property
    def zh(self) -> str:
        """e.g. '3年7个月0天'."""
        return f"{self.years}年{self.months}个月{self.days}天"


def service_length(*, start: date, end: date) -> ServiceLength:
    """Service from ``start`` through ``end`` (inclusive), by corresponding dates."""
    if end < start:
        raise InvalidInput("dates.order", "离职（解除/终止）日期不能早于入职日期")
    stop = end + timedelta(days=1)  # the day after the last day worked
    # Months by corresponding date, always anchored at ``start`` (so 01-31 + 1 month = 02-28/29).
    approx = (stop.year - start.year) * 12 + stop.month - start.month
    total = max(approx - 1, 0)
    while add_months(start, total + 1) <= stop:
        total += 1
    days = (stop - add_months(start, total)).days
    return ServiceLength(years=total // 12, months=total % 12, days=days)


# --- severance N and 2N --------------------------------------------------------------------


@dataclass(frozen=True)
class SeveranceResult:
    """经济补偿 (N) under LCL 47."""

    monthly_wage: Decimal  # input: average monthly wage of the last 12 months
    start: date
    end: date
    city: str
    service: ServiceLength
    uncapped_months: Decimal  # N before the 12-year cap
    months: Decimal  # N applied (e.g. 3.5)
    minimum_wage: Decimal  # in force on ``end``
    average_monthly_wage: Decimal | None  # None: no published figure in the data, the cap is unknown
    average_wage_year: int | None
    average_wage_is_placeholder: bool
    cap_wage: Decimal | None  # 3 × average monthly wage
    floored: bool  # wage raised to the minimum wage
    capped: bool  # wage above 3 × average: base capped and years capped at 12
    base_wage: Decimal
    amount: Decimal  # rounded to cents
    basis_zh: str
    warnings_zh: tuple[str, ...] = ()
    legal_basis: str = "劳动合同法 第47条"
    average_wage_source: str = ""  # the document the average wage comes from

    @property
    def cap_checked(self) -> bool:
        """False when the city's average wage is not configured: ``amount`` is then uncapped."""
        return self.cap_wage is not None


def _severance_months(service: ServiceLength) -> Decimal:
    """One month per full year; a remainder of 6 months or more counts 1, a shorter one ½."""
    if service.months >= 6:
        extra = Decimal(1)
    elif service.months or service.days:
        extra = Decimal("0.5")
    else:
        extra = Decimal(0)
    return Decimal(service.years) + extra


@_exact
def severance(
    *,
    monthly_wage: Decimal | int | str,
    start: date,
    end: date,
    city: str,
    wage_table: WageTable | None = None,
) -> SeveranceResult:
    """Severance N (LCL 47): months of wage by service, with the minimum-wage floor and the 3×/12-year cap."""
    wage = _money(monthly_wage, "月平均工资")
    table = wage_table or default_wage_table()
    service = service_length(start=start, end=end)
    uncapped = _severance_months(service)
    min_entry = table.minimum_wage_entry(city, on=end)
    avg_entry: AverageWage | None
    try:
        avg_entry = table.average_wage_entry(city, year=end.year - 1)
    except WageDataMissing:
        avg_entry = None  # no published figure: say so and show no capped result
    cap_wage = avg_entry.monthly * 3 if avg_entry else None
    city_name = table.city(city).name_zh

    floored = wage < min_entry.monthly
    base = min_entry.monthly if floored else wage
    capped = cap_wage is not None and base > cap_wage
    months = uncapped
    if capped and cap_wage is not None:
        base = cap_wage
        months = min(uncapped, Decimal(12))
    amount = _round(base * months)

    lines = [f"工作年限{start.isoformat()}至{end.isoformat()}，共{service.zh}"]
    rem = (
        "满六个月按1个月计"
        if service.months >= 6
        else ("不满六个月按0.5个月计" if service.months or service.days else "无零头")
    )
    lines.append(
        f"每满一年支付一个月工资，{service.years}年计{service.years}个月，"
        f"零头{service.months}个月{service.days}天{rem}，合计{_num(uncapped)}个月"
    )
    if floored:
        lines.append(
            f"月平均工资{_yuan(wage)}低于{city_name}最低工资标准{_yuan(min_entry.monthly)}"
            "，按最低工资标准计算（劳动合同法实施条例 第27条）"
        )
    else:
        lines.append(f"月平均工资{_yuan(wage)}")
    if avg_entry is None or cap_wage is None:
        lines.append(
            f"工资配置中没有{city_name}{end.year - 1}年或更早年度公布的职工月平均工资，无法判断是否适用三倍封顶，"
            "以下金额未按封顶计算"
        )
    else:
        avg_text = f"{city_name}{avg_entry.year}年职工月平均工资{_yuan(avg_entry.monthly)}的三倍即{_yuan(cap_wage)}"
        if avg_entry.source:
            avg_text += f"（{avg_entry.source}）"
        if capped:
            lines.append(f"高于{avg_text}，计算基数按{_yuan(cap_wage)}，年限最高不超过十二年，计{_num(months)}个月")
        else:
            lines.append(f"未超过{avg_text}，不封顶")
    lines.append(f"经济补偿＝{_yuan(base)}×{_num(months)}＝{_yuan(amount)}")
    warnings = _severance_warnings(start=start, end=end, avg_entry=avg_entry, city_name=city_name)
    basis = "；".join(lines) + "。依据：劳动合同法 第47条。" + "".join(warnings)
    return SeveranceResult(
        monthly_wage=wage,
        start=start,
        end=end,
        city=city,
        service=service,
        uncapped_months=uncapped,
        months=months,
        minimum_wage=min_entry.monthly,
        average_monthly_wage=avg_entry.monthly if avg_entry else None,
        average_wage_year=avg_entry.year if avg_entry else None,
        average_wage_is_placeholder=bool(avg_entry and avg_entry.placeholder),
        average_wage_source=avg_entry.source if avg_entry else "",
        cap_wage=cap_wage,
        floored=floored,
        capped=capped,
        base_wage=base,
        amount=amount,
        basis_zh=basis,
        warnings_zh=tuple(warnings),
    )


def _severance_warnings(*, start: date, end: date, avg_entry: AverageWage | None, city_name: str) -> list[str]:
    warnings = []
    if avg_entry is None:
        warnings.append(
            f"注意：尚未配置{city_name}公布的职工月平均工资，本结果未按三倍封顶计算；月工资可能高于其三倍的，"
            "须由管理员按统计部门公布的数据设置后再计算。"
        )
    elif avg_entry.placeholder:
        warnings.append("注意：所用职工月平均工资为占位配置值，须按本市公布数据设置后再向当事人出示。")
    elif avg_entry.year != end.year - 1:
        warnings.append(f"注意：{end.year - 1}年职工月平均工资尚未配置，暂用{avg_entry.year}年数据。")
    if start < date(2008, 1, 1):
        warnings.append(
            "注意：2008年1月1日前的工作年限应按当时有关规定计算（劳动合同法 第97条），本计算未作区分，请人工复核。"
        )
    return warnings


@dataclass(frozen=True)
class UnlawfulTerminationResult:
    """赔偿金 (2N) for unlawful termination under LCL 87; paid instead of N, not on top of it."""

    monthly_wage: Decimal
    start: date
    end: date
    city: str
    severance: SeveranceResult  # the N it doubles (same base, same caps)
    multiplier: Decimal
    months: Decimal
    base_wage: Decimal
    capped: bool
    amount: Decimal
    basis_zh: str
    legal_basis: str = "劳动合同法 第87条；劳动合同法实施条例 第25条"


@_exact
def unlawful_termination(
    *,
    monthly_wage: Decimal | int | str,
    start: date,
    end: date,
    city: str,
    wage_table: WageTable | None = None,
) -> UnlawfulTerminationResult:
    """Compensation 2N (LCL 87): twice the severance standard, replacing N rather than adding to it."""
    n = severance(monthly_wage=monthly_wage, start=start, end=end, city=city, wage_table=wage_table)
    multiplier = Decimal(2)
    amount = _round(n.base_wage * n.months * multiplier)
    basis = (
        f"违法解除或终止劳动合同的，按经济补偿标准的二倍支付赔偿金：{_yuan(n.base_wage)}×{_num(n.months)}×2＝{_yuan(amount)}。"
        "支付赔偿金的，不再支付经济补偿（劳动合同法实施条例 第25条），即2N不与N叠加。"
        f"经济补偿标准的计算：{n.basis_zh}"
    )
    return UnlawfulTerminationResult(
        monthly_wage=n.monthly_wage,
        start=start,
        end=end,
        city=city,
        severance=n,
        multiplier=multiplier,
        months=n.months,
        base_wage=n.base_wage,
        capped=n.capped,
        amount=amount,
        basis_zh=basis,
    )


# --- double wage without a written contract -------------------------------------------------


@dataclass(frozen=True)
class NoContractDoubleWageResult:
    """The extra (second) wage owed for months without a written contract (LCL 82)."""

    monthly_wage: Decimal
    employment_start: date
    contract_signed_on: date | None
    end: date
    period_start: date | None  # the day after the first month of employment
    period_end: date | None  # inclusive
    full_months: int
    extra_days: int  # days of the final partial month
    partial_month_days: int  # length of that final month, the pro-rata denominator
    capped_at_11_months: bool
    amount: Decimal
    basis_zh: str
    legal_basis: str = "劳动合同法 第82条；劳动合同法实施条例 第6条、第7条"


@_exact
def no_contract_double_wage(
    *,
    monthly_wage: Decimal | int | str,
    employment_start: date,
    contract_signed_on: date | None,
    end: date,
) -> NoContractDoubleWageResult:
    """The extra wage from the day after one month of employment until signing or ``end``, at most 11 months."""
    wage = _money(monthly_wage, "月工资")
    if end < employment_start:
        raise InvalidInput("dates.order", "计算截止日期不能早于用工之日")
    first = add_months(employment_start, 1)  # 满一个月的次日
    cap_last = add_months(employment_start, 12) - timedelta(days=1)  # 11 full months after ``first``
    last = end
    until = f"计算截止日{end.isoformat()}止"
    if contract_signed_on is not None and contract_signed_on - timedelta(days=1) < last:
        last = contract_signed_on - timedelta(days=1)
        until = f"书面劳动合同签订日{contract_signed_on.isoformat()}的前一日即{last.isoformat()}止"
    capped = cap_last < last
    if capped:
        last = cap_last
        until = f"满11个月即{last.isoformat()}止（二倍工资最长支付11个月）"

    if last < first:
        why = (
            "用工之日起一个月内已订立书面劳动合同"
            if contract_signed_on is not None and contract_signed_on <= first
            else "用工未满一个月"
        )
        basis = f"自用工之日{employment_start.isoformat()}起一个月内无需支付二倍工资，{why}，不产生二倍工资差额。依据：劳动合同法 第82条。"
        return NoContractDoubleWageResult(
            monthly_wage=wage,
            employment_start=employment_start,
            contract_signed_on=contract_signed_on,
            end=end,
            period_start=None,
            period_end=None,
            full_months=0,
            extra_days=0,
            partial_month_days=0,
            capped_at_11_months=False,
            amount=Decimal("0.00"),
            basis_zh=basis,
        )

    stop = last + timedelta(days=1)
    full = 0
    while add_months(first, full + 1) <= stop:
        full += 1
    month_start = add_months(first, full)
    extra_days = (stop - month_start).days
    month_days = (add_months(first, full + 1) - month_start).days
    amount = _round(wage * full + wage * extra_days / month_days)
    basis = (
        f"用工之日{employment_start.isoformat()}，二倍工资自满一个月的次日{first.isoformat()}起算，"
        f"至{until}，共{full}个整月"
        + (f"又{extra_days}天" if extra_days else "")
        + f"；另一倍工资＝{_yuan(wage)}×{full}"
        + (f"＋{_yuan(wage)}×{extra_days}/{month_days}（不足一个月的部分按该月日历天数折算）" if extra_days else "")
        + f"＝{_yuan(amount)}。依据：劳动合同法 第82条；劳动合同法实施条例 第6条、第7条。"
    )
    if capped:
        basis += (
            "用工满一年仍未订立书面劳动合同的，视为自满一年之日起已订立无固定期限劳动合同（劳动合同法 第14条第3款）。"
        )
    return NoContractDoubleWageResult(
        monthly_wage=wage,
        employment_start=employment_start,
        contract_signed_on=contract_signed_on,
        end=end,
        period_start=first,
        period_end=last,
        full_months=full,
        extra_days=extra_days,
        partial_month_days=month_days,
        capped_at_11_months=capped,
        amount=amount,
        basis_zh=basis,
    )


# --- overtime and annual leave --------------------------------------------------------------


@dataclass(frozen=True)
class OvertimePayResult:
    """Overtime pay at 150% / 200% / 300% of the hourly wage."""

    monthly_wage: Decimal
    weekday_hours: Decimal
    rest_day_hours: Decimal
    holiday_hours: Decimal
    hourly_wage: Decimal  # unrounded: monthly ÷ (21.75 × 8)
    weekday_amount: Decimal  # each part rounded for display; ``amount`` is rounded from the exact sum
    rest_day_amount: Decimal
    holiday_amount: Decimal
    amount: Decimal
    basis_zh: str
    legal_basis: str = (
        "劳动法 第44条；劳动合同法 第31条；关于职工全年月平均工作时间和工资折算问题的通知（劳社部发〔2008〕3号）"
    )


@_exact
def overtime_pay(
    *,
    monthly_wage: Decimal | int | str,
    weekday_hours: Decimal | int | str = 0,
    rest_day_hours: Decimal | int | str = 0,
    holiday_hours: Decimal | int | str = 0,
) -> OvertimePayResult:
    """Overtime pay: hourly = monthly ÷ (21.75 × 8); weekday 150%, rest day 200%, statutory holiday 300%."""
    wage = _money(monthly_wage, "月工资")
    wh = _money(weekday_hours, "工作日延长工作时间")
    rh = _money(rest_day_hours, "休息日加班时间")
    hh = _money(holiday_hours, "法定休假日加班时间")
    hourly = wage / (MONTHLY_PAY_DAYS * HOURS_PER_DAY)
    parts = (hourly * wh * Decimal("1.5"), hourly * rh * 2, hourly * hh * 3)
    amount = _round(sum(parts, Decimal(0)))
    basis = (
        f"小时工资＝{_yuan(wage)}÷（21.75×8）≈{hourly.quantize(Decimal('0.0001'), rounding=ROUND_HALF_UP)}元；"
        f"工作日延长{_num(wh)}小时×150%＝{_yuan(parts[0])}；休息日{_num(rh)}小时×200%＝{_yuan(parts[1])}"
        f"（休息日加班且未安排补休的）；法定休假日{_num(hh)}小时×300%＝{_yuan(parts[2])}；"
        f"合计{_yuan(amount)}（按未取整的小时工资计算，最后取整到分）。依据：劳动法 第44条；劳社部发〔2008〕3号。"
    )
    return OvertimePayResult(
        monthly_wage=wage,
        weekday_hours=wh,
        rest_day_hours=rh,
        holiday_hours=hh,
        hourly_wage=hourly,
        weekday_amount=_round(parts[0]),
        rest_day_amount=_round(parts[1]),
        holiday_amount=_round(parts[2]),
        amount=amount,
        basis_zh=basis,
    )


@dataclass(frozen=True)
class AnnualLeavePayResult:
    """The extra 200% of the daily wage owed for unused annual leave days."""

    monthly_wage: Decimal
    unused_days: Decimal
    daily_wage: Decimal  # unrounded: monthly ÷ 21.75
    multiplier: Decimal
    amount: Decimal
    basis_zh: str
    legal_basis: str = "职工带薪年休假条例 第5条；企业职工带薪年休假实施办法 第10条、第11条"


@_exact
def unused_annual_leave_pay(
    *, monthly_wage: Decimal | int | str, unused_days: Decimal | int | str
) -> AnnualLeavePayResult:
    """Unused annual leave: 2 × (monthly ÷ 21.75) × days, on top of the wage already paid for those days."""
    wage = _money(monthly_wage, "月工资")
    days = _money(unused_days, "未休年休假天数")
    daily = wage / MONTHLY_PAY_DAYS
    multiplier = Decimal(2)
    amount = _round(daily * days * multiplier)
    basis = (
        f"日工资＝{_yuan(wage)}÷21.75≈{daily.quantize(Decimal('0.0001'), rounding=ROUND_HALF_UP)}元；"
        f"应休未休{_num(days)}天，按日工资的200%另行支付（正常工作期间的工资已支付）：日工资×{_num(days)}×2＝{_yuan(amount)}。"
        "依据：职工带薪年休假条例 第5条；企业职工带薪年休假实施办法 第10条、第11条。"
    )
    return AnnualLeavePayResult(
        monthly_wage=wage,
        unused_days=days,
        daily_wage=daily,
        multiplier=multiplier,
        amount=amount,
        basis_zh=basis,
    )


# --- final award (终局裁决) ------------------------------------------------------------------


@dataclass(frozen=True)
class FinalAwardCheck:
    """Whether one claim item's amount is within the final-award scope of LDMAL 47(1)."""

    amount: Decimal
    city: str
    on: date
    minimum_wage: Decimal
    threshold: Decimal
    is_final: bool
    basis_zh: str
    legal_basis: str = "劳动争议调解仲裁法 第47条"


@_exact
def final_award_threshold(*, city: str, on: date, wage_table: WageTable | None = None) -> Decimal:
    """12 × the local monthly minimum wage in force on ``on`` (LDMAL 47)."""
    return _round(minimum_wage(city, on=on, wage_table=wage_table) * 12)


@_exact
def final_award_check(
    *, amount: Decimal | int | str, city: str, on: date, wage_table: WageTable | None = None
) -> FinalAwardCheck:
    """Compare one claim item's amount with the final-award threshold and explain."""
    value = _money(amount, "请求金额")
    table = wage_table or default_wage_table()
    min_wage = table.minimum_wage(city, on=on)
    threshold = _round(min_wage * 12)
    final = value <= threshold
    basis = (
        f"{table.city(city).name_zh}{on.isoformat()}适用的月最低工资标准{_yuan(min_wage)}×12＝{_yuan(threshold)}；"
        f"该项请求金额{_yuan(value)}{'不超过' if final else '超过'}该数额，"
        f"{'属于' if final else '不属于'}终局裁决范围（追索劳动报酬、工伤医疗费、经济补偿或者赔偿金的，每项请求分别判断）。"
        "依据：劳动争议调解仲裁法 第47条。"
    )
    return FinalAwardCheck(
        amount=value,
        city=city,
        on=on,
        minimum_wage=min_wage,
        threshold=threshold,
        is_final=final,
        basis_zh=basis,
    )


def is_final_award_claim(
    *, amount: Decimal | int | str, city: str, on: date, wage_table: WageTable | None = None
) -> bool:
    """True when one claim item's amount is at most 12 × the local monthly minimum wage (LDMAL 47)."""
    return final_award_check(amount=amount, city=city, on=on, wage_table=wage_table).is_final


# --- final-award scope per item and per worker (终局裁决范围) -----------------------------------

FinalAwardStatus = Literal["final", "not_final", "mixed", "undetermined", "not_applicable"]

# LDMAL 47(1): the four kinds of money claim within the amount limit; 47(2): disputes over working
# time, rest and leave, or social insurance under national standards, final whatever the amount.
_FINAL_AWARD_KIND: Mapping[ClaimCategory, str] = MappingProxyType(
    {
        ClaimCategory.WAGE_ARREARS: "劳动报酬",
        ClaimCategory.OVERTIME: "劳动报酬",
        ClaimCategory.WORK_INJURY: "工伤医疗费",
        ClaimCategory.SEVERANCE: "经济补偿",
        ClaimCategory.NOTICE_PAY: "经济补偿",
        ClaimCategory.ANNUAL_LEAVE: "经济补偿",
        ClaimCategory.UNLAWFUL_TERMINATION: "赔偿金",
        ClaimCategory.NO_CONTRACT_DOUBLE_WAGE: "赔偿金",
    }
)
_FINAL_WHATEVER_AMOUNT = frozenset({ClaimCategory.SOCIAL_INSURANCE})
FINAL_AWARD_SOURCES = (
    "劳动争议调解仲裁法 第47条；劳动人事争议仲裁办案规则 第50条（仲裁裁决涉及数项的，每项确定的数额均不超过"
    "当地月最低工资标准十二个月金额的，按终局裁决处理）；最高人民法院关于审理劳动争议案件适用法律问题的解释（一）"
    "（法释〔2020〕26号，原解释（三）第13条同旨）"
)


@dataclass(frozen=True)
class WorkerItemCheck:
    """One worker's amount for one claim item, against the limit."""

    worker_index: int
    amount: Decimal
    within_limit: bool


@dataclass(frozen=True)
class FinalAwardItem:
    """Whether one claim item falls within the final-award scope (LDMAL 47), judged per worker."""

    category: ClaimCategory
    kind_zh: str | None  # 劳动报酬 / 工伤医疗费 / 经济补偿 / 赔偿金, or None
    total: Decimal
    worker_count: int
    threshold: Decimal | None  # 12 × the monthly minimum wage (None for 47(2) and out-of-scope items)
    minimum_wage: Decimal | None
    workers: tuple[WorkerItemCheck, ...]  # per worker, when the amounts per worker are known
    status: FinalAwardStatus
    basis_zh: str
    legal_basis: str = FINAL_AWARD_SOURCES

    @property
    def is_final(self) -> bool:
        """True only when the item is final for every worker."""
        return self.status == "final"


@_exact
def final_award_item(
    *,
    category: ClaimCategory | str,
    amount: Decimal | int | str,
    city: str,
    on: date,
    worker_count: int = 1,
    worker_amounts: Sequence[Decimal | int | str] | None = None,
    wage_table: WageTable | None = None,
) -> FinalAwardItem:
    """Final-award scope of one claim item (LDMAL 47).

    47(1): a claim for 劳动报酬, 工伤医疗费, 经济补偿 or 赔偿金 is final when **each item** is at most 12 ×
    the local monthly minimum wage in force ``on`` — judged for **each worker** of a collective case,
    never on the group's total. Without the amounts per worker, a collective item whose total exceeds
    the limit is ``undetermined`` (the share of each worker is not guessed). 47(2): social insurance
    under national standards is final whatever the amount. Other categories are out of scope."""
    cat = parse_claim_category(category)
    total = _money(amount, "请求金额")
    if not isinstance(worker_count, int) or worker_count < 1:
        raise InvalidInput("final_award.worker_count", "劳动者人数应为正整数")
    amounts: tuple[Decimal, ...] | None = None
    if worker_amounts is not None:
        amounts = tuple(_money(a, "每名劳动者的请求金额") for a in worker_amounts)
        if len(amounts) != worker_count:
            raise InvalidInput(
                "final_award.worker_amounts", f"每名劳动者的金额应有{worker_count}项，实际为{len(amounts)}项"
            )
        if sum(amounts, Decimal(0)) != total:
            raise InvalidInput("final_award.worker_amounts", "每名劳动者的金额之和应等于该项请求金额")
    label = cat.label_zh
    if cat in _FINAL_WHATEVER_AMOUNT:
        basis = (
            f"{label}：因执行国家的劳动标准在工作时间、休息休假、社会保险等方面发生的争议，不论金额，"
            "均为终局裁决。依据：劳动争议调解仲裁法 第47条第2项。"
        )
        return FinalAwardItem(cat, None, total, worker_count, None, None, (), "final", basis)
    kind = _FINAL_AWARD_KIND.get(cat)
    if kind is None:
        basis = f"{label}不属于劳动争议调解仲裁法 第47条所列的终局裁决事项。"
        return FinalAwardItem(cat, None, total, worker_count, None, None, (), "not_applicable", basis)

    table = wage_table or default_wage_table()
    min_wage = table.minimum_wage(city, on=on)
    threshold = _round(min_wage * 12)
    limit = f"{table.city(city).name_zh}{on.isoformat()}适用的月最低工资标准{_yuan(min_wage)}×12＝{_yuan(threshold)}"
    per_item = f"{label}属于“{kind}”，每项请求、每名劳动者分别判断，不以集体案件的合计金额判断"
    if amounts is None and worker_count == 1:
        amounts = (total,)
    if amounts is None:
        if total <= threshold:
            status: FinalAwardStatus = "final"
            verdict = f"{worker_count}名劳动者该项合计{_yuan(total)}未超过限额，每名劳动者的该项金额亦不超过，属于终局裁决范围"
        else:
            status = "undetermined"
            verdict = (
                f"{worker_count}名劳动者该项合计{_yuan(total)}；合计超过限额不等于每人超过，"
                "须录入每名劳动者的该项金额后分别判断"
            )
        checks: tuple[WorkerItemCheck, ...] = ()
    else:
        checks = tuple(WorkerItemCheck(i, a, a <= threshold) for i, a in enumerate(amounts))
        over = [c for c in checks if not c.within_limit]
        if not over:
            status = "final"
            verdict = (
                f"该项金额{_yuan(total)}不超过限额，属于终局裁决范围"
                if worker_count == 1
                else f"{worker_count}名劳动者的该项金额均不超过限额（最高{_yuan(max(amounts))}），属于终局裁决范围"
            )
        elif len(over) == len(checks):
            status = "not_final"
            verdict = (
                f"该项金额{_yuan(total)}超过限额，不属于终局裁决范围"
                if worker_count == 1
                else f"{worker_count}名劳动者的该项金额均超过限额，不属于终局裁决范围"
            )
        else:
            status = "mixed"
            names = "、".join(f"第{c.worker_index + 1}名" for c in over)
            verdict = f"{names}劳动者的该项金额超过限额，其余{len(checks) - len(over)}名劳动者的该项属于终局裁决范围"
    basis = (
        f"{limit}；{per_item}；{verdict}。受理时按请求金额预判，最终以仲裁裁决确定的每项数额为准。"
        f"依据：{FINAL_AWARD_SOURCES}。"
    )
    return FinalAwardItem(cat, kind, total, worker_count, threshold, min_wage, checks, status, basis)


# --- notice pay (代通知金) ---------------------------------------------------------------------

NoticeGround = Literal["medical_period_ended", "incompetent", "changed_circumstances"]
_NOTICE_GROUND_ZH: Mapping[str, str] = MappingProxyType(
    {
        "medical_period_ended": "劳动者患病或者非因工负伤，在规定的医疗期满后不能从事原工作，也不能从事由用人单位另行安排的工作（第1项）",
        "incompetent": "劳动者不能胜任工作，经过培训或者调整工作岗位，仍不能胜任工作（第2项）",
        "changed_circumstances": "劳动合同订立时所依据的客观情况发生重大变化，致使劳动合同无法履行，经协商未能就变更劳动合同内容达成协议（第3项）",
    }
)


@dataclass(frozen=True)
class NoticePayResult:
    """代通知金: one month's wage at the previous month's rate, instead of 30 days' written notice (LCL 40)."""

    previous_month_wage: Decimal
    ground: str
    written_notice_days: int
    owed: bool
    amount: Decimal
    basis_zh: str
    legal_basis: str = "劳动合同法 第40条；劳动合同法实施条例 第20条"


@_exact
def notice_pay(
    *, previous_month_wage: Decimal | int | str, ground: NoticeGround | str, written_notice_days: int = 0
) -> NoticePayResult:
    """Notice pay (LCL 40; 实施条例 Art 20): an employer dismissing on an LCL-40 ground without 30 days'
    written notice pays one extra month's wage, at the worker's wage of the month before dismissal."""
    wage = _money(previous_month_wage, "上一个月工资")
    if ground not in _NOTICE_GROUND_ZH:
        known = "、".join(_NOTICE_GROUND_ZH)
        raise InvalidInput("notice_pay.ground", f"代通知金只适用于劳动合同法第40条的三种情形，可选：{known}")
    if not isinstance(written_notice_days, int) or isinstance(written_notice_days, bool) or written_notice_days < 0:
        raise InvalidInput("notice_pay.written_notice_days", "提前书面通知的天数应为非负整数")
    head = f"用人单位以劳动合同法第40条规定的情形解除劳动合同：{_NOTICE_GROUND_ZH[ground]}"
    if written_notice_days >= 30:
        basis = (
            f"{head}；已提前{written_notice_days}日以书面形式通知劳动者本人（不少于30日），无需支付代通知金"
            "（经济补偿另行计算，劳动合同法 第46条第3项）。依据：劳动合同法 第40条。"
        )
        return NoticePayResult(wage, ground, written_notice_days, False, Decimal("0.00"), basis)
    amount = _round(wage)
    notice = f"仅提前{written_notice_days}日书面通知" if written_notice_days else "未提前三十日书面通知"
    basis = (
        f"{head}；{notice}，应额外支付劳动者一个月工资，按劳动者上一个月的工资标准确定："
        f"{_yuan(wage)}。依据：劳动合同法 第40条；劳动合同法实施条例 第20条。经济补偿另行计算（劳动合同法 第46条第3项）。"
    )
    return NoticePayResult(wage, ground, written_notice_days, True, amount, basis)
