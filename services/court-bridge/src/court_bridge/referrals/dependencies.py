"""Who may call: a registered, active court (its token's ``partner_id``), or centre staff."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request
from onewindow_kit.auth import Principal, require_roles
from onewindow_kit.errors import Forbidden, PayloadTooLarge
from onewindow_kit.idempotency import check_key
from onewindow_kit.partners.models import Partner

from court_bridge.context import get_context

CourtToken = Annotated[Principal, Depends(require_roles("court_partner"))]
StaffRead = Annotated[Principal, Depends(require_roles("clerk", "supervisor", "admin"))]
StaffDecide = Annotated[Principal, Depends(require_roles("clerk", "supervisor", "admin"))]
AdminOnly = Annotated[Principal, Depends(require_roles("admin"))]


async def current_court(request: Request, principal: CourtToken) -> Partner:
    """The calling court from the registry (403 when its token names none, or it is unknown or disabled).
    Read in its own short session: the routes that follow may open their own transactions."""
    if not principal.partner_id:
        raise Forbidden("the token names no partner")
    async with get_context(request).db.transaction(read_only=True) as session:
        partner = await session.get(Partner, principal.partner_id)
    if partner is None or partner.kind != "court":
        raise Forbidden("this court is not registered with the centre")
    if not partner.active:
        raise Forbidden("this court's access to the centre is disabled")
    return partner


CurrentCourt = Annotated[Partner, Depends(current_court)]


async def bounded_body(request: Request) -> None:
    """413 for a body larger than the bridge accepts (the gateway bounds bodies as well)."""
    limit = get_context(request).settings.max_body_bytes
    length = request.headers.get("content-length")
    if (length is not None and length.isdigit() and int(length) > limit) or len(await request.body()) > limit:
        raise PayloadTooLarge(f"the body is larger than {limit} bytes")


async def required_idempotency_key(
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> str:
    """400 without ``Idempotency-Key`` — checked before the body, so the court learns it first."""
    key = check_key(idempotency_key, required=True)
    assert key is not None
    return key


async def optional_idempotency_key(
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> str | None:
    return check_key(idempotency_key, required=False)


BoundedBody = Depends(bounded_body)
RequiredKey = Annotated[str, Depends(required_idempotency_key)]
OptionalKey = Annotated[str | None, Depends(optional_idempotency_key)]
