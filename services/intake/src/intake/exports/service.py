"""Building the spreadsheets: openpyxl in write-only mode (rows stream into the file, so a long
case list costs one row of memory at a time), every export recorded in ``export_log``."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from onewindow_domain.calendar import CHINA_TZ, china_today
from onewindow_kit.auth import Principal
from onewindow_kit.crypto import FieldCipher
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from intake.cases.models import CaseFile, CaseParty
from intake.cases.service import CaseQuery, applicants_of, search_cases
from intake.exports.models import ExportLog
from intake.lifecycle.service import CLOCKED_STATUSES, ROUTE_ZH, STATUS_ZH

log = logging.getLogger("intake.exports")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ROWS = 20000  # one spreadsheet; a larger list is narrowed with the filters first
GRADE_ZH = {"red": "红色", "yellow": "黄色", "green": "绿色"}
CHANNEL_ZH = {
    "walk_in": "窗口来访",
    "phone": "电话",
    "online": "网上",
    "court_referral": "法院委派/委托",
    "arbitration_referral": "仲裁院先行调解",
    "inspection_transfer": "劳动监察移送",
    "petition_transfer": "信访转办",
}
CASE_COLUMNS = (
    "案件编号",
    "登记时间",
    "来源",
    "状态",
    "风险等级",
    "集体争议",
    "劳动者人数",
    "申请人",
    "公民身份号码",
    "被申请人",
    "请求金额（元）",
    "挽回金额（元）",
    "期限",
    "是否逾期",
)


def _local(at: datetime | None) -> str:
    return at.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M") if at else ""


def _workbook(title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> tuple[bytes, int]:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)
    bold = Font(bold=True)
    head = []
    for name in header:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        head.append(cell)
    sheet.append(head)
    count = 0
    for row in rows:
        sheet.append([float(v) if isinstance(v, Decimal) else v for v in row])
        count += 1
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), count


def _record(
    session: AsyncSession,
    *,
    principal: Principal,
    kind: str,
    filters: dict[str, Any],
    rows: int,
    unmasked: bool,
    purpose: str | None,
) -> None:
    session.add(
        ExportLog(
            actor=principal.subject,
            actor_roles=",".join(sorted(principal.roles)),
            center_id=principal.center_id,
            kind=kind,
            filters={
                k: (v.isoformat() if isinstance(v, date) else v) for k, v in filters.items() if v not in (None, "")
            },
            rows=rows,
            unmasked=unmasked,
            purpose=purpose,
        )
    )
    log.info("export", extra={"kind": kind, "rows": rows, "unmasked": unmasked, "actor": principal.subject})


async def _id_numbers(*, cipher: FieldCipher, parties: Sequence[CaseParty], unmasked: bool) -> str:
    if unmasked:
        return "、".join(cipher.decrypt(p.id_number_enc, context="id_number") for p in parties if p.id_number_enc)
    return "、".join(p.id_number_masked or "" for p in parties)


async def export_cases(
    *,
    session: AsyncSession,
    principal: Principal,
    query: CaseQuery,
    cipher: FieldCipher,
    unmasked: bool,
    purpose: str | None,
) -> tuple[bytes, int]:
    """The filtered case list as a spreadsheet (ID numbers masked unless ``unmasked``); logged."""
    today = china_today()
    rows: list[list[Any]] = []
    cursor: str | None = None
    while len(rows) < MAX_ROWS:
        page, cursor = await search_cases(
            session=session, principal=principal, query=query, cipher=cipher, cursor=cursor, limit=100
        )
        applicants = await applicants_of(session=session, case_ids=[c.id for c in page])
        for c in page:
            people = applicants.get(c.id, [])
            rows.append(
                [
                    c.case_no,
                    _local(c.registered_at),
                    CHANNEL_ZH.get(c.channel, c.channel),
                    STATUS_ZH.get(c.status, c.status),
                    GRADE_ZH.get(c.risk_grade, c.risk_grade),
                    "是" if c.collective else "否",
                    c.worker_count,
                    "、".join(p.name for p in people),
                    await _id_numbers(cipher=cipher, parties=people, unmasked=unmasked),
                    c.employer_names,
                    c.total_claimed,
                    c.recovered,
                    c.deadline_on.isoformat() if c.deadline_on else "",
                    "是" if c.deadline_on and c.deadline_on < today and c.status in CLOCKED_STATUSES else "否",
                ]
            )
        if cursor is None:
            break
    content, count = _workbook("案件清单", CASE_COLUMNS, rows[:MAX_ROWS])
    _record(
        session,
        principal=principal,
        kind="cases",
        filters=dict(vars(query)),
        rows=count,
        unmasked=unmasked,
        purpose=purpose,
    )
    return content, count


def _stats_rows(stats: dict[str, Any]) -> list[list[Any]]:
    labels = {
        "cases": "登记案件数",
        "collective_cases": "集体争议案件数",
        "amount_claimed": "请求金额合计（元）",
        "amount_recovered": "挽回金额（已支付，元）",
        "amount_agreed": "调解协议约定金额（元）",
        "mediations_ended": "调解结束件数",
        "mediations_agreed": "调解成功件数",
        "success_rate": "调解成功率",
        "median_days_to_close": "结案用时中位数（天）",
        "average_days_to_close": "平均结案用时（天）",
        "overdue": "逾期件数",
    }
    rows: list[list[Any]] = [["统计期间", f"{stats['since']} 至 {stats['until']}"]]
    for key, label in labels.items():
        value = stats.get(key)
        if key == "success_rate" and value is not None:
            value = f"{value * 100:.1f}%"
        rows.append([label, "" if value is None else value])
    sections = (
        ("by_channel", "按来源", CHANNEL_ZH),
        ("by_route", "按分流去向", ROUTE_ZH),
        ("by_status", "按状态", STATUS_ZH),
        ("by_risk_grade", "按风险等级", GRADE_ZH),
    )
    for key, title, names in sections:
        for code, count in (stats.get(key) or {}).items():
            rows.append([f"{title}：{names.get(code, code)}", count])
    for key, title in (("referrals_in", "委派收案"), ("referrals_out", "移送"), ("partner_outcomes", "对接结果")):
        for figure in (stats.get(key) or {}).values():
            rows.append([f"{title}：{figure['label']}", figure["count"]])
    for desk in stats.get("handoffs") or []:
        rows.append([f"部门办理：{desk['label']}", desk["total"]])
        for figure in desk["outcomes"].values():
            rows.append([f"部门办理：{desk['label']}：{figure['label']}", figure["count"]])
    return rows


def export_stats(
    *, session: AsyncSession, principal: Principal, stats: dict[str, Any], since: date, until: date
) -> tuple[bytes, int]:
    """The statistics of a period as a spreadsheet (figures only, no personal data); logged."""
    content, count = _workbook("统计报表", ("指标", "数值"), _stats_rows(stats))
    _record(
        session,
        principal=principal,
        kind="stats",
        filters={"since": since, "until": until, "center_id": stats.get("center_id")},
        rows=count,
        unmasked=False,
        purpose=None,
    )
    return content, count


async def export_deadlines(
    *, session: AsyncSession, principal: Principal, center_id: str | None, within_days: int
) -> tuple[bytes, int]:
    """Cases on a running clock, soonest deadline first (overdue ones on top), as a spreadsheet; logged."""
    today = china_today()
    stmt = (
        select(CaseFile)
        .where(
            col(CaseFile.status).in_(CLOCKED_STATUSES),
            col(CaseFile.deadline_on).is_not(None),
            col(CaseFile.deadline_on) <= today + timedelta(days=within_days),
        )
        .order_by(col(CaseFile.deadline_on), col(CaseFile.id))
        .limit(MAX_ROWS)
    )
    if center_id:
        stmt = stmt.where(col(CaseFile.center_id) == center_id)
    cases = list((await session.execute(stmt)).scalars())
    applicants = await applicants_of(session=session, case_ids=[c.id for c in cases])
    rows = []
    for c in cases:
        assert c.deadline_on is not None
        left = (c.deadline_on - today).days
        rows.append(
            [
                c.case_no,
                STATUS_ZH.get(c.status, c.status),
                c.deadline_on.isoformat(),
                f"已逾期{-left}天" if left < 0 else f"剩余{left}天",
                "、".join(p.name for p in applicants.get(c.id, [])[:5]),
                c.employer_names,
                GRADE_ZH.get(c.risk_grade, c.risk_grade),
            ]
        )
    content, count = _workbook("期限清单", ("案件编号", "状态", "期限", "剩余", "申请人", "被申请人", "风险等级"), rows)
    _record(
        session,
        principal=principal,
        kind="deadlines",
        filters={"center_id": center_id, "within_days": within_days},
        rows=count,
        unmasked=False,
        purpose=None,
    )
    return content, count
