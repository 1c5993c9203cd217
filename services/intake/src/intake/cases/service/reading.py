"""Reading a case: visibility, parts, personal data on purpose, the timeline."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from onewindow_kit.auth import Principal
from onewindow_kit.crypto import FieldCipher
from onewindow_kit.errors import NotFound
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from intake.cases.models import CaseClaim, CaseFile, CaseParty, PiiAccess, TimelineEntry
from intake.cases.service.access import is_granted


def can_see(principal: Principal, case: CaseFile) -> bool:
    if principal.has_any_role("admin", "service"):
        return True
    return principal.has_any_role("clerk", "supervisor") and principal.center_id == case.center_id


async def get_case(*, session: AsyncSession, principal: Principal, case_id: str) -> CaseFile:
    """The case, if ``principal`` may see it (404 otherwise: another centre's case does not exist for you)."""
    case = await session.get(CaseFile, case_id)
    if case is None:
        raise NotFound(f"case {case_id} does not exist")
    # A mediator reads the cases of their own proceedings (grants from mediation's events).
    if not can_see(principal, case) and not await is_granted(session=session, principal=principal, case_id=case.id):
        raise NotFound(f"case {case_id} does not exist")
    return case


async def case_parts(*, session: AsyncSession, case_id: str) -> tuple[list[CaseParty], list[CaseClaim]]:
    parties = (
        (
            await session.execute(
                select(CaseParty).where(CaseParty.case_id == case_id).order_by(CaseParty.role, CaseParty.position)
            )
        )
        .scalars()
        .all()
    )
    claims = (
        (await session.execute(select(CaseClaim).where(CaseClaim.case_id == case_id).order_by(CaseClaim.position)))
        .scalars()
        .all()
    )
    return list(parties), list(claims)


async def reveal_pii(
    *, session: AsyncSession, principal: Principal, case: CaseFile, cipher: FieldCipher, purpose: str
) -> list[dict[str, Any]]:
    """Full ID and phone numbers of the case's parties; the read is recorded."""
    parties, _ = await case_parts(session=session, case_id=case.id)
    session.add(
        PiiAccess(
            case_id=case.id,
            actor=principal.subject,
            actor_roles=",".join(sorted(principal.roles)),
            fields="id_number,phone",
            purpose=purpose[:100],
        )
    )
    return [
        {
            "party_id": p.id,
            "role": p.role,
            "position": p.position,
            "name": p.name,
            "id_number": cipher.decrypt(p.id_number_enc, context="id_number") if p.id_number_enc else None,
            "phone": cipher.decrypt(p.phone_enc, context="phone") if p.phone_enc else None,
        }
        for p in parties
    ]


async def timeline(*, session: AsyncSession, case: CaseFile) -> Sequence[TimelineEntry]:
    """Every change and every event of the case, oldest first."""
    return (
        (
            await session.execute(
                select(TimelineEntry)
                .where(TimelineEntry.case_id == case.id)
                .order_by(TimelineEntry.at, TimelineEntry.id)
            )
        )
        .scalars()
        .all()
    )
