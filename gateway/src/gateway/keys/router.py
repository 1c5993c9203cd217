"""``/.well-known/jwks.json``: the public keys that verify the gateway's tokens."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from gateway.keys.service import KeyRing

router = APIRouter(tags=["auth"])


@router.get("/.well-known/jwks.json", operation_id="get_jwks")
async def get_jwks(request: Request) -> JSONResponse:
    """The JSON Web Key Set (RFC 7517): the active signing key and recently retired ones."""
    keys: KeyRing = request.app.state.keys
    return JSONResponse(keys.jwks(), headers={"Cache-Control": "public, max-age=300"})
