"""Exports: the case desk's filtered list, the statistics of a period, the deadline list — .xlsx."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request, Response
from onewindow_domain.calendar import china_today
from onewindow_kit.crypto import FieldCipher
from onewindow_kit.db import SessionDep
from onewindow_kit.errors import Forbidden, ValidationFailed
from onewindow_kit.openapi import problems
from onewindow_kit.types import BoundedDate

from intake.cases import service as cases
from intake.cases.auth import StatsRead
from intake.cases.schemas import Stats
from intake.config import SettingsDep
from intake.exports import service
from intake.statistics import service as statistics

router = APIRouter(prefix="/exports", tags=["exports"])

_SPREADSHEET: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The spreadsheet (.xlsx), as an attachment",
        "content": {service.XLSX: {"schema": {"type": "string", "format": "binary"}}},
    }
}


def _cipher(request: Request) -> FieldCipher:
    cipher: FieldCipher = request.app.state.cipher
    return cipher


def _attachment(content: bytes, name: str, rows: int, ascii_name: str) -> Response:
    return Response(
        content,
        media_type=service.XLSX,
        headers={
            # RFC 6266: an ASCII name for old clients, the Chinese one for the rest.
            "Content-Disposition": f"attachment; filename=\"{ascii_name}.xlsx\"; filename*=UTF-8''{quote(name)}.xlsx",
            "X-Export-Rows": str(rows),
        },
    )


@router.get(
    "/cases.xlsx",
    response_class=Response,
    responses={**_SPREADSHEET, **problems(Forbidden)},
    operation_id="export_cases",
)
async def export_cases(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: StatsRead,
    q: Annotated[str | None, Query(max_length=100)] = None,
    case_no: Annotated[str | None, Query(max_length=60)] = None,
    applicant_name: Annotated[str | None, Query(max_length=100)] = None,
    employer: Annotated[str | None, Query(min_length=2, max_length=100)] = None,
    credit_code: Annotated[str | None, Query(max_length=18)] = None,
    status: Annotated[str | None, Query(max_length=30)] = None,
    risk_grade: Annotated[str | None, Query(pattern="^(red|yellow|green)$")] = None,
    channel: Annotated[str | None, Query(max_length=30)] = None,
    registered_from: BoundedDate | None = None,
    registered_to: BoundedDate | None = None,
    overdue: bool | None = None,
    open_only: bool = False,
    center_id: Annotated[str | None, Query(max_length=40)] = None,
    reveal: Annotated[
        bool, Query(description="full ID numbers (roles that see personal data, with a purpose; logged)")
    ] = False,
    purpose: Annotated[str | None, Query(min_length=2, max_length=100)] = None,
) -> Response:
    """The case desk's list with the same filters as ``GET /cases``, as a spreadsheet (案件清单).
    ID numbers are masked unless ``reveal`` with a ``purpose`` by a role that sees personal data;
    every export is logged."""
    if reveal:
        if principal.roles.isdisjoint(settings.pii_roles):
            raise Forbidden("your role does not see full personal data")
        if not purpose:
            raise ValidationFailed.field("purpose", "导出完整身份证号码须填写用途")
    content, rows = await service.export_cases(
        session=session,
        principal=principal,
        query=cases.CaseQuery(
            q=q,
            case_no=case_no,
            applicant_name=applicant_name,
            employer=employer,
            credit_code=credit_code,
            status=status,
            risk_grade=risk_grade,
            channel=channel,
            registered_from=registered_from,
            registered_to=registered_to,
            overdue=overdue,
            open_only=open_only,
            center_id=center_id,
        ),
        cipher=_cipher(request),
        unmasked=reveal,
        purpose=purpose,
    )
    today = china_today().isoformat()
    return _attachment(content, f"案件清单-{today}", rows, f"cases-{today}")


@router.get(
    "/stats.xlsx",
    response_class=Response,
    responses={**_SPREADSHEET},
    operation_id="export_stats",
)
async def export_stats(
    session: SessionDep,
    settings: SettingsDep,
    principal: StatsRead,
    since: BoundedDate | None = None,
    until: BoundedDate | None = None,
    center_id: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    """The statistics of a period (default: the last 30 days) as a spreadsheet (统计报表)."""
    until = until or china_today()
    since = since or until - timedelta(days=29)
    if since > until:
        raise ValidationFailed.field("since", "开始日期不能晚于结束日期")
    scope = center_id if principal.has_any_role("admin") else principal.center_id
    figures = Stats(
        **await statistics.figures(
            session=session,
            center_id=scope,
            since=since,
            until=until,
            promise_days=settings.desks.legal_aid_promise_days,
        )
    ).model_dump(mode="json")  # the same figures as GET /stats
    content, rows = service.export_stats(session=session, principal=principal, stats=figures, since=since, until=until)
    return _attachment(content, f"统计报表-{since}至{until}", rows, f"statistics-{since}-{until}")


@router.get(
    "/deadlines.xlsx",
    response_class=Response,
    responses={**_SPREADSHEET},
    operation_id="export_deadlines",
)
async def export_deadlines(
    session: SessionDep,
    principal: StatsRead,
    within_days: Annotated[int, Query(ge=0, le=366, description="deadlines up to this many days ahead")] = 30,
    center_id: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    """The deadline list (期限清单): cases on a running clock, overdue first, then the soonest."""
    scope = center_id if principal.has_any_role("admin") else principal.center_id
    content, rows = await service.export_deadlines(
        session=session, principal=principal, center_id=scope, within_days=within_days
    )
    today = china_today().isoformat()
    return _attachment(content, f"期限清单-{today}", rows, f"deadlines-{today}")
