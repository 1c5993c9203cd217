"""Subsidy routes: the table in force, ledger entries and monthly statements."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from onewindow_domain.calendar import china_today
from onewindow_kit.auth import Principal, require_roles
from onewindow_kit.db import SessionDep
from onewindow_kit.errors import NotFound
from sqlalchemy.ext.asyncio import AsyncSession

from mediation.config import SettingsDep
from mediation.registry.service import mediator_for_principal
from mediation.subsidies import service
from mediation.subsidies.schemas import StatementPublic, SubsidyEntryPublic, SubsidyTablePublic

router = APIRouter(prefix="/subsidies", tags=["subsidies"])

SubsidyRead = Annotated[Principal, Depends(require_roles("mediator", "supervisor", "admin"))]
Month = Annotated[str | None, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM (default: this month)")]


async def _scope(
    session: AsyncSession, principal: Principal, center_id: str | None, mediator_id: str | None
) -> tuple[str | None, str | None]:
    """(centre, mediator) the caller may see: admins any, supervisors their centre, mediators themselves."""
    if principal.has_any_role("admin"):
        return center_id, mediator_id
    if principal.has_any_role("supervisor"):
        return principal.center_id, mediator_id
    me = await mediator_for_principal(session=session, principal=principal)
    if me is None:
        raise NotFound("no mediator record is linked to this account")
    return None, me.id


async def _ledger_scope(
    session: SessionDep,
    principal: SubsidyRead,
    month: Month = None,
    center_id: str | None = None,
    mediator_id: str | None = None,
    organisation_id: str | None = None,
) -> service.LedgerQuery:
    """The month asked for (default: this month) and the filters, narrowed to what the caller may see."""
    center, mediator = await _scope(session, principal, center_id, mediator_id)
    return service.LedgerQuery(month or china_today().strftime("%Y-%m"), center, mediator, organisation_id)


LedgerScope = Annotated[service.LedgerQuery, Depends(_ledger_scope)]


@router.get("/table", response_model=SubsidyTablePublic, operation_id="get_subsidy_table")
async def get_subsidy_table(settings: SettingsDep, _user: SubsidyRead) -> SubsidyTablePublic:
    """The subsidy table in force (以案定补: by outcome and complexity, yuan per closed proceeding)."""
    table = settings.subsidies
    return SubsidyTablePublic(version=table.version, amounts=table.amounts)


@router.get("/entries", response_model=list[SubsidyEntryPublic], operation_id="list_subsidy_entries")
async def list_subsidy_entries(session: SessionDep, query: LedgerScope) -> list[SubsidyEntryPublic]:
    """Ledger entries of a month (a mediator sees their own)."""
    rows = await service.entries(session=session, query=query)
    return [SubsidyEntryPublic.model_validate(r) for r in rows]


@router.get("/statement", response_model=StatementPublic, operation_id="get_subsidy_statement")
async def get_subsidy_statement(settings: SettingsDep, session: SessionDep, query: LedgerScope) -> StatementPublic:
    """The monthly statement per mediator and per organisation (a mediator sees their own line)."""
    data = await service.statement(session=session, query=query)
    return StatementPublic(**data, table_version=settings.subsidies.version)
