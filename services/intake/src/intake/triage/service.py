"""The triage rules: pure functions over the registration form, what the database knows about the
employer (given as ``EmployerHistory``), the configuration and today's date. No I/O here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from onewindow_domain.calculators import final_award_item
from onewindow_domain.claims import ClaimCategory
from onewindow_domain.clocks import limitation_check
from onewindow_domain.errors import DomainError

from intake.triage.schemas import (
    GRADE_ZH,
    CollectiveResult,
    FinalAwardFlag,
    LimitationWarning,
    LinkedCase,
    Reason,
    RouteSuggestion,
    TriageConfig,
    TriageResult,
    WorkerAmount,
)

ROUTE_LABELS = {
    "mediation": "联合调解（工会/人民调解）",
    "inspection": "劳动保障监察",
    "legal_aid": "法律援助",
    "arbitration": "劳动人事争议仲裁",
    "petition": "信访",
    "negotiation": "协商/三方协调",
}
ROUTE_TO = {
    "mediation": "本中心联合调解（由调解服务按规则分派调解员）",
    "mediation_collective": "本中心联合调解：资深调解员或三方联合调解组（人社＋工会＋企业代表组织）",
    "inspection": "区劳动保障监察大队",
    "legal_aid": "区法律援助中心（农民工、新就业形态劳动者绿色通道）",
    "arbitration": "区劳动人事争议仲裁院",
    "petition": "区信访局",
    "negotiation": "区协调劳动关系三方（人社局、工会、企业代表组织）",
}


@dataclass(frozen=True)
class Claim:
    category: ClaimCategory
    amount: Decimal
    period_start_on: date | None = None
    period_end_on: date | None = None
    worker_amounts: tuple[Decimal, ...] | None = None  # each applicant's share, when given


@dataclass(frozen=True)
class Form:
    """What triage reads of a registration."""

    channel: str
    worker_count: int
    claims: tuple[Claim, ...]
    monthly_wages: tuple[Decimal, ...]  # the applicants' wages that were given
    migrant_or_platform_workers: int
    employment_end_on: date | None
    knew_on: date | None
    employer_absconded: bool = False
    collective_action: bool = False
    repeat_complaint: bool = False


@dataclass(frozen=True)
class EmployerHistory:
    """Earlier cases against the respondents' credit codes (found by the caller)."""

    linked: tuple[LinkedCase, ...] = ()  # within the link window, not yet grouped elsewhere
    earlier_complaints: int = 0  # within the repeat window
    group_id: str | None = None  # the group the linked cases already belong to


@dataclass
class _Acc:
    reasons: list[Reason] = field(default_factory=list)

    def add(self, code: str, text: str) -> None:
        self.reasons.append(Reason(code=code, text=text))


def _yuan(value: Decimal) -> str:
    return f"¥{value:,.2f}"


def triage(*, form: Form, history: EmployerHistory, config: TriageConfig, today: date) -> TriageResult:
    """Grade, classify and route one registration, with the reasons for each conclusion."""
    collective = _collective(form=form, history=history, config=config)
    dispute_type = "interest" if form.claims and all(c.category.is_interest for c in form.claims) else "rights"
    grade, reasons = _grade(form=form, history=history, config=config, collective=collective)
    limitation = _limitation(form=form, today=today, config=config)
    final = _final_award(form=form, config=config, today=today)
    route = _route(form=form, dispute_type=dispute_type, collective=collective)
    return TriageResult(
        config_version=config.version,
        grade=grade,
        grade_label=GRADE_ZH[grade],
        reasons=reasons,
        dispute_type=dispute_type,
        dispute_type_label="权利争议" if dispute_type == "rights" else "利益争议",
        collective=collective,
        limitation=limitation,
        limitation_warning=any(item.exceeded for item in limitation),
        final_award=final,
        route=route,
        applied_on=today,
    )


def _collective(*, form: Form, history: EmployerHistory, config: TriageConfig) -> CollectiveResult:
    common = sorted({c.category.value for c in form.claims})
    linked_workers = sum(c.worker_count for c in history.linked)
    in_case = form.worker_count >= config.collective_threshold
    by_link = bool(history.linked) and form.worker_count + linked_workers >= config.collective_threshold
    if in_case:
        text = f"申请人{form.worker_count}人，达到集体争议标准（≥{config.collective_threshold}人且有共同请求）。"
    elif by_link:
        text = (
            f"{config.link_window_days}日内针对同一用人单位（统一社会信用代码相同）另有{len(history.linked)}件投诉、"
            f"{linked_workers}名劳动者，合计{form.worker_count + linked_workers}人，建议并案按集体争议处理。"
        )
    elif history.linked:
        text = f"{config.link_window_days}日内针对同一用人单位另有{len(history.linked)}件投诉，已关联，暂未达到集体争议人数。"
    else:
        text = f"申请人{form.worker_count}人，未达到集体争议标准（≥{config.collective_threshold}人）。"
    return CollectiveResult(
        is_collective=in_case or by_link,
        worker_count=form.worker_count,
        threshold=config.collective_threshold,
        common_claims=common,
        linked_cases=list(history.linked),
        linked_worker_count=linked_workers,
        suggest_merge=bool(history.linked),
        group_id=history.group_id,
        explanation=text,
    )


def _grade(
    *, form: Form, history: EmployerHistory, config: TriageConfig, collective: CollectiveResult
) -> tuple[str, list[Reason]]:
    red, yellow = _Acc(), _Acc()
    total = sum((c.amount for c in form.claims), Decimal("0"))
    workers = form.worker_count + collective.linked_worker_count
    if form.employer_absconded:
        red.add("employer_absconded", "用人单位欠薪逃匿或有逃匿迹象")
    if workers >= config.red_workers:
        red.add("workers_red", f"涉及劳动者{workers}人（≥{config.red_workers}人）")
    if form.collective_action:
        red.add("collective_action", "已发生或可能发生聚集、堵路等群体性行为")
    if total >= config.red_amount:
        red.add("amount_red", f"涉案金额{_yuan(total)}（≥{_yuan(config.red_amount)}）")
    if not red.reasons:
        if workers >= config.yellow_workers:
            yellow.add("workers_yellow", f"涉及劳动者{workers}人（{config.yellow_workers}–{config.red_workers - 1}人）")
        if _arrears_several_months(form=form, config=config):
            yellow.add("arrears_several", f"{form.worker_count}名劳动者被拖欠工资达一个月以上")
        if form.repeat_complaint or history.earlier_complaints > 0:
            count = max(history.earlier_complaints, 1)
            yellow.add("repeat_complaint", f"该用人单位{config.repeat_window_days}日内已被投诉{count}次（重复投诉）")
    if red.reasons:
        return "red", red.reasons
    if yellow.reasons:
        return "yellow", yellow.reasons
    return "green", [Reason(code="none", text="未发现红色或黄色预警情形")]


def _arrears_several_months(*, form: Form, config: TriageConfig) -> bool:
    if form.worker_count < config.yellow_arrears_workers:
        return False
    arrears = [c for c in form.claims if c.category is ClaimCategory.WAGE_ARREARS]
    if not arrears:
        return False
    for claim in arrears:
        if claim.period_start_on and claim.period_end_on and (claim.period_end_on - claim.period_start_on).days >= 28:
            return True
    wages = [w for w in form.monthly_wages if w > 0]
    if wages:
        typical = sorted(wages)[len(wages) // 2]
        return sum(c.amount for c in arrears) >= typical * form.worker_count
    return False


def _limitation(*, form: Form, today: date, config: TriageConfig) -> list[LimitationWarning]:
    if form.knew_on is None:
        return []
    out = []
    for index, claim in enumerate(form.claims):
        if claim.category.is_interest:
            continue
        try:
            result = limitation_check(
                knew_on=form.knew_on,
                applied_on=today,
                employment_ended_on=form.employment_end_on,
                claim_category=claim.category,
                remuneration_reading=config.limitation_27_4_reading,
            )
        except DomainError as exc:
            out.append(
                LimitationWarning(
                    claim_index=index,
                    category=claim.category.value,
                    exceeded=False,
                    expires_on=None,
                    knew_on=form.knew_on,
                    applied_on=today,
                    employment_ended_on=form.employment_end_on,
                    explanation=exc.message_zh,
                    warning=exc.message_zh,
                )
            )
            continue
        out.append(
            LimitationWarning(
                claim_index=index,
                category=claim.category.value,
                exceeded=result.exceeded,
                expires_on=result.expires_on,
                knew_on=form.knew_on,
                applied_on=today,
                employment_ended_on=form.employment_end_on,
                explanation=result.explanation_zh,
                warning=result.warning_zh,
            )
        )
    return out


STATUS_ZH = {
    "final": "属于终局裁决范围",
    "not_final": "非终局",
    "mixed": "部分劳动者属于终局裁决范围",
    "undetermined": "待按每名劳动者金额判断",
}


def _final_award(*, form: Form, config: TriageConfig, today: date) -> list[FinalAwardFlag]:
    """LDMAL 47 per claim item and per worker (never on a collective case's total)."""
    out = []
    for index, claim in enumerate(form.claims):
        if claim.category.is_interest:
            continue
        check = final_award_item(
            category=claim.category,
            amount=claim.amount,
            city=config.city,
            on=today,
            worker_count=form.worker_count,
            worker_amounts=claim.worker_amounts,
        )
        if check.status == "not_applicable" or (check.threshold is not None and claim.amount <= 0):
            continue
        out.append(
            FinalAwardFlag(
                claim_index=index,
                category=claim.category.value,
                amount=claim.amount,
                threshold=check.threshold,
                is_final=check.is_final,
                status=check.status,
                status_label=STATUS_ZH[check.status],
                kind=check.kind_zh,
                worker_count=check.worker_count,
                workers=[
                    WorkerAmount(worker_index=w.worker_index, amount=w.amount, within_limit=w.within_limit)
                    for w in check.workers
                ]
                if form.worker_count > 1
                else [],
                basis=check.basis_zh,
            )
        )
    return out


def _route(*, form: Form, dispute_type: str, collective: CollectiveResult) -> RouteSuggestion:
    reasons: list[Reason] = []
    also: list[str] = []
    if form.migrant_or_platform_workers:
        also.append("legal_aid")
    if dispute_type == "interest":
        reasons.append(
            Reason(
                code="interest_dispute",
                text="利益争议（如增加工资、签订集体合同）不属于仲裁受理范围，宜协商或三方协调（劳动法第84条）",
            )
        )
        route = "negotiation"
    elif form.channel in ("court_referral", "arbitration_referral"):
        reasons.append(Reason(code="partner_referral", text="法院或仲裁院委派的先行调解案件，进入联合调解"))
        route = "mediation"
    elif form.employer_absconded and all(c.category is ClaimCategory.WAGE_ARREARS for c in form.claims):
        reasons.append(
            Reason(
                code="absconded_wage_arrears",
                text="欠薪逃匿、事实清楚的拖欠工资，宜由劳动保障监察依法处理（可启动欠薪垫付）",
            )
        )
        route = "inspection"
        also.append("mediation")
    else:
        reasons.append(Reason(code="default_mediation", text="权利争议先行调解：调解自愿、免费，不成可申请仲裁"))
        route = "mediation"
    if collective.is_collective and route == "mediation":
        reasons.append(
            Reason(
                code="collective_panel", text="集体争议：优先处理，由资深调解员或三方联合调解组负责，并推选3–5名代表人"
            )
        )
    to = ROUTE_TO["mediation_collective"] if collective.is_collective and route == "mediation" else ROUTE_TO[route]
    return RouteSuggestion(
        route=route, route_label=ROUTE_LABELS[route], to=to, reasons=reasons, also=sorted(set(also) - {route})
    )
