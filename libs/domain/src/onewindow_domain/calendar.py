"""The official holiday calendar (法定节假日与调休), one year per State Council notice.

Data lives in ``onewindow_domain/data/holidays.json`` (shipped with the package, read with
``importlib.resources``); add a year there when its notice is published, or pass further files of
the same format to ``HolidayCalendar.load(extra_paths=...)``. A year in a later file replaces the
same year of an earlier one, whole, so a corrected notice is a new file rather than an edit.

A day is a working day when it is Monday–Friday and not an official day off, or when it is a listed
make-up working day (调休上班).

Missing years: the calendar is **strict** by default. Asking about a day of a year that no loaded
notice covers raises ``CalendarYearMissing`` instead of pretending the year has no holidays (a
deadline silently computed over an unknown Spring Festival is worse than an error). Days that a
loaded notice lists explicitly (e.g. a 元旦 day off falling in the previous December) are answered
even when their year is not covered. ``calendar.lenient()`` returns a copy that treats uncovered
years as plain Monday–Friday weeks; ``compute_due`` then records those years on the deadline as
unconfirmed, so the guess stays visible.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from importlib import resources
from os import PathLike
from pathlib import Path
from typing import Any

from onewindow_domain import clock as _clock
from onewindow_domain.errors import CalendarDataError, CalendarYearMissing

__all__ = [
    "Holiday",
    "HolidayCalendar",
    "HolidaySource",
    "HolidayYear",
    "default_calendar",
    "estimated_statutory_days",
]

_FORMAT = 1
_WEEKDAY_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


@dataclass(frozen=True)
class HolidaySource:
    """The official notice a year of data comes from."""

    title: str
    number: str = ""
    published_on: date | None = None

    def describe_zh(self) -> str:
        """e.g. ``国务院办公厅关于2025年部分节假日安排的通知（国办发明电〔2024〕12号，2024-11-12）``."""
        extra = "，".join(x for x in (self.number, self.published_on.isoformat() if self.published_on else "") if x)
        return f"{self.title}（{extra}）" if extra else self.title


@dataclass(frozen=True)
class Holiday:
    """One holiday of a notice: an inclusive run of days off and its make-up working days."""

    name: str
    first_day_off: date
    last_day_off: date
    make_up_working_days: tuple[date, ...] = ()

    def days_off(self) -> Iterator[date]:
        """Every day off, first to last."""
        d = self.first_day_off
        while d <= self.last_day_off:
            yield d
            d += timedelta(days=1)


@dataclass(frozen=True)
class HolidayYear:
    """The holidays of one year, as one notice published them."""

    year: int
    source: HolidaySource
    holidays: tuple[Holiday, ...]


def _weekday_zh(d: date) -> str:
    return _WEEKDAY_ZH[d.weekday()]


class HolidayCalendar:
    """Answers "is this a working day?" from the loaded notices; immutable once built."""

    __slots__ = ("_days_off", "_make_up", "_strict", "_years")

    def __init__(self, years: Iterable[HolidayYear], *, strict: bool = True) -> None:
        by_year: dict[int, HolidayYear] = {}
        for entry in years:
            by_year[entry.year] = entry  # a later entry for the same year replaces the earlier one
        days_off: dict[date, str] = {}
        make_up: dict[date, str] = {}
        for entry in sorted(by_year.values(), key=lambda y: y.year):
            for holiday in entry.holidays:
                if holiday.last_day_off < holiday.first_day_off:
                    raise CalendarDataError("calendar.data", f"{entry.year}年“{holiday.name}”的放假结束日早于开始日")
                for d in holiday.days_off():
                    if d in days_off:
                        raise CalendarDataError(
                            "calendar.data", f"{d.isoformat()}同时属于“{days_off[d]}”和“{holiday.name}”的假期"
                        )
                    days_off[d] = holiday.name
                for d in holiday.make_up_working_days:
                    if d.weekday() < 5:
                        raise CalendarDataError(
                            "calendar.data",
                            f"“{holiday.name}”的调休上班日{d.isoformat()}是{_weekday_zh(d)}，调休上班日应为周六或周日",
                        )
                    make_up[d] = holiday.name
        clash = sorted(set(days_off) & set(make_up))
        if clash:
            raise CalendarDataError("calendar.data", f"{clash[0].isoformat()}既是放假日又是调休上班日")
        self._years: dict[int, HolidayYear] = by_year
        self._days_off = days_off
        self._make_up = make_up
        self._strict = strict

    # --- building -------------------------------------------------------------------------

    @classmethod
    def load(cls, *, extra_paths: Iterable[str | PathLike[str]] = (), strict: bool = True) -> HolidayCalendar:
        """The packaged data plus any extra files (same JSON format; later years replace earlier)."""
        packaged = resources.files("onewindow_domain").joinpath("data", "holidays.json").read_text(encoding="utf-8")
        years = list(_parse(json.loads(packaged), origin="holidays.json"))
        for path in extra_paths:
            p = Path(path)
            try:
                data = json.loads(p.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError) as exc:
                raise CalendarDataError("calendar.data", f"无法读取节假日数据文件{p.name}：{exc}") from exc
            years.extend(_parse(data, origin=p.name))
        return cls(years, strict=strict)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, strict: bool = True) -> HolidayCalendar:
        """A calendar from an already-parsed document of the data file's format."""
        return cls(_parse(data, origin="mapping"), strict=strict)

    def lenient(self) -> HolidayCalendar:
        """A copy that treats years without data as plain Monday–Friday weeks."""
        return HolidayCalendar(self._years.values(), strict=False)

    def strict_copy(self) -> HolidayCalendar:
        """A copy that raises ``CalendarYearMissing`` for years without data."""
        return HolidayCalendar(self._years.values(), strict=True)

    # --- what the data covers -------------------------------------------------------------

    @property
    def strict(self) -> bool:
        """Whether a year without data raises (True) or is treated as plain weeks (False)."""
        return self._strict

    @property
    def years(self) -> tuple[int, ...]:
        """The years a notice has been loaded for, ascending."""
        return tuple(sorted(self._years))

    def covers(self, d: date) -> bool:
        """True when the day's year has a notice, or the day is listed explicitly by one."""
        return d.year in self._years or d in self._days_off or d in self._make_up

    def year_data(self, year: int) -> HolidayYear:
        """The loaded notice of ``year``, or raise ``CalendarYearMissing``."""
        try:
            return self._years[year]
        except KeyError:
            raise CalendarYearMissing(year) from None

    # --- questions about a day --------------------------------------------------------------

    def holiday_name(self, d: date) -> str | None:
        """The holiday a day off belongs to (e.g. '国庆节'), or None."""
        return self._days_off.get(d)

    def is_make_up_working_day(self, d: date) -> bool:
        """True for a weekend day worked under 调休."""
        return d in self._make_up

    def is_working_day(self, d: date) -> bool:
        """Mon–Fri and not an official day off, or a listed make-up working day.

        A year without a notice (lenient calendars only) still has the statutory holidays whose
        dates need no lunar calendar (``estimated_statutory_days``); its make-up days are unknown."""
        if d in self._make_up:
            return True
        if d in self._days_off:
            return False
        if d.year not in self._years:
            if self._strict:
                raise CalendarYearMissing(d.year)
            if d in estimated_statutory_days(d.year):
                return False
        return d.weekday() < 5

    def is_day_off(self, d: date) -> bool:
        """An official holiday day off, or a weekend day that is not a make-up working day."""
        return not self.is_working_day(d)

    def describe_day(self, d: date) -> str:
        """A clerk's description of the day, e.g. '2026-10-04（周日，国庆节假期）'."""
        wd = _weekday_zh(d)
        if d in self._make_up:
            return f"{d.isoformat()}（{wd}，{self._make_up[d]}调休上班日）"
        if d in self._days_off:
            return f"{d.isoformat()}（{wd}，{self._days_off[d]}假期）"
        if d.year not in self._years and d in estimated_statutory_days(d.year):
            name = estimated_statutory_days(d.year)[d]
            return f"{d.isoformat()}（{wd}，{name}，按全国年节及纪念日放假办法推算，须复核）"
        if d.weekday() >= 5:
            return f"{d.isoformat()}（{wd}，休息日）"
        return f"{d.isoformat()}（{wd}）"

    # --- moving between days ----------------------------------------------------------------

    def roll_forward(self, d: date) -> date:
        """``d`` itself when it is a working day, else the next working day."""
        while not self.is_working_day(d):
            d += timedelta(days=1)
        return d

    def next_working_day(self, d: date) -> date:
        """The first working day strictly after ``d``."""
        return self.roll_forward(d + timedelta(days=1))

    def add_working_days(self, d: date, n: int) -> date:
        """The n-th working day after ``d`` (``d`` itself not counted); negative n counts back."""
        step = timedelta(days=1 if n >= 0 else -1)
        remaining = abs(n)
        while remaining:
            d += step
            if self.is_working_day(d):
                remaining -= 1
        return d

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]: ``start`` excluded, ``end`` included; 0 when end <= start."""
        count, d = 0, start
        while d < end:
            d += timedelta(days=1)
            if self.is_working_day(d):
                count += 1
        return count

    def __repr__(self) -> str:
        return f"HolidayCalendar(years={list(self.years)}, strict={self._strict})"


def _qingming(year: int) -> date:
    """清明 (the solar term) in 2001–2099: day = ⌊Y × 0.2422 + 4.81⌋ − ⌊Y / 4⌋ with Y = year − 2000 (the
    usual 21st-century approximation of the term; 2023 → 04-05, 2024 → 04-04, 2025 → 04-04, 2026 → 04-05)."""
    y = year % 100
    return date(year, 4, int(y * 0.2422 + 4.81) - y // 4)


@lru_cache(maxsize=1)
def _lunar_table() -> Mapping[str, Mapping[str, str]]:
    """``data/lunar.json``: 正月初一, 五月初五 and 八月十五 of 2000–2099 (generated from lunar_python by
    ``libs/domain/scripts/lunar_table.py``; a test recomputes it)."""
    text = resources.files("onewindow_domain").joinpath("data", "lunar.json").read_text(encoding="utf-8")
    years: Mapping[str, Mapping[str, str]] = json.loads(text)["years"]
    return years


def _lunar(year: int, which: str) -> date:
    """The Gregorian date of ``which`` (spring_festival, dragon_boat, mid_autumn) in ``year``."""
    return date.fromisoformat(_lunar_table()[str(year)][which])


@lru_cache(maxsize=32)
def estimated_statutory_days(year: int) -> Mapping[date, str]:
    """The statutory holidays of a year as 全国年节及纪念日放假办法 fixes them, for years without a notice.

    The version in force that year decides (第2条 of each):
    - 1999 version (2000–2007): 元旦 1 day; 春节 3 (正月初一至初三); 劳动节 3 (05-01…05-03); 国庆节 3.
    - 2007 version (2008–2013): 元旦 1; 春节 3 (除夕、正月初一、初二); 清明节 1 (the solar term);
      劳动节 1 (05-01); 端午节 1 (五月初五); 中秋节 1 (八月十五); 国庆节 3 (10-01…10-03).
    - 2013 version (2014–2024): as 2007 but 春节 正月初一至初三.
    - 2024 version (from 2025): 元旦 1; 春节 4 (除夕、正月初一至初三); 清明节 1; 劳动节 2 (05-01, 05-02);
      端午节 1; 中秋节 1; 国庆节 3.
    The lunar dates come from the shipped table (``_lunar``); 除夕 is the day before 正月初一 (the last day of the
    twelfth month, whether it has 29 or 30 days). The make-up working days (调休) and the weekday
    compensation for a holiday on a weekend are decided by each year's notice and are **not**
    estimated: such years stay "unconfirmed" (须复核) on every deadline that consults them."""
    if not 2000 <= year <= 2099:
        return {}
    new_year = _lunar(year, "spring_festival")
    eve = new_year - timedelta(days=1)
    days: dict[date, str] = {date(year, 1, 1): "元旦"}
    if year <= 2007:
        spring = [new_year + timedelta(days=n) for n in range(3)]
        labour = [date(year, 5, n) for n in (1, 2, 3)]
    else:
        if year <= 2013:
            spring = [eve, new_year, new_year + timedelta(days=1)]
        elif year <= 2024:
            spring = [new_year + timedelta(days=n) for n in range(3)]
        else:
            spring = [eve] + [new_year + timedelta(days=n) for n in range(3)]
        labour = [date(year, 5, 1)] if year <= 2024 else [date(year, 5, 1), date(year, 5, 2)]
        days[_qingming(year)] = "清明节"
        days[_lunar(year, "dragon_boat")] = "端午节"
        days[_lunar(year, "mid_autumn")] = "中秋节"
    # 正月初一 falls between 01-21 and 02-20, so 除夕 is always in the same Gregorian year.
    days |= dict.fromkeys(spring, "春节")
    days |= dict.fromkeys(labour, "劳动节")
    days |= {date(year, 10, n): "国庆节" for n in (1, 2, 3)}
    return days


@lru_cache(maxsize=1)
def default_calendar() -> HolidayCalendar:
    """The strict calendar of the packaged data (loaded once per process)."""
    return HolidayCalendar.load()


# --- parsing ------------------------------------------------------------------------------


def _parse(data: Mapping[str, Any], *, origin: str) -> Iterator[HolidayYear]:
    def bad(msg: str) -> CalendarDataError:
        return CalendarDataError("calendar.data", f"节假日数据{origin}格式错误：{msg}")

    if not isinstance(data, Mapping) or data.get("format") != _FORMAT:
        raise bad(f"缺少或不支持的format（应为{_FORMAT}）")
    years = data.get("years")
    if not isinstance(years, Mapping):
        raise bad("缺少years")
    for key, entry in years.items():
        try:
            year = int(key)
        except ValueError:
            raise bad(f"年份“{key}”不是数字") from None
        try:
            src = entry["source"]
            source = HolidaySource(
                title=str(src["title"]),
                number=str(src.get("number", "")),
                published_on=_date(src["published_on"]) if src.get("published_on") else None,
            )
            holidays = tuple(
                Holiday(
                    name=str(h["name"]),
                    first_day_off=_date(h["first_day_off"]),
                    last_day_off=_date(h["last_day_off"]),
                    make_up_working_days=tuple(_date(x) for x in h.get("make_up_working_days", ())),
                )
                for h in entry["holidays"]
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise bad(f"{year}年数据不完整或日期无效（{exc}）") from None
        yield HolidayYear(year=year, source=source, holidays=holidays)


def _date(value: Any) -> date:
    return date.fromisoformat(str(value))


# Kept for the services that import them from here; the one implementation is ``clock``.
CHINA_TZ = _clock.CHINA_TZ


def china_today() -> date:
    """Today's date in China (``clock.today()``: legal deadlines are dates in Asia/Shanghai)."""
    return _clock.today()


def china_date(instant: _dt.datetime) -> date:
    """The date in China of an aware instant (``clock.china_date``)."""
    return _clock.china_date(instant)
