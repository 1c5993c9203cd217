"""Who may see and act on a proceeding (object-level access, ARCHITECTURE.md §4).

- a mediator: only the proceedings assigned to them (or whose panel names them);
- a supervisor: their centre's (the case's ``center_id``);
- a clerk: their centre's, read only; a service: any, read only; an admin: all.
Anything else answers 404, so a proceeding one may not see does not exist for them.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from onewindow_kit.auth import Principal, require_roles
from onewindow_kit.errors import NotFound
from sqlalchemy.ext.asyncio import AsyncSession

from mediation.proceedings.models import Proceeding
from mediation.registry.service import mediator_for_principal

ProceedingRead = Annotated[Principal, Depends(require_roles("clerk", "mediator", "supervisor", "admin", "service"))]
ProceedingAct = Annotated[Principal, Depends(require_roles("mediator", "supervisor", "admin"))]
ProceedingSupervise = Annotated[Principal, Depends(require_roles("supervisor", "admin"))]


async def may_see(session: AsyncSession, principal: Principal, p: Proceeding, *, act: bool) -> bool:
    if principal.has_any_role("admin"):
        return True
    if principal.has_any_role("supervisor") and principal.center_id == p.center_id:
        return True
    if principal.has_any_role("mediator"):
        me = await mediator_for_principal(session=session, principal=principal)
        if me is not None and (p.mediator_id == me.id or any(m.get("mediator_id") == me.id for m in p.panel or ())):
            return True
    if act:
        return False
    if principal.has_any_role("service"):
        return True
    return principal.has_any_role("clerk") and principal.center_id == p.center_id


async def visible_proceeding(
    *, session: AsyncSession, principal: Principal, proceeding_id: str, act: bool = False
) -> Proceeding:
    """The proceeding if ``principal`` may see it (``act``: and change it); 404 otherwise."""
    p = await session.get(Proceeding, proceeding_id)
    if p is None or not await may_see(session, principal, p, act=act):
        raise NotFound(f"proceeding {proceeding_id} does not exist")
    return p
