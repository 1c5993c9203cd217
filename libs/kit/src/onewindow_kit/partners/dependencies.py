"""The conventions every partner API shares, as FastAPI dependencies:

- ``partner_dependency(kind=…, role=…)``: the calling partner from the registry, matched by the
  token's ``partner_id`` (403 when the token has another role, names no partner, or the partner is
  unknown, of another kind or disabled);
- ``required_idempotency_key`` / ``optional_idempotency_key``: the ``Idempotency-Key`` header,
  checked before the body so a partner learns a missing key first (400);
- ``bounded_body``: 413 for a body larger than the service's ``max_body_bytes`` (the gateway bounds
  bodies too; this holds without it).
"""

# No `from __future__ import annotations`: FastAPI must see the closure's Annotated dependency as an object.

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Header, Request
from pydantic_settings import BaseSettings

from onewindow_kit.auth import Principal, require_roles
from onewindow_kit.dependencies import database_of, settings_of
from onewindow_kit.errors import BadRequest, Forbidden, PayloadTooLarge, RequestInProgress, ValidationFailed
from onewindow_kit.idempotency import check_key
from onewindow_kit.openapi import declares
from onewindow_kit.partners.models import Partner

DEFAULT_MAX_BODY_BYTES = 1024 * 1024


def partner_dependency(*, kind: str, role: str, label: str | None = None) -> Callable[..., Awaitable[Partner]]:
    """A dependency answering the calling partner of ``kind`` (``label`` names it in messages)."""
    token_dependency = require_roles(role)
    who = label or kind

    @declares(Forbidden)
    async def current_partner(request: Request, principal: Annotated[Principal, Depends(token_dependency)]) -> Partner:
        # Read in its own short session: the routes that follow may open their own transactions.
        if not principal.partner_id:
            raise Forbidden("the token names no partner")
        async with database_of(request.app).transaction(read_only=True) as session:
            partner = await session.get(Partner, principal.partner_id)
        if partner is None or partner.kind != kind:
            raise Forbidden(f"this {who} is not registered with the centre")
        if not partner.active:
            raise Forbidden(f"this {who}'s access to the centre is disabled")
        return partner

    current_partner.__name__ = f"current_{kind}_partner"
    return current_partner


@declares(PayloadTooLarge)
async def bounded_body(request: Request) -> None:
    """413 for a body larger than ``settings.max_body_bytes``."""
    limit = getattr(settings_of(request.app, BaseSettings), "max_body_bytes", DEFAULT_MAX_BODY_BYTES)
    length = request.headers.get("content-length")
    if (length is not None and length.isdigit() and int(length) > limit) or len(await request.body()) > limit:
        raise PayloadTooLarge(f"the body is larger than {limit} bytes")


@declares(BadRequest, ValidationFailed, RequestInProgress)
async def required_idempotency_key(
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> str:
    """400 without ``Idempotency-Key``; 422 when it is too long or not printable."""
    key = check_key(idempotency_key, required=True)
    assert key is not None
    return key


@declares(ValidationFailed, RequestInProgress)
async def optional_idempotency_key(
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> str | None:
    return check_key(idempotency_key, required=False)


BoundedBody = Depends(bounded_body)
RequiredKey = Annotated[str, Depends(required_idempotency_key)]
OptionalKey = Annotated[str | None, Depends(optional_idempotency_key)]
