"""Calculators for mediators: the domain library's rules, with inputs and legal basis echoed."""

from __future__ import annotations

import dataclasses
from typing import Any

from onewindow_domain.calculators import (
    AverageWage,
    WageTable,
    default_wage_table,
    final_award_item,
    no_contract_double_wage,
    notice_pay,
    overtime_pay,
    severance,
    unlawful_termination,
    unused_annual_leave_pay,
)
from onewindow_domain.errors import DomainError
from onewindow_kit.errors import ValidationFailed
from pydantic import BaseModel
from pydantic_core import to_jsonable_python
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from mediation.actor import Actor
from mediation.calculators.models import AverageWageFigure
from mediation.registry.models import RegistryAudit

LABELS = {
    "severance": "经济补偿（N）",
    "unlawful_termination": "违法解除或终止赔偿金（2N）",
    "no_contract_double_wage": "未签书面劳动合同二倍工资差额",
    "overtime": "加班费",
    "annual_leave": "未休年休假工资",
    "final_award": "终局裁决范围判断",
    "notice_pay": "代通知金",
}
# Which input a domain error is about, by the error code's prefix.
_FIELD_OF = {
    "dates": "end",
    "amount": "monthly_wage",
    "wage": "city",
    "final_award": "worker_amounts",
    "notice_pay": "ground",
    "claim_category": "category",
}


def _details(result: Any) -> dict[str, Any]:
    data = {f.name: getattr(result, f.name) for f in dataclasses.fields(result)}
    for key in ("basis_zh", "legal_basis", "warnings_zh"):
        data.pop(key, None)
    return to_jsonable_python(data)


def calculate(*, kind: str, data: BaseModel, default_city: str, wage_table: WageTable | None = None) -> dict[str, Any]:
    """Run calculator ``kind`` on ``data``; domain errors become field-level 422s in Chinese."""
    inputs = data.model_dump()
    args = dict(inputs)
    if "city" in args and not args["city"]:
        args["city"] = default_city
    if kind in ("severance", "unlawful_termination") and wage_table is not None:
        args["wage_table"] = wage_table
    try:
        if kind == "severance":
            result: Any = severance(**args)
        elif kind == "unlawful_termination":
            result = unlawful_termination(**args)
        elif kind == "no_contract_double_wage":
            result = no_contract_double_wage(**args)
        elif kind == "overtime":
            result = overtime_pay(**args)
        elif kind == "annual_leave":
            result = unused_annual_leave_pay(**args)
        elif kind == "final_award":
            result = final_award_item(**args)
        elif kind == "notice_pay":
            result = notice_pay(**args)
        else:  # pragma: no cover - routes name the kinds
            raise ValueError(kind)
    except DomainError as exc:
        raise ValidationFailed.field(_FIELD_OF.get(exc.code.split(".")[0], "body"), exc.message_zh) from exc
    warnings = list(getattr(result, "warnings_zh", ()) or ())
    if kind == "unlawful_termination":
        warnings = list(result.severance.warnings_zh)
    details = _details(result)
    amount = getattr(result, "amount", None)
    if kind == "final_award":  # per item and per worker: the total is the item's amount
        details["is_final"] = result.is_final
        amount = result.total
    return {
        "kind": kind,
        "label_zh": LABELS[kind],
        "inputs": to_jsonable_python({**inputs, **({"city": args["city"]} if "city" in args else {})}),  # no table
        "amount": amount,
        "basis_zh": result.basis_zh,
        "legal_basis": result.legal_basis,
        "warnings_zh": warnings,
        "details": details,
    }


# --- the city average wage (LCL 47's 3× cap), set by an administrator ------------------------------


def city_key(city: str) -> str:
    """The wage table's key of ``city`` (name, alias or region code), or a 422 naming ``city``."""
    try:
        return default_wage_table().city(city).key
    except DomainError as exc:
        raise ValidationFailed.field("city", exc.message_zh) from exc


async def average_wages(session: AsyncSession) -> list[AverageWageFigure]:
    return list(
        (
            await session.execute(
                select(AverageWageFigure).order_by(col(AverageWageFigure.city), col(AverageWageFigure.year))
            )
        ).scalars()
    )


async def wage_table(session: AsyncSession) -> WageTable:
    """The packaged table with every figure an administrator has set."""
    table = default_wage_table()
    by_city: dict[str, list[AverageWage]] = {}
    for f in await average_wages(session):
        by_city.setdefault(f.city, []).append(
            AverageWage(year=f.year, monthly=f.monthly, source=f.source, published_on=f.published_on)
        )
    for city, figures in by_city.items():
        table = table.with_average_wages(city, figures)
    return table


async def set_average_wage(
    *, session: AsyncSession, actor: Actor, city: str, year: int, monthly: Any, source: str, published_on: Any
) -> AverageWageFigure:
    """Set (or correct) one city's average wage for a year, with its source; audited with old and new values."""
    key = city_key(city)
    row = await session.get(AverageWageFigure, (key, year))
    new = {
        "monthly": str(monthly),
        "source": source,
        "published_on": published_on.isoformat() if published_on else None,
    }
    if row is None:
        row = AverageWageFigure(
            city=key, year=year, monthly=monthly, source=source, published_on=published_on, set_by=actor.subject
        )
        changes = {k: [None, v] for k, v in new.items()}
        action = "created"
    else:
        old = {
            "monthly": str(row.monthly),
            "source": row.source,
            "published_on": row.published_on.isoformat() if row.published_on else None,
        }
        changes = {k: [old[k], new[k]] for k in new if old[k] != new[k]}
        row.monthly, row.source, row.published_on, row.set_by = monthly, source, published_on, actor.subject
        action = "updated"
    session.add(row)
    session.add(
        RegistryAudit(
            entity="average_wage",
            entity_id=f"{key}:{year}",
            action=action,
            actor_subject=actor.subject,
            actor_name=actor.name,
            changes=changes,
        )
    )
    return row
