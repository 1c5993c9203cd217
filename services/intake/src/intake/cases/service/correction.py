"""Correcting a registered case, and merging linked complaints into one collective case.

Every change lands on the timeline with its before and after (personal numbers only masked), and
``intake.case.corrected`` / ``intake.case.merged`` tell mediation and the bridges
(docs/decisions/0022-correction-merge-search-export.md)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from onewindow_domain.calendar import china_today
from onewindow_domain.claims import ClaimCategory
from onewindow_domain.errors import DomainError
from onewindow_domain.identifiers import validate_id_number, validate_mobile
from onewindow_kit.auth import Principal
from onewindow_kit.crypto import FieldCipher
from onewindow_kit.db import utcnow
from onewindow_kit.errors import NotFound, StateConflict, ValidationFailed
from onewindow_kit.events import publish
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from intake.cases.models import CaseClaim, CaseFile, CaseMerge, CaseParty
from intake.cases.schemas import CaseCorrection
from intake.cases.service.lifecycle import _bump, _case_event, _timeline
from intake.cases.service.reading import case_parts
from intake.cases.service.registration import _mask_phone
from intake.cases.service.triage_input import employer_history
from intake.lifecycle.service import STATUS_ZH
from intake.triage.schemas import TriageConfig
from intake.triage.service import Claim, Form, triage

ROLE_ZH = {"applicant": "申请人", "respondent": "被申请人", "agent": "代理人"}
# Merging and undoing a merge happen before mediation starts: while the case waits at the window.
MERGEABLE = ("registered",)


def _money(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _text(value: Any) -> str:
    return "（空）" if value in (None, "") else str(value)


class _Changes:
    """Collected changes: ``field`` a stable code, ``label`` what a clerk reads, values shown masked."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def add(self, field: str, label: str, before: Any, after: Any) -> None:
        self.items.append({"field": field, "label": label, "before": _text(before), "after": _text(after)})


def _mobile_or_fail(field: str, value: str) -> str:
    try:
        return validate_mobile(value)
    except DomainError as exc:
        raise ValidationFailed.field(field, exc.message_zh) from exc


async def correct_case(
    *, session: AsyncSession, principal: Principal, case: CaseFile, data: CaseCorrection, cipher: FieldCipher
) -> CaseFile:
    """Apply a clerk's correction (parties, claims, facts) with its reason; nothing when it is invalid."""
    if case.status == "closed":
        raise StateConflict("案件已结案，不能更正", extra={"current_status": case.status, "allowed": []})
    parties, claims = await case_parts(session=session, case_id=case.id)
    by_id = {p.id: p for p in parties}
    changes = _Changes()
    respondents_changed = False
    for i, pc in enumerate(data.parties):
        p = by_id.get(pc.party_id)
        if p is None:
            raise ValidationFailed.field(f"parties[{i}].party_id", "该当事人不属于本案")
        who = f"{ROLE_ZH.get(p.role, p.role)}{p.name}"
        sent = pc.model_fields_set
        if pc.name and pc.name != p.name:
            if len(pc.name) > 100:
                raise ValidationFailed.field(f"parties[{i}].name", "姓名不能超过100个字")
            changes.add(f"parties[{i}].name", f"{who}的姓名", p.name, pc.name)
            p.name = pc.name
            respondents_changed |= p.role == "respondent"
        if pc.id_number:
            if p.role == "respondent":
                raise ValidationFailed.field(
                    f"parties[{i}].id_number", "被申请人没有公民身份号码，请更正统一社会信用代码"
                )
            ident = validate_id_number(pc.id_number)
            digest = cipher.lookup_hash(ident.value, context="id_number")
            if digest != p.id_number_hash:
                changes.add(f"parties[{i}].id_number", f"{who}的公民身份号码", p.id_number_masked, ident.masked)
                p.id_number_enc = cipher.encrypt(ident.value, context="id_number")
                p.id_number_hash = digest
                p.id_number_masked = ident.masked
                if p.role == "applicant":
                    p.sex, p.birth_on = ident.sex, ident.birth_date
        if pc.phone:
            phone = pc.phone if p.role == "respondent" else _mobile_or_fail(f"parties[{i}].phone", pc.phone)
            masked = _mask_phone(phone)
            current = cipher.decrypt(p.phone_enc, context="phone") if p.phone_enc else None
            if current != phone:
                changes.add(f"parties[{i}].phone", f"{who}的联系电话", p.phone_masked, masked)
                p.phone_enc = cipher.encrypt(phone, context="phone")
                p.phone_masked = masked
        for attr, label in (("address", "地址"), ("occupation", "职业"), ("legal_representative", "法定代表人")):
            if attr in sent and getattr(pc, attr) != getattr(p, attr):
                if attr == "legal_representative" and p.role != "respondent":
                    raise ValidationFailed.field(f"parties[{i}].{attr}", "只有被申请人有法定代表人")
                changes.add(f"parties[{i}].{attr}", f"{who}的{label}", getattr(p, attr), getattr(pc, attr))
                setattr(p, attr, getattr(pc, attr))
        if "monthly_wage" in sent and pc.monthly_wage != p.monthly_wage:
            changes.add(f"parties[{i}].monthly_wage", f"{who}的月工资", _money(p.monthly_wage), _money(pc.monthly_wage))
            p.monthly_wage = pc.monthly_wage
        if pc.credit_code and pc.credit_code != p.credit_code:
            if p.role != "respondent":
                raise ValidationFailed.field(f"parties[{i}].credit_code", "只有被申请人有统一社会信用代码")
            changes.add(f"parties[{i}].credit_code", f"{who}的统一社会信用代码", p.credit_code, pc.credit_code)
            p.credit_code = pc.credit_code
            respondents_changed = True
    by_position = {c.position: c for c in claims}
    claims_changed = False
    for i, cc in enumerate(data.claims):
        c = by_position.get(cc.position)
        if c is None:
            raise ValidationFailed.field(f"claims[{i}].position", "本案没有这一项请求")
        what = f"第{cc.position + 1}项请求（{ClaimCategory(c.category).label_zh}）"
        sent = cc.model_fields_set
        if cc.category and cc.category.value != c.category:
            changes.add(
                f"claims[{i}].category", f"{what}的类别", ClaimCategory(c.category).label_zh, cc.category.label_zh
            )
            c.category = cc.category.value
        if cc.amount is not None and cc.amount != c.amount:
            changes.add(f"claims[{i}].amount", f"{what}的金额", _money(c.amount), _money(cc.amount))
            c.amount = cc.amount
            claims_changed = True
        for attr, label in (("period_start_on", "起始日期"), ("period_end_on", "截止日期"), ("description", "说明")):
            if attr in sent and getattr(cc, attr) != getattr(c, attr):
                changes.add(f"claims[{i}].{attr}", f"{what}的{label}", getattr(c, attr), getattr(cc, attr))
                setattr(c, attr, getattr(cc, attr))
        if c.period_start_on and c.period_end_on and c.period_end_on < c.period_start_on:
            raise ValidationFailed.field(f"claims[{i}].period_end_on", "结束日期不能早于开始日期")
    sent = data.model_fields_set
    if data.facts and data.facts != case.facts:
        changes.add("facts", "事实与理由", case.facts, data.facts)
        case.facts = data.facts
    for attr, label in (
        ("employment_start_on", "入职日期"),
        ("employment_end_on", "离职日期"),
        ("knew_on", "知道权利受侵害之日"),
        ("street", "所属街道"),
    ):
        if attr in sent and getattr(data, attr) != getattr(case, attr):
            changes.add(attr, label, getattr(case, attr), getattr(data, attr))
            setattr(case, attr, getattr(data, attr))
    if case.employment_start_on and case.employment_end_on and case.employment_end_on < case.employment_start_on:
        raise ValidationFailed.field("employment_end_on", "离职日期不能早于入职日期")
    if not changes.items:
        raise ValidationFailed.field("parties", "没有与案件现有内容不同的更正")

    if claims_changed:
        case.total_claimed = sum((c.amount for c in claims), Decimal("0"))
    respondents = [p for p in parties if p.role == "respondent"]
    if respondents_changed:
        case.employer_names = " / ".join(r.name for r in respondents)[:1000]
        case.primary_credit_code = respondents[0].credit_code if respondents else case.primary_credit_code
    _bump(case)
    shown = [
        f"{c['label']}：{c['before']}→{c['after']}" if c["field"] != "facts" else "事实与理由已更正"
        for c in changes.items
    ]
    _timeline(
        session,
        case,
        kind="case.corrected",
        actor=principal,
        summary=f"更正案件信息：{'；'.join(shown)}（理由：{data.reason}）",
        data={"reason": data.reason, "changes": changes.items},
    )
    await publish(
        session,
        type="intake.case.corrected",
        case_id=case.id,
        data={
            **_case_event(case),
            "total_claimed": case.total_claimed,
            "changed": sorted({c["field"].split("[")[0].split(".")[0] for c in changes.items}),
            "claims": [{"category": c.category, "amount": c.amount, "final_award": c.final_award} for c in claims],
            "respondents": [
                {"name": r.name, "credit_code": r.credit_code, "role": r.employer_role, "industry": r.industry}
                for r in respondents
            ],
        },
    )
    await session.flush()
    return case


async def retriage_stored(
    *, session: AsyncSession, case: CaseFile, config: TriageConfig, exclude: list[str]
) -> dict[str, Any]:
    """Triage again from the stored case (after a merge): the same rules as at the window."""
    parties, claims = await case_parts(session=session, case_id=case.id)
    applicants = [p for p in parties if p.role == "applicant"]
    old_codes = {r.get("code") for r in (case.triage or {}).get("reasons", [])}
    today = china_today()
    history = await employer_history(
        session=session,
        center_id=case.center_id,
        credit_codes=[p.credit_code for p in parties if p.role == "respondent" and p.credit_code],
        config=config,
        today=today,
        exclude_case_id=case.id,
    )
    history = type(history)(
        linked=tuple(x for x in history.linked if x.case_id not in exclude),
        earlier_complaints=max(0, history.earlier_complaints - len(exclude)),
        group_id=history.group_id,
    )
    form = Form(
        channel=case.channel,
        worker_count=len(applicants),
        claims=tuple(
            Claim(
                category=ClaimCategory(c.category),
                amount=c.amount,
                period_start_on=c.period_start_on,
                period_end_on=c.period_end_on,
            )
            for c in claims
        ),
        monthly_wages=tuple(a.monthly_wage for a in applicants if a.monthly_wage is not None),
        migrant_or_platform_workers=sum(1 for a in applicants if a.migrant_worker or a.platform_worker),
        employment_end_on=case.employment_end_on,
        knew_on=case.knew_on,
        employer_absconded="employer_absconded" in old_codes or "absconded_wage_arrears" in old_codes,
        collective_action="collective_action" in old_codes,
    )
    result = triage(form=form, history=history, config=config, today=today)
    stored: dict[str, Any] = json.loads(result.model_dump_json())
    return stored


def _snapshot(case: CaseFile) -> dict[str, Any]:
    return {
        "worker_count": case.worker_count,
        "collective": case.collective,
        "risk_grade": case.risk_grade,
        "dispute_type": case.dispute_type,
        "suggested_route": case.suggested_route,
        "total_claimed": str(case.total_claimed),
        "employer_names": case.employer_names,
        "triage": case.triage,
    }


def _apply_triage(case: CaseFile, result: dict[str, Any]) -> None:
    case.triage = result
    case.risk_grade = result["grade"]
    case.collective = bool(result["collective"]["is_collective"])
    case.dispute_type = result["dispute_type"]
    case.suggested_route = result["route"]["route"]


async def merge_cases(
    *,
    session: AsyncSession,
    principal: Principal,
    target: CaseFile,
    case_ids: list[str],
    reason: str,
    config: TriageConfig,
) -> CaseMerge:
    """Merge linked complaints into ``target`` (并案): every applicant, agent and claim moves to it,
    the others close as merged, and the case is triaged again (collective flag, grade)."""
    if target.status not in MERGEABLE:
        raise StateConflict(
            f"案件当前状态为“{STATUS_ZH[target.status]}”，只有待分流的案件可以并案",
            extra={"current_status": target.status, "allowed": []},
        )
    target_parties, target_claims = await case_parts(session=session, case_id=target.id)
    sources: list[CaseFile] = []
    for i, case_id in enumerate(dict.fromkeys(case_ids)):
        field = f"case_ids[{i}]"
        if case_id == target.id:
            raise ValidationFailed.field(field, "不能与本案自身并案")
        src = await session.get(CaseFile, case_id)
        if src is None or src.center_id != target.center_id:
            raise NotFound(f"case {case_id} does not exist")
        if src.status not in MERGEABLE:
            raise StateConflict(
                f"{src.case_no}当前状态为“{STATUS_ZH[src.status]}”，不能并入",
                extra={"current_status": src.status, "allowed": []},
            )
        if src.external_ref or target.external_ref:
            raise ValidationFailed.field(field, "法院或仲裁院委派的案件不能并案")
        linked = (src.group_id and src.group_id == target.group_id) or (
            src.primary_credit_code and src.primary_credit_code == target.primary_credit_code
        )
        if not linked:
            raise ValidationFailed.field(field, f"{src.case_no}与本案不是针对同一用人单位的关联投诉")
        sources.append(src)

    merge = CaseMerge(
        target_case_id=target.id,
        source_case_ids=[s.id for s in sources],
        before=_snapshot(target),
        reason=reason,
        merged_by=(principal.name or principal.subject)[:100],
    )
    session.add(merge)
    applicants = sum(1 for p in target_parties if p.role == "applicant")
    agents = sum(1 for p in target_parties if p.role == "agent")
    respondents = {p.credit_code for p in target_parties if p.role == "respondent"}
    respondent_count = len(respondents)
    next_claim = len(target_claims)
    for src in sources:
        parties, claims = await case_parts(session=session, case_id=src.id)
        offset = applicants
        for p in parties:
            if p.role == "respondent":
                if p.credit_code in respondents:
                    continue  # the same employer stays with its own case
                respondents.add(p.credit_code)
                p.position, respondent_count = respondent_count, respondent_count + 1
            elif p.role == "applicant":
                p.position, applicants = applicants, applicants + 1
            else:
                p.position, agents = agents, agents + 1
                if p.represents:
                    p.represents = [offset + r for r in p.represents]
            p.case_id, p.merged_from = target.id, src.id
        for c in claims:
            c.case_id, c.merged_from, c.position = target.id, src.id, next_claim
            next_claim += 1
        src.status, src.close_reason, src.closed_at, src.merged_into = "closed", "merged", utcnow(), target.id
        _bump(src)
        _timeline(
            session, src, kind="case.merged_into", actor=principal, summary=f"并入{target.case_no}（理由：{reason}）"
        )
        await publish(
            session,
            type="intake.case.merged_into",
            case_id=src.id,
            data={**_case_event(src), "merged_into": target.id, "merged_into_case_no": target.case_no},
        )
    await session.flush()
    _, claims_now = await case_parts(session=session, case_id=target.id)
    target.worker_count = applicants
    target.total_claimed = sum((c.amount for c in claims_now), Decimal("0"))
    names = [p.name for p in (await case_parts(session=session, case_id=target.id))[0] if p.role == "respondent"]
    target.employer_names = " / ".join(names)[:1000]
    _apply_triage(
        target, await retriage_stored(session=session, case=target, config=config, exclude=merge.source_case_ids)
    )
    _bump(target)
    nos = "、".join(s.case_no for s in sources)
    _timeline(
        session,
        target,
        kind="case.merged",
        actor=principal,
        summary=(
            f"并案：{nos}并入本案，申请人共{target.worker_count}人，请求金额合计{_money(target.total_claimed)}元；"
            f"重新分级为{target.triage['grade_label']}{'（集体争议）' if target.collective else ''}（理由：{reason}）"
        ),
        data={
            "merge_id": merge.id,
            "merged_case_ids": merge.source_case_ids,
            "before": {k: v for k, v in merge.before.items() if k != "triage"},
        },
    )
    await publish(
        session,
        type="intake.case.merged",
        case_id=target.id,
        data={**_case_event(target), "merge_id": merge.id, "merged_case_ids": merge.source_case_ids},
    )
    await session.flush()
    return merge


async def undo_merge(
    *, session: AsyncSession, principal: Principal, target: CaseFile, merge_id: str, reason: str
) -> CaseMerge:
    """Undo a merge while mediation has not started: each case gets its parties and claims back."""
    merge = await session.get(CaseMerge, merge_id)
    if merge is None or merge.target_case_id != target.id:
        raise NotFound(f"merge {merge_id} does not exist")
    if merge.undone_at is not None:
        raise StateConflict("该并案已撤销", extra={"current_status": target.status, "allowed": []})
    if target.status not in MERGEABLE:
        raise StateConflict(
            f"案件当前状态为“{STATUS_ZH[target.status]}”，调解已开始或案件已分流，不能撤销并案",
            extra={"current_status": target.status, "allowed": []},
        )
    later = (
        await session.execute(
            select(CaseMerge.id).where(
                CaseMerge.target_case_id == target.id,
                CaseMerge.undone_at.is_(None),
                CaseMerge.merged_at > merge.merged_at,
            )
        )
    ).first()
    if later is not None:
        raise StateConflict("请先撤销之后的并案", extra={"current_status": target.status, "allowed": []})
    for src_id in merge.source_case_ids:
        src = await session.get(CaseFile, src_id)
        if src is None:
            continue
        for model in (CaseParty, CaseClaim):
            rows = (
                (await session.execute(select(model).where(model.case_id == target.id, model.merged_from == src_id)))
                .scalars()
                .all()
            )
            for row in rows:
                row.case_id, row.merged_from = src_id, None
        # Positions back from 0, in the order they had here.
        parties, claims = await case_parts(session=session, case_id=src_id)
        counters: dict[str, int] = {}
        first_applicant = min((p.position for p in parties if p.role == "applicant"), default=0)
        for p in parties:
            p.position = counters.get(p.role, 0)
            counters[p.role] = p.position + 1
            if p.role == "agent" and p.represents:
                p.represents = [r - first_applicant for r in p.represents]
        for j, c in enumerate(claims):
            c.position = j
        src.status, src.close_reason, src.closed_at, src.merged_into = "registered", None, None, None
        _bump(src)
        _timeline(
            session,
            src,
            kind="case.merge_undone",
            actor=principal,
            summary=f"撤销并入{target.case_no}（理由：{reason}）",
        )
        await publish(session, type="intake.case.merge_undone", case_id=src.id, data=_case_event(src))
    before = merge.before
    target.worker_count = int(before["worker_count"])
    target.collective = bool(before["collective"])
    target.risk_grade = str(before["risk_grade"])
    target.dispute_type = str(before["dispute_type"])
    target.suggested_route = str(before["suggested_route"])
    target.total_claimed = Decimal(before["total_claimed"])
    target.employer_names = str(before["employer_names"])
    target.triage = before["triage"]
    merge.undone_at, merge.undone_by = utcnow(), (principal.name or principal.subject)[:100]
    _bump(target)
    _timeline(
        session,
        target,
        kind="case.merge_undone",
        actor=principal,
        summary=f"撤销并案：申请人恢复为{target.worker_count}人（理由：{reason}）",
        data={"merge_id": merge.id, "restored_case_ids": merge.source_case_ids},
    )
    await publish(
        session,
        type="intake.case.merge_undone",
        case_id=target.id,
        data={**_case_event(target), "merge_id": merge.id, "restored_case_ids": merge.source_case_ids},
    )
    await session.flush()
    return merge


async def merges_of(*, session: AsyncSession, case: CaseFile) -> list[CaseMerge]:
    """The merges into ``case``, newest first."""
    rows = await session.execute(
        select(CaseMerge).where(CaseMerge.target_case_id == case.id).order_by(CaseMerge.merged_at.desc())
    )
    return list(rows.scalars())
