"""``POST /auth/token``: the OAuth 2.0 token endpoint (RFC 6749), the only place tokens come from.

The body is parsed here rather than by FastAPI so every failure, malformed input included, is an
RFC 6749 error (``{"error", "error_description"}``) that standard OAuth clients understand."""

from __future__ import annotations

import base64
import binascii
from typing import Any
from urllib.parse import unquote_plus

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from onewindow_kit.db import SessionDep
from onewindow_kit.dependencies import settings_of
from starlette.datastructures import FormData

from gateway.config import GatewaySettings
from gateway.identity import service as identity
from gateway.identity.exceptions import AccountLocked, InvalidCredentials
from gateway.keys.service import KeyRing
from gateway.limits.service import TokenBuckets, client_ip
from gateway.tokens import service
from gateway.tokens.exceptions import OAuthError, invalid_client, invalid_grant, invalid_request, slow_down
from gateway.tokens.schemas import OAuthErrorBody, TokenResponse

router = APIRouter(tags=["auth"])

_FORM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["grant_type"],
    "properties": {
        "grant_type": {"type": "string", "enum": ["password", "refresh_token", "client_credentials"]},
        "username": {"type": "string", "description": "password grant"},
        "password": {"type": "string", "format": "password", "description": "password grant"},
        "refresh_token": {"type": "string", "description": "refresh_token grant"},
        "client_id": {"type": "string", "description": "client_credentials (or HTTP Basic)"},
        "client_secret": {"type": "string", "format": "password", "description": "client_credentials (or HTTP Basic)"},
        "scope": {"type": "string", "description": "space-separated subset of the account's roles"},
    },
}
_ERROR = {"model": OAuthErrorBody}


def _single(form: FormData, name: str) -> str | None:
    values = form.getlist(name)
    if len(values) > 1:
        raise invalid_request(f"parameter {name} was given more than once")
    if not values:
        return None
    value = values[0]
    if not isinstance(value, str):
        raise invalid_request(f"parameter {name} must be a plain form field")
    return value or None


def _required(form: FormData, name: str) -> str:
    value = _single(form, name)
    if value is None:
        raise invalid_request(f"parameter {name} is required")
    return value


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        raise invalid_client("client authentication must use HTTP Basic or form parameters")
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise invalid_client("malformed HTTP Basic credentials") from exc
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        raise invalid_client("malformed HTTP Basic credentials")
    # RFC 6749 §2.3.1: both parts are form-urlencoded before Basic encoding.
    return unquote_plus(client_id), unquote_plus(secret)


def _token_response(body: TokenResponse) -> JSONResponse:
    return JSONResponse(body.model_dump(exclude_none=True), headers={"Cache-Control": "no-store", "Pragma": "no-cache"})


@router.post(
    "/auth/token",
    operation_id="create_token",
    response_model=TokenResponse,
    responses={400: _ERROR, 401: _ERROR, 429: _ERROR},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/x-www-form-urlencoded": {"schema": _FORM_SCHEMA}},
        }
    },
)
async def create_token(request: Request, session: SessionDep) -> JSONResponse:
    """Issue an access token (RS256 JWT, 15 minutes by default).

    Grants: ``password`` (staff; also returns a refresh token), ``refresh_token`` (staff; the
    refresh token is replaced on every use, and reusing a replaced one ends the session), and
    ``client_credentials`` (partner systems and services; credentials in the form or HTTP Basic).
    Errors follow RFC 6749 §5.2; repeated failed logins answer 429 ``slow_down`` with ``Retry-After``."""
    try:
        return await _grant(request, session)
    except OAuthError as exc:
        # Returned, not raised: the session commits failure counters and family revocations.
        return exc.response()


_REVOKE_FORM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["token"],
    "properties": {
        "token": {"type": "string", "description": "the refresh token to revoke"},
        "token_type_hint": {"type": "string", "enum": ["refresh_token", "access_token"]},
    },
}


@router.post(
    "/auth/revoke",
    operation_id="revoke_token",
    status_code=200,
    responses={200: {"description": "Revoked (or unknown: RFC 7009 §2.2 answers 200 either way)"}, 400: _ERROR},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/x-www-form-urlencoded": {"schema": _REVOKE_FORM_SCHEMA}},
        }
    },
)
async def revoke_token(request: Request, session: SessionDep) -> Response:
    """Revoke a refresh token and the session it belongs to (RFC 7009), as logout does.

    The token itself is the credential: whoever holds it may end its session. Access tokens are
    short-lived and not tracked; revoking one answers 200 and changes nothing."""
    try:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "application/x-www-form-urlencoded":
            raise invalid_request("the body must be application/x-www-form-urlencoded")
        try:
            form = await request.form(max_files=0, max_fields=5)
        except Exception as exc:  # a malformed body of any kind is the client's error
            raise invalid_request("the form body could not be parsed") from exc
        await service.revoke_refresh_token(session=session, raw=_required(form, "token"))
    except OAuthError as exc:
        return exc.response()
    return Response(status_code=200, headers={"Cache-Control": "no-store"})


async def _grant(request: Request, session: Any) -> JSONResponse:
    settings = settings_of(request.app, GatewaySettings)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise invalid_request("the body must be application/x-www-form-urlencoded")
    try:
        form = await request.form(max_files=0, max_fields=20)
    except Exception as exc:  # a malformed body of any kind is the client's error
        raise invalid_request("the form body could not be parsed") from exc
    grant_type = _required(form, "grant_type")
    keys: KeyRing = request.app.state.keys
    policy: service.TokenPolicy = request.app.state.token_policy
    failures: TokenBuckets = request.app.state.login_failures
    ip = client_ip(request.scope, trust_forwarded=settings.trust_forwarded_headers)
    scope = _single(form, "scope")

    if grant_type == "password":
        username, password = _required(form, "username"), _required(form, "password")
        if wait := failures.peek(ip):
            raise slow_down("too many failed logins from this address; try again later", wait)
        try:
            user = await identity.authenticate_user(
                session=session,
                username=username,
                password=password,
                max_failures=settings.login_max_failures,
                lockout_base_seconds=settings.login_lockout_base_seconds,
                lockout_max_seconds=settings.login_lockout_max_seconds,
            )
        except AccountLocked as exc:
            failures.take(ip)
            raise slow_down(str(exc), exc.retry_after) from exc
        except InvalidCredentials as exc:
            failures.take(ip)
            raise invalid_grant(exc.description) from exc
        roles = service.granted_roles(user.roles, scope)
        refresh = await service.start_session(session=session, user=user, policy=policy)
        access = service.staff_access_token(signer=keys.signer, policy=policy, user=user, roles=roles)
        return _token_response(
            TokenResponse(
                access_token=access, expires_in=policy.access_ttl, refresh_token=refresh, scope=" ".join(roles)
            )
        )

    if grant_type == "refresh_token":
        raw = _required(form, "refresh_token")
        user, refresh = await service.rotate_refresh_token(session=session, raw=raw)
        roles = service.granted_roles(user.roles, scope)
        access = service.staff_access_token(signer=keys.signer, policy=policy, user=user, roles=roles)
        return _token_response(
            TokenResponse(
                access_token=access, expires_in=policy.access_ttl, refresh_token=refresh, scope=" ".join(roles)
            )
        )

    if grant_type == "client_credentials":
        basic = _basic_credentials(request)
        form_id, form_secret = _single(form, "client_id"), _single(form, "client_secret")
        if basic is not None and (form_id or form_secret):
            raise invalid_request("send client credentials either in HTTP Basic or in the form, not both")
        client_id, client_secret = basic if basic is not None else (form_id, form_secret)
        if not client_id or not client_secret:
            raise invalid_client("client_id and client_secret are required")
        if wait := failures.peek(ip):
            raise slow_down("too many failed authentications from this address; try again later", wait)
        try:
            client = await identity.authenticate_client(
                session=session, client_id=client_id, client_secret=client_secret
            )
        except InvalidCredentials as exc:
            failures.take(ip)
            raise invalid_client(exc.description) from exc
        roles = service.granted_roles(client.roles, scope)
        access = service.client_access_token(signer=keys.signer, policy=policy, client=client, roles=roles)
        return _token_response(TokenResponse(access_token=access, expires_in=policy.access_ttl, scope=" ".join(roles)))

    raise OAuthError("unsupported_grant_type", f"grant_type {grant_type!r} is not supported")
