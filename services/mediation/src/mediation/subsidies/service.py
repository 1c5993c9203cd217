"""以案定补: an entry per closed proceeding, and monthly statements per mediator and organisation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol, TypeVar

from onewindow_domain import clock
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from mediation.config import SubsidyTable
from mediation.registry.models import Mediator, Organisation
from mediation.subsidies.models import SubsidyEntry


class Closing(Protocol):
    """What an entry needs of the closing proceeding (a ``Proceeding``; not imported: proceedings
    builds on this module, which must not import it back)."""

    id: str
    case_no: str
    center_id: str
    mediator_id: str | None
    complexity: str


async def record_entry(
    *, session: AsyncSession, proceeding: Closing, outcome: str, table: SubsidyTable
) -> SubsidyEntry | None:
    """The subsidy a closing proceeding earns its mediator (none without a mediator)."""
    if proceeding.mediator_id is None:
        return None
    mediator = await session.get(Mediator, proceeding.mediator_id)
    if mediator is None:
        return None
    closed_on = clock.today()
    entry = SubsidyEntry(
        proceeding_id=proceeding.id,
        case_no=proceeding.case_no,
        center_id=proceeding.center_id,
        mediator_id=mediator.id,
        organisation_id=mediator.organisation_id,
        outcome=outcome,
        complexity=proceeding.complexity,
        amount=table.amount(outcome, proceeding.complexity),
        table_version=table.version,
        closed_on=closed_on,
        month=closed_on.strftime("%Y-%m"),
    )
    session.add(entry)
    return entry


@dataclass
class StatementLine:
    mediator_id: str
    mediator_name: str
    organisation_id: str
    organisation_name: str
    cases: int = 0
    amount: Decimal = Decimal("0")
    by_outcome: dict[str, dict[str, Any]] = field(default_factory=dict)


S = TypeVar("S", bound=Select[Any])


@dataclass(frozen=True)
class LedgerQuery:
    """Which ledger entries: a month (YYYY-MM) and, where given, a centre, a mediator, an organisation."""

    month: str
    center_id: str | None
    mediator_id: str | None = None
    organisation_id: str | None = None

    def narrow(self, stmt: S) -> S:
        stmt = stmt.where(SubsidyEntry.month == self.month)
        if self.center_id:
            stmt = stmt.where(SubsidyEntry.center_id == self.center_id)
        if self.mediator_id:
            stmt = stmt.where(SubsidyEntry.mediator_id == self.mediator_id)
        if self.organisation_id:
            stmt = stmt.where(SubsidyEntry.organisation_id == self.organisation_id)
        return stmt


async def entries(*, session: AsyncSession, query: LedgerQuery) -> Sequence[SubsidyEntry]:
    """Ledger entries of a month, oldest first."""
    return (await session.execute(query.narrow(select(SubsidyEntry)).order_by(SubsidyEntry.id))).scalars().all()


async def statement(*, session: AsyncSession, query: LedgerQuery) -> dict[str, Any]:
    """Per mediator and per organisation: cases closed in the month, amounts by outcome, totals."""
    stmt = query.narrow(
        select(
            SubsidyEntry.mediator_id,
            Mediator.name,
            SubsidyEntry.organisation_id,
            Organisation.name,
            SubsidyEntry.outcome,
            func.count(),
            func.sum(SubsidyEntry.amount),
        )
        .join(Mediator, Mediator.id == SubsidyEntry.mediator_id)
        .join(Organisation, Organisation.id == SubsidyEntry.organisation_id)
        .group_by(
            SubsidyEntry.mediator_id,
            Mediator.name,
            SubsidyEntry.organisation_id,
            Organisation.name,
            SubsidyEntry.outcome,
        )
    )
    lines: dict[str, StatementLine] = {}
    orgs: dict[str, dict[str, Any]] = {}
    for m_id, m_name, o_id, o_name, outcome, count, total in (await session.execute(stmt)).all():
        amount = Decimal(str(total or 0)).quantize(Decimal("0.01"))
        line = lines.setdefault(m_id, StatementLine(m_id, m_name, o_id, o_name))
        line.cases += count
        line.amount += amount
        line.by_outcome[outcome] = {"cases": count, "amount": amount}
        org = orgs.setdefault(
            o_id,
            {
                "organisation_id": o_id,
                "organisation_name": o_name,
                "cases": 0,
                "amount": Decimal("0.00"),
                "mediators": 0,
            },
        )
        org["cases"] += count
        org["amount"] += amount
    for line in lines.values():
        orgs[line.organisation_id]["mediators"] += 1
    mediators = sorted(lines.values(), key=lambda line: (line.organisation_name, line.mediator_name, line.mediator_id))
    return {
        "month": query.month,
        "center_id": query.center_id,
        "mediators": [{**line.__dict__, "amount": line.amount.quantize(Decimal("0.01"))} for line in mediators],
        "organisations": sorted(orgs.values(), key=lambda o: o["organisation_name"]),
        "total_cases": sum(line.cases for line in mediators),
        "total_amount": sum((line.amount for line in mediators), Decimal("0.00")).quantize(Decimal("0.01")),
    }
