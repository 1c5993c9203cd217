"""Statutory clocks (法定期限): the rule table of DOMAIN.md §3 and how a due date is counted.

Counting (民事诉讼法 第85条; 民法典 第201–203条 for the limitation period):
- the day the period starts is not counted (首日不计): 15 days from 2026-09-30 end on 2026-10-15;
- calendar-day, month and year periods whose last day is a day off — an official holiday or an
  ordinary weekend day that is not a make-up working day — end on the next working day;
- working-day periods count only working days (调休 make-up days count, holidays do not), so they
  always end on a working day and never roll;
- month and year periods end on the corresponding date of the final month, or its last day when
  there is none (2026-01-31 + 1 month → 2026-02-28), then roll like calendar-day periods.

Pauses (中止, e.g. mediation suspended while a party is in hospital): the clock stands still on
every day from ``Pause.start`` to ``Pause.end``, both included. Overlapping or touching pauses are
merged first; only paused days after the start day and up to the (extended) end count, so a pause
recorded after the period ran out changes nothing. A pause never shortens a period: for day and
month periods the end moves later by the paused days inside it; working-day periods skip paused
days when counting. Rolling over a day off happens after the extension.

The rule table is configuration: ``DEFAULT_RULES`` mirrors DOMAIN.md §3 and ``load_rules`` merges
overrides from a mapping or a JSON file (e.g. a locality that agrees a longer referral period).
"""

from __future__ import annotations

import calendar as _stdlib_calendar
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from enum import StrEnum
from os import PathLike
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from onewindow_domain.calendar import HolidayCalendar, default_calendar
from onewindow_domain.claims import ClaimCategory, parse_claim_category
from onewindow_domain.errors import InvalidInput, UnknownRule

__all__ = [
    "DEFAULT_27_4_READING",
    "DEFAULT_RULES",
    "LIMITATION_27_4_READINGS",
    "ClockRule",
    "ClockUnit",
    "Deadline",
    "DeadlineState",
    "Interruption",
    "LimitationResult",
    "Pause",
    "RemunerationReading",
    "add_months",
    "compute_due",
    "get_rule",
    "limitation_check",
    "load_rules",
    "merge_pauses",
]

CPL_85 = "民事诉讼法 第85条"


class ClockUnit(StrEnum):
    """How a period is counted."""

    CALENDAR_DAYS = "calendar_days"
    WORKING_DAYS = "working_days"
    MONTHS = "months"
    YEARS = "years"


_UNIT_ZH = {
    ClockUnit.CALENDAR_DAYS: "日",
    ClockUnit.WORKING_DAYS: "个工作日",
    ClockUnit.MONTHS: "个月",
    ClockUnit.YEARS: "年",
}


@dataclass(frozen=True)
class ClockRule:
    """One statutory period: its code, length, unit and legal source."""

    code: str
    amount: int
    unit: ClockUnit
    legal_source: str
    description_zh: str
    note_zh: str = ""  # extension possibilities and other caveats a clerk should know

    def __post_init__(self) -> None:
        if not isinstance(self.amount, int) or isinstance(self.amount, bool) or self.amount < 1:
            raise InvalidInput("clock_rule.amount", f"期限规则{self.code}的期间长度应为正整数")
        try:
            object.__setattr__(self, "unit", ClockUnit(self.unit))
        except ValueError:
            units = "、".join(u.value for u in ClockUnit)
            raise InvalidInput("clock_rule.unit", f"期限规则{self.code}的计算单位无效，可选：{units}") from None

    @property
    def period_zh(self) -> str:
        """The period as a clerk writes it: '15日', '3个工作日', '1年'."""
        return f"{self.amount}{_UNIT_ZH[self.unit]}"


def _rule(code: str, amount: int, unit: ClockUnit, source: str, description_zh: str, note_zh: str = "") -> ClockRule:
    return ClockRule(code, amount, unit, source, description_zh, note_zh)


_D, _WD, _Y = ClockUnit.CALENDAR_DAYS, ClockUnit.WORKING_DAYS, ClockUnit.YEARS

# Rules-33's final provisions: its "三日、五日、十日" are working days, "十五日、四十五日" calendar days.
RULES_33_WORKING_DAYS = "劳动人事争议仲裁办案规则 第80条（本规则规定的三日、五日、十日指工作日）"

DEFAULT_RULES: Mapping[str, ClockRule] = MappingProxyType(
    {
        r.code: r
        for r in (
            _rule(
                "mediation_15d",
                15,
                _D,
                "劳动争议调解仲裁法 第14条",
                "调解组织自收到调解申请之日起15日内未达成调解协议的，当事人可以依法申请仲裁",
                "经双方当事人同意可以延长",
            ),
            _rule(
                "court_referral_30d",
                30,
                _D,
                "最高人民法院关于人民法院特邀调解的规定 第27条；人民法院在线调解规则 第24条",
                "诉前委派调解期限，自调解组织或调解员确认接受委派之日起计算",
                "经各方当事人同意可以延长",
            ),
            _rule(
                "court_referral_acceptance_3wd",
                3,
                _WD,
                "人民法院在线调解规则 第12条",
                "调解组织或调解员收到法院委派后决定是否接受的期限",
            ),
            _rule(
                "arbitration_acceptance_5d",
                5,
                _WD,
                f"劳动争议调解仲裁法 第29条；劳动人事争议仲裁办案规则 第30条；{RULES_33_WORKING_DAYS}",
                "仲裁委员会自收到仲裁申请之日起决定是否受理的期限（5个工作日）",
            ),
            _rule(
                "arbitration_award_45d",
                45,
                _D,
                "劳动争议调解仲裁法 第43条",
                "仲裁庭自仲裁委员会受理仲裁申请之日起结案的期限",
                "案情复杂需要延期的，经仲裁委员会主任批准可以延长，延长期限不得超过15日",
            ),
            _rule(
                "arbitration_award_extension_15d",
                15,
                _D,
                "劳动争议调解仲裁法 第43条",
                "经批准延长的仲裁结案期限，自原结案期限届满之日起计算",
            ),
            _rule(
                "arbitration_entrusted_mediation_10d",
                10,
                _WD,
                f"劳动人事争议仲裁办案规则 第69条；{RULES_33_WORKING_DAYS}",
                "开庭前经双方当事人同意，仲裁庭委托调解组织调解的期限，自当事人同意之日起计算（10个工作日）",
                "期满未达成调解协议的，应当开庭审理",
            ),
            _rule(
                "arbitration_review_application_15d",
                15,
                _D,
                "劳动人事争议仲裁办案规则 第74条",
                "双方当事人自调解协议生效之日起申请仲裁审查确认的期限",
            ),
            _rule(
                "arbitration_review_decision_5wd",
                5,
                _WD,
                f"劳动人事争议仲裁办案规则 第75条；{RULES_33_WORKING_DAYS}",
                "仲裁委员会收到仲裁审查申请后决定是否受理并作出审查结论的期限（5个工作日）",
                "条文序号待核对（决定0018）；逾期未答复的，中心跟进",
            ),
            _rule(
                "judicial_confirmation_application_30d",
                30,
                _D,
                "民事诉讼法 第205条；人民调解法 第33条",
                "双方当事人自调解协议生效之日起共同申请司法确认的期限",
            ),
            _rule(
                "judicial_confirmation_decision_30d",
                30,
                _D,
                "民事诉讼法 第187条",
                "人民法院自立案之日起审结司法确认案件的期限",
            ),
            _rule(
                "limitation_1y",
                1,
                _Y,
                "劳动争议调解仲裁法 第27条",
                "劳动争议申请仲裁的时效期间，从当事人知道或者应当知道其权利被侵害之日起计算",
                "向对方主张权利、请求权利救济（包括申请调解）或对方同意履行义务的，时效中断并重新计算；"
                "劳动关系存续期间拖欠劳动报酬的，不受时效限制，但劳动关系终止的，应自终止之日起一年内提出",
            ),
            _rule(
                "in_litigation_referral_15d",
                15,
                _D,
                "人民法院在线调解规则 第24条",
                "诉中委托调解期限（适用普通程序的案件），自调解组织或调解员确认接受委托之日起计算",
                "经各方当事人同意可以延长；延长的调解期间不计入审理期限",
            ),
            _rule(
                "in_litigation_referral_summary_7d",
                7,
                _D,
                "人民法院在线调解规则 第24条",
                "诉中委托调解期限（适用简易程序的案件），自调解组织或调解员确认接受委托之日起计算",
                "经各方当事人同意可以延长；延长的调解期间不计入审理期限",
            ),
            _rule(
                "payment_order_acceptance_5d",
                5,
                _D,
                "民事诉讼法 第226条",
                "债权人提出支付令申请后，人民法院通知是否受理的期限",
            ),
            _rule(
                "payment_order_issue_15d",
                15,
                _D,
                "民事诉讼法 第227条第1款",
                "人民法院受理支付令申请后，对债权债务关系明确、合法的，发出支付令的期限，自受理之日起计算",
            ),
            _rule(
                "payment_order_objection_15d",
                15,
                _D,
                "民事诉讼法 第227条第2款",
                "债务人自收到支付令之日起清偿债务或者提出书面异议的期限",
                "债务人在此期间不提出异议又不履行支付令的，债权人可以向人民法院申请执行（民事诉讼法 第227条第3款）",
            ),
        )
    }
)


def load_rules(
    *,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
    path: str | PathLike[str] | None = None,
    base: Mapping[str, ClockRule] = DEFAULT_RULES,
) -> Mapping[str, ClockRule]:
    """``base`` with overrides merged in (file first, then mapping); a known code may change single fields."""
    layers: list[Mapping[str, Mapping[str, Any]]] = []
    if path is not None:
        p = Path(path)
        try:
            layers.append(json.loads(p.read_text(encoding="utf-8")))
        except (OSError, json.JSONDecodeError) as exc:
            raise InvalidInput("clock_rule.file", f"无法读取期限规则文件{p.name}：{exc}") from exc
    if overrides is not None:
        layers.append(overrides)
    rules = dict(base)
    fields = ("amount", "unit", "legal_source", "description_zh", "note_zh")
    for layer in layers:
        if not isinstance(layer, Mapping):
            raise InvalidInput("clock_rule.file", "期限规则配置应为“规则代码 → 字段”的映射")
        for code, values in layer.items():
            unknown = set(values) - set(fields) - {"code"}
            if unknown:
                raise InvalidInput("clock_rule.field", f"期限规则{code}含有未知字段：{'、'.join(sorted(unknown))}")
            picked = {k: values[k] for k in fields if k in values}
            if code in rules:
                rules[code] = replace(rules[code], **picked)
            else:
                missing = [k for k in fields[:4] if k not in picked]
                if missing:
                    raise InvalidInput("clock_rule.field", f"新增期限规则{code}缺少字段：{'、'.join(missing)}")
                rules[code] = ClockRule(code=code, **picked)
    return MappingProxyType(rules)


def get_rule(code: str, *, rules: Mapping[str, ClockRule] | None = None) -> ClockRule:
    """The rule with this code from ``rules`` (default table when omitted), or raise ``UnknownRule``."""
    table = DEFAULT_RULES if rules is None else rules
    try:
        return table[code]
    except KeyError:
        raise UnknownRule("clock_rule.unknown", f"未知的期限规则“{code}”") from None


# --- pauses and date arithmetic -----------------------------------------------------------


@dataclass(frozen=True)
class Pause:
    """Days on which the clock stands still, ``start`` to ``end`` inclusive."""

    start: date
    end: date
    reason: str = ""

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise InvalidInput(
                "pause.range", f"中止期间的结束日{self.end.isoformat()}早于开始日{self.start.isoformat()}"
            )

    @property
    def days(self) -> int:
        """Calendar days in the pause, both ends included."""
        return (self.end - self.start).days + 1


def merge_pauses(pauses: Iterable[Pause]) -> tuple[Pause, ...]:
    """Pauses sorted, with overlapping or touching ones merged (their reasons joined)."""
    merged: list[Pause] = []
    for p in sorted(pauses, key=lambda p: (p.start, p.end)):
        if merged and p.start <= merged[-1].end + timedelta(days=1):
            last = merged[-1]
            reasons = [r for r in dict.fromkeys((last.reason, p.reason)) if r]
            merged[-1] = Pause(last.start, max(last.end, p.end), "；".join(reasons))
        else:
            merged.append(p)
    return tuple(merged)


def _paused_days_in(pauses: tuple[Pause, ...], after: date, through: date) -> int:
    """Paused days d with after < d <= through."""
    total = 0
    for p in pauses:
        lo = max(p.start, after + timedelta(days=1))
        hi = min(p.end, through)
        if hi >= lo:
            total += (hi - lo).days + 1
    return total


def _is_paused(pauses: tuple[Pause, ...], d: date) -> bool:
    return any(p.start <= d <= p.end for p in pauses)


def add_months(d: date, months: int) -> date:
    """The corresponding date ``months`` later, or that month's last day when there is none."""
    index = d.year * 12 + d.month - 1 + months
    year, month = divmod(index, 12)
    last = _stdlib_calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(d.day, last))


class _Probe:
    """Asks the calendar and remembers which consulted years had no data (lenient calendars)."""

    def __init__(self, calendar: HolidayCalendar) -> None:
        self.calendar = calendar
        self.unconfirmed: set[int] = set()

    def is_working_day(self, d: date) -> bool:
        answer = self.calendar.is_working_day(d)  # raises first when the calendar is strict
        if not self.calendar.covers(d):
            self.unconfirmed.add(d.year)
        return answer

    def roll_forward(self, d: date) -> date:
        while not self.is_working_day(d):
            d += timedelta(days=1)
        return d


# --- deadlines ---------------------------------------------------------------------------

DeadlineState = Literal["running", "due_today", "overdue"]


@dataclass(frozen=True)
class Deadline:
    """A computed due date with everything needed to explain it."""

    rule: ClockRule
    start: date
    due_on: date
    period_end_on: date  # start + period, before pauses and rolling
    unadjusted_on: date  # after pauses, before rolling
    rolled_from: date | None  # the unadjusted date when it fell on a day off
    roll_reason_zh: str | None  # e.g. '2026-10-07（周三，国庆节假期）'
    paused_days: int
    pauses: tuple[Pause, ...]  # merged
    unconfirmed_years: tuple[int, ...]  # years consulted without holiday data (lenient calendar)
    basis_zh: str = field(compare=False)

    def remaining_days(self, today: date) -> int:
        """Calendar days from ``today`` to the due date; 0 on the day, negative when overdue."""
        return (self.due_on - today).days

    def is_overdue(self, today: date) -> bool:
        """True once the due date has passed."""
        return today > self.due_on

    def state(self, today: date) -> DeadlineState:
        """'running', 'due_today' or 'overdue'."""
        if today < self.due_on:
            return "running"
        return "due_today" if today == self.due_on else "overdue"


def compute_due(
    rule: ClockRule | str,
    start: date,
    *,
    pauses: Iterable[Pause] = (),
    calendar: HolidayCalendar | None = None,
) -> Deadline:
    """The due date of ``rule`` counted from ``start`` (first day excluded), with pauses and rolling."""
    rule = get_rule(rule) if isinstance(rule, str) else rule
    probe = _Probe(calendar or default_calendar())
    merged = merge_pauses(pauses)

    if rule.unit is ClockUnit.WORKING_DAYS:
        period_end = _add_working_days(probe, start, rule.amount, ())
        unadjusted = due = _add_working_days(probe, start, rule.amount, merged)
    else:
        if rule.unit is ClockUnit.CALENDAR_DAYS:
            period_end = start + timedelta(days=rule.amount)
        else:
            period_end = add_months(start, rule.amount * (12 if rule.unit is ClockUnit.YEARS else 1))
        # Least fixpoint of end = period_end + paused days in (start, end]: the end moves past
        # every paused day inside the period, including paused days the extension itself reaches.
        unadjusted = period_end
        while True:
            extended = period_end + timedelta(days=_paused_days_in(merged, start, unadjusted))
            if extended == unadjusted:
                break
            unadjusted = extended
        due = probe.roll_forward(unadjusted)

    paused_days = _paused_days_in(merged, start, unadjusted)
    rolled_from = unadjusted if due != unadjusted else None
    cal = probe.calendar
    roll_reason = cal.describe_day(unadjusted) if rolled_from else None
    unconfirmed = tuple(sorted(probe.unconfirmed))
    basis = _basis_zh(
        rule=rule,
        start=start,
        period_end=period_end,
        unadjusted=unadjusted,
        due=due,
        roll_reason=roll_reason,
        paused_days=paused_days,
        pauses=tuple(p for p in merged if _paused_days_in((p,), start, unadjusted)),
        unconfirmed=unconfirmed,
        calendar=cal,
    )
    return Deadline(
        rule=rule,
        start=start,
        due_on=due,
        period_end_on=period_end,
        unadjusted_on=unadjusted,
        rolled_from=rolled_from,
        roll_reason_zh=roll_reason,
        paused_days=paused_days,
        pauses=merged,
        unconfirmed_years=unconfirmed,
        basis_zh=basis,
    )


def _add_working_days(probe: _Probe, start: date, n: int, pauses: tuple[Pause, ...]) -> date:
    d = start
    while n:
        d += timedelta(days=1)
        if not _is_paused(pauses, d) and probe.is_working_day(d):
            n -= 1
    return d


def _basis_zh(
    *,
    rule: ClockRule,
    start: date,
    period_end: date,
    unadjusted: date,
    due: date,
    roll_reason: str | None,
    paused_days: int,
    pauses: tuple[Pause, ...],
    unconfirmed: tuple[int, ...],
    calendar: HolidayCalendar,
) -> str:
    how = {
        ClockUnit.CALENDAR_DAYS: "首日不计",
        ClockUnit.WORKING_DAYS: "首日不计，只计工作日：法定节假日和休息日不计，调休上班日计入",
        ClockUnit.MONTHS: "首日不计，到期月的对应日为届满日，无对应日的为该月末日",
        ClockUnit.YEARS: "首日不计，到期年的对应日为届满日，无对应日的为该月末日",
    }[rule.unit]
    parts = [f"自{start.isoformat()}起{rule.period_zh}（{how}），届满日{period_end.isoformat()}"]
    if paused_days:
        spans = "、".join(
            f"{p.start.isoformat()}至{p.end.isoformat()}" + (f"，{p.reason}" if p.reason else "") for p in pauses
        )
        parts.append(f"期间中止{paused_days}日（{spans}），中止期间不计入，顺延至{unadjusted.isoformat()}")
    if roll_reason:
        parts.append(f"{roll_reason}不是工作日，依{CPL_85}顺延至其后第一个工作日{calendar.describe_day(due)}")
    about = "；".join(x for x in (rule.description_zh, rule.note_zh) if x)
    text = "；".join(parts) + f"。依据：{rule.legal_source}（{about}）。"
    if unconfirmed:
        years = "、".join(f"{y}年" for y in unconfirmed)
        text += f"注意：节假日数据尚未收录{years}的放假安排，该年度仅按普通周末推算，待国务院办公厅通知发布后须复核。"
    return text


# --- limitation period (仲裁时效) -------------------------------------------------------------


@dataclass(frozen=True)
class Interruption:
    """An event that interrupts the limitation period (the worker claimed the right, the employer agreed to pay…)."""

    on: date
    reason_zh: str = ""


@dataclass(frozen=True)
class LimitationResult:
    """Whether the 1-year arbitration limitation period looks exceeded; a warning, never a refusal."""

    claim_category: ClaimCategory
    knew_on: date
    applied_on: date
    employment_ended_on: date | None
    no_limit_while_employed: bool  # wage arrears claimed while the employment still runs
    period_start_on: date | None  # where the period running on the application date began
    expires_on: date | None  # None when no limit applies
    exceeded: bool
    interruptions_applied: tuple[Interruption, ...]  # those that restarted the period
    interruptions_ignored: tuple[Interruption, ...]  # after expiry, before the start, or after applying
    application_interrupts: bool  # the application for mediation itself interrupts the period
    restarts_on: date | None  # the new period restarts from the application date
    new_expires_on: date | None  # 1 year from the application (first day excluded, rolled)
    deadline: Deadline | None  # the period running on the application date, with its basis
    unconfirmed_years: tuple[int, ...]
    explanation_zh: str
    warning_zh: str | None
    legal_basis: str = "劳动争议调解仲裁法 第27条；劳动人事争议仲裁办案规则 第26–27条"


@dataclass(frozen=True)
class RemunerationReading:
    """A reading of LDMAL 27(4): which claims count as 劳动报酬 that run no limit during employment."""

    code: str
    categories: frozenset[ClaimCategory]
    description_zh: str
    source_zh: str


LIMITATION_27_4_READINGS: Mapping[str, RemunerationReading] = MappingProxyType(
    {
        "all_remuneration": RemunerationReading(
            "all_remuneration",
            frozenset({ClaimCategory.WAGE_ARREARS, ClaimCategory.OVERTIME}),
            "劳动关系存续期间的全部劳动报酬争议（含加班费）不受一年时效限制",
            "劳动争议调解仲裁法 第27条第4款（“拖欠劳动报酬”）；加班费属于劳动报酬："
            "劳动法 第44条规定延长工作时间须支付“工资报酬”，《关于工资总额组成的规定》第4条、第9条将加班加点工资列入工资总额",
        ),
        "wage_arrears_only": RemunerationReading(
            "wage_arrears_only",
            frozenset({ClaimCategory.WAGE_ARREARS}),
            "仅拖欠正常工作时间工资的争议不受一年时效限制，加班费适用一年时效（部分地区的审判口径）",
            "劳动争议调解仲裁法 第27条第4款的限缩理解；适用前请核对本地仲裁委员会、法院的指导意见",
        ),
    }
)
DEFAULT_27_4_READING = "all_remuneration"  # the better reading (DOMAIN.md §3); configurable per locality


def limitation_check(
    *,
    knew_on: date,
    applied_on: date,
    employment_ended_on: date | None = None,
    claim_category: ClaimCategory | str = ClaimCategory.OTHER,
    interruptions: Iterable[Interruption | date] = (),
    suspensions: Iterable[Pause] = (),
    remuneration_reading: str = DEFAULT_27_4_READING,
    calendar: HolidayCalendar | None = None,
    rules: Mapping[str, ClockRule] | None = None,
) -> LimitationResult:
    """Check the 1-year limitation (LDMAL 27) on the application date; the application interrupts it.

    ``suspensions`` (中止, 27(3)): spans in which force majeure or another proper cause kept the worker
    from applying; the period stands still on those days and continues once the cause is gone.
    ``remuneration_reading`` picks the reading of 27(4) (``LIMITATION_27_4_READINGS``)."""
    category = parse_claim_category(claim_category)
    try:
        reading = LIMITATION_27_4_READINGS[remuneration_reading]
    except KeyError:
        known = "、".join(LIMITATION_27_4_READINGS)
        raise InvalidInput(
            "limitation.reading", f"未知的第27条第4款适用口径“{remuneration_reading}”，可选：{known}"
        ) from None
    halts = merge_pauses(suspensions)
    if applied_on < knew_on:
        raise InvalidInput("limitation.dates", "申请日期不能早于知道或应当知道权利被侵害之日")
    rule = get_rule("limitation_1y", rules=rules)
    # A warning must never stop intake: years without holiday data are estimated (and flagged)
    # rather than raised, because a 1-year period usually ends in a year whose notice is not out yet.
    cal = (calendar or default_calendar()).lenient()
    events = sorted(
        (i if isinstance(i, Interruption) else Interruption(on=i) for i in interruptions), key=lambda i: i.on
    )

    wage_case = category in reading.categories
    still_employed = wage_case and (employment_ended_on is None or employment_ended_on > applied_on)
    notes: list[str] = []
    if still_employed:
        ended_text = (
            "劳动关系尚未终止"
            if employment_ended_on is None
            else f"申请时劳动关系尚未终止（终止日{employment_ended_on.isoformat()}）"
        )
        explanation = (
            f"请求事项为{category.label_zh}，{ended_text}：劳动关系存续期间因拖欠劳动报酬发生争议的，"
            "申请仲裁不受一年仲裁时效期间的限制（劳动争议调解仲裁法 第27条第4款）；劳动关系终止后，应自终止之日起一年内提出。"
            f"适用口径：{reading.description_zh}（{reading.source_zh}）。"
        )
        return LimitationResult(
            claim_category=category,
            knew_on=knew_on,
            applied_on=applied_on,
            employment_ended_on=employment_ended_on,
            no_limit_while_employed=True,
            period_start_on=None,
            expires_on=None,
            exceeded=False,
            interruptions_applied=(),
            interruptions_ignored=tuple(events),
            application_interrupts=False,
            restarts_on=None,
            new_expires_on=None,
            deadline=None,
            unconfirmed_years=(),
            explanation_zh=explanation,
            warning_zh=None,
        )

    if wage_case:
        assert employment_ended_on is not None
        start = max(knew_on, employment_ended_on)
        notes.append(
            f"请求事项为{category.label_zh}，劳动关系已于{employment_ended_on.isoformat()}终止，"
            f"时效自{start.isoformat()}起算（劳动争议调解仲裁法 第27条第4款）"
        )
    else:
        start = knew_on
        notes.append(
            f"时效自知道或应当知道权利被侵害之日{knew_on.isoformat()}起算一年（劳动争议调解仲裁法 第27条第1款）"
        )

    deadline = compute_due(rule, start, pauses=halts, calendar=cal)
    applied: list[Interruption] = []
    ignored: list[Interruption] = []
    for event in events:
        label = event.on.isoformat() + (f"（{event.reason_zh}）" if event.reason_zh else "")
        if event.on > applied_on:
            ignored.append(event)
            notes.append(f"{label}晚于本次申请日，不影响本次判断")
        elif event.on < deadline.start:
            ignored.append(event)
            notes.append(f"{label}早于时效起算日，不构成中断")
        elif event.on > deadline.due_on:
            ignored.append(event)
            notes.append(f"{label}发生时时效已于{deadline.due_on.isoformat()}届满，不能中断")
        else:
            applied.append(event)
            deadline = compute_due(rule, event.on, pauses=halts, calendar=cal)
            notes.append(f"{label}时效中断，自该日起重新计算，届满日{deadline.due_on.isoformat()}")

    if deadline.paused_days:
        spans = "、".join(
            f"{p.start.isoformat()}至{p.end.isoformat()}" + (f"（{p.reason}）" if p.reason else "")
            for p in deadline.pauses
            if _paused_days_in((p,), deadline.start, deadline.unadjusted_on)
        )
        notes.append(
            f"时效中止{deadline.paused_days}日（{spans}）：因不可抗力或者有其他正当理由不能申请仲裁的，时效中止，"
            f"自中止原因消除之日起继续计算（劳动争议调解仲裁法 第27条第3款），届满日顺延至{deadline.due_on.isoformat()}"
        )
    exceeded = applied_on > deadline.due_on
    years = set(deadline.unconfirmed_years)
    if exceeded:
        restarts_on = new_expires = None
        warning = (
            f"提示：仲裁时效可能已于{deadline.due_on.isoformat()}届满（申请日{applied_on.isoformat()}）。"
            "本提示不影响受理调解；请向当事人了解是否存在主张权利、对方同意履行等中断或中止事由，并如实记录。"
        )
        notes.append(f"申请日{applied_on.isoformat()}晚于届满日{deadline.due_on.isoformat()}，时效可能已经届满")
    else:
        renewed = compute_due(rule, applied_on, calendar=cal)
        years |= set(renewed.unconfirmed_years)
        restarts_on, new_expires = applied_on, renewed.due_on
        warning = None
        notes.append(
            f"申请日{applied_on.isoformat()}在时效期间内（届满日{deadline.due_on.isoformat()}）；"
            f"本次申请调解即构成时效中断，时效自{applied_on.isoformat()}起重新计算，新的届满日为{new_expires.isoformat()}"
        )
    unconfirmed = tuple(sorted(years))
    if unconfirmed:
        notes.append(
            f"节假日数据尚未收录{'、'.join(f'{y}年' for y in unconfirmed)}的放假安排，届满日仅按普通周末顺延，须复核"
        )
    return LimitationResult(
        claim_category=category,
        knew_on=knew_on,
        applied_on=applied_on,
        employment_ended_on=employment_ended_on,
        no_limit_while_employed=False,
        period_start_on=deadline.start,
        expires_on=deadline.due_on,
        exceeded=exceeded,
        interruptions_applied=tuple(applied),
        interruptions_ignored=tuple(ignored),
        application_interrupts=not exceeded,
        restarts_on=restarts_on,
        new_expires_on=new_expires,
        deadline=deadline,
        unconfirmed_years=unconfirmed,
        explanation_zh="；".join(notes) + "。",
        warning_zh=warning,
    )
