"""Retention report (dry run) and the personal-data access log, for supervisors and admins."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from onewindow_domain.calendar import china_today
from onewindow_kit.auth import Principal, require_roles
from onewindow_kit.db import SessionDep
from onewindow_kit.errors import ValidationFailed
from onewindow_kit.types import BoundedDate

from intake.config import SettingsDep
from intake.retention import service
from intake.retention.schemas import PiiAccessPage, RetentionReport

router = APIRouter(tags=["personal data"])

Reviewer = Annotated[Principal, Depends(require_roles("supervisor", "admin"))]


def _centre(principal: Principal, center_id: str | None) -> str | None:
    """A supervisor sees their own centre; an admin any centre (or all, for the report)."""
    if "admin" in principal.roles:
        return center_id
    return principal.center_id


@router.get("/retention/plan", response_model=RetentionReport, operation_id="get_retention_plan")
async def get_retention_plan(
    session: SessionDep,
    principal: Reviewer,
    settings: SettingsDep,
    today: BoundedDate | None = None,
    center_id: Annotated[str | None, Query(max_length=40)] = None,
) -> RetentionReport:
    """Dry run of the retention job: the closed case files whose retention period has ended (as of
    ``today``, default today in China) and would be anonymised. Nothing is changed."""
    day = today or china_today()
    cases = await service.plan(
        session=session,
        today=day,
        mediated_years=settings.retention_mediated_years,
        awarded_years=settings.retention_awarded_years,
        center_id=_centre(principal, center_id),
    )
    return RetentionReport(
        today=day,
        mediated_years=settings.retention_mediated_years,
        awarded_years=settings.retention_awarded_years,
        applied=False,
        cases=cases,
    )


@router.get("/pii-access", response_model=PiiAccessPage, operation_id="list_personal_data_access")
async def list_personal_data_access(
    session: SessionDep,
    principal: Reviewer,
    center_id: Annotated[str | None, Query(max_length=40)] = None,
    cursor: Annotated[int | None, Query(ge=1)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> PiiAccessPage:
    """Who read full ID or phone numbers of the centre's cases, when and why (newest first)."""
    centre = _centre(principal, center_id)
    if centre is None:
        raise ValidationFailed.field("center_id", "请指定中心")
    items, next_cursor = await service.access_log(session=session, center_id=centre, after=cursor, limit=limit)
    return PiiAccessPage(items=items, next_cursor=next_cursor)
