"""``/auth/party/…``: the parties' sign-in with a phone and an SMS code, and SMS-code confirmations.

JSON in, problem+json errors out (not the OAuth token endpoint's form and error format: these
are browser-only steps of the portal, not an OAuth grant any standard client would use)."""

from __future__ import annotations

from typing import Any, cast

from fastapi import APIRouter, Request, status
from onewindow_kit.auth import PartyPrincipal, Principal
from onewindow_kit.db import SessionDep
from onewindow_kit.dependencies import DatabaseDep, HttpDep
from onewindow_kit.errors import BadRequest, Forbidden, TooManyRequests, UpstreamUnavailable
from onewindow_kit.openapi import problems
from onewindow_kit.sms import MemoryProvider, SmsRateLimited, SmsUnavailable, mask

from gateway.config import GatewaySettings, SettingsDep
from gateway.limits.service import TokenBuckets, client_ip
from gateway.party import service
from gateway.party.dependencies import SmsDep
from gateway.party.exceptions import InvalidCode
from gateway.party.schemas import (
    CodePurpose,
    CodeRequest,
    CodeSent,
    Confirmation,
    ConfirmRequest,
    PartySignIn,
    PartyToken,
)

router = APIRouter(prefix="/auth/party", tags=["auth"])
dev_router = APIRouter(prefix="/dev/sms", include_in_schema=False)


def _throttle(request: Request, buckets_name: str, *, trust_forwarded: bool, spend: bool) -> None:
    buckets: TokenBuckets = getattr(request.app.state, buckets_name)
    ip = client_ip(cast(dict[str, Any], request.scope), trust_forwarded=trust_forwarded)
    wait = buckets.take(ip) if spend else buckets.peek(ip)
    if wait:
        raise TooManyRequests("操作过于频繁，请稍后再试", retry_after=wait)


async def _send(
    request: Request,
    session: SessionDep,
    settings: GatewaySettings,
    http: HttpDep,
    sms: SmsDep,
    phone: str,
    purpose: CodePurpose,
    principal: Principal | None = None,
) -> CodeSent:
    _throttle(request, "party_code_requests", trust_forwarded=settings.trust_forwarded_headers, spend=True)
    scope = await service.phone_scope(
        http=http,
        settings=settings,
        signer=request.app.state.keys.signer,
        policy=request.app.state.token_policy,
        phone=phone,
    )
    if principal is not None and principal.phone_ref != scope.phone_ref:
        raise Forbidden("手机号码与登录的手机号码不一致")
    row = await service.send_code(
        session=session, settings=settings, sms=sms, pepper=request.app.state.party_pepper, scope=scope, purpose=purpose
    )
    return CodeSent(
        challenge_id=row.id, expires_in=settings.party_code_ttl_seconds, resend_after=settings.party_code_resend_seconds
    )


@router.post(
    "/codes",
    response_model=CodeSent,
    status_code=status.HTTP_202_ACCEPTED,
    responses=problems(BadRequest, TooManyRequests, SmsRateLimited, UpstreamUnavailable, SmsUnavailable),
    operation_id="send_party_code",
)
async def send_party_code(
    body: CodeRequest, request: Request, session: SessionDep, settings: SettingsDep, http: HttpDep, sms: SmsDep
) -> CodeSent:
    """Text a one-time sign-in code to a phone (登录/查询进度). The answer is the same whether or
    not the number is a party of any case: a worker applying online has none yet."""
    return await _send(request, session, settings, http, sms, body.phone, CodePurpose.sign_in)


@router.post(
    "/confirmation-codes",
    response_model=CodeSent,
    status_code=status.HTTP_202_ACCEPTED,
    responses=problems(BadRequest, TooManyRequests, SmsRateLimited, UpstreamUnavailable, SmsUnavailable),
    operation_id="send_party_confirmation_code",
)
async def send_party_confirmation_code(
    body: CodeRequest,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    http: HttpDep,
    sms: SmsDep,
    principal: PartyPrincipal,
) -> CodeSent:
    """Text a fresh code for confirming a document to the signed-in party's own phone."""
    return await _send(request, session, settings, http, sms, body.phone, CodePurpose.confirm, principal)


@router.post(
    "/token",
    response_model=PartyToken,
    responses=problems(InvalidCode, BadRequest, TooManyRequests, UpstreamUnavailable),
    operation_id="create_party_token",
)
async def create_party_token(
    body: PartySignIn, request: Request, db: DatabaseDep, settings: SettingsDep, http: HttpDep
) -> PartyToken:
    """Sign in with the code (and, to look a case up, its number): a short-lived ``party`` token
    scoped to the cases where this phone is a party. A wrong code, a spent or expired one and a
    case number that is not this phone's all get the same answer."""
    trust = settings.trust_forwarded_headers
    _throttle(request, "login_failures", trust_forwarded=trust, spend=False)
    scope = await service.phone_scope(
        http=http,
        settings=settings,
        signer=request.app.state.keys.signer,
        policy=request.app.state.token_policy,
        phone=body.phone,
    )
    case_ok = body.case_number is None or any(c.case_no == body.case_number for c in scope.cases)
    ok = await service.spend_code(
        db=db,
        pepper=request.app.state.party_pepper,
        challenge_id=body.challenge_id,
        phone_ref=scope.phone_ref,
        purpose=CodePurpose.sign_in,
        code=body.code,
        max_attempts=settings.party_code_max_attempts,
        accept=case_ok,
    )
    if not ok:
        request.app.state.login_failures.take(client_ip(cast(dict[str, Any], request.scope), trust_forwarded=trust))
        raise InvalidCode()
    token = service.party_access_token(
        signer=request.app.state.keys.signer,
        policy=request.app.state.token_policy,
        scope=scope,
        ttl=settings.party_token_ttl_seconds,
    )
    return PartyToken(
        access_token=token,
        expires_in=settings.party_token_ttl_seconds,
        phone_masked=mask(scope.phone),
        cases=scope.cases,
    )


@router.post(
    "/confirmations",
    response_model=Confirmation,
    responses=problems(InvalidCode, BadRequest, TooManyRequests, UpstreamUnavailable),
    operation_id="create_party_confirmation",
)
async def create_party_confirmation(
    body: ConfirmRequest,
    request: Request,
    db: DatabaseDep,
    settings: SettingsDep,
    http: HttpDep,
    principal: PartyPrincipal,
) -> Confirmation:
    """Confirm a document (``object`` = ``agreement:<id>``, ``digest`` = its sha256) with a fresh
    ``confirm`` code: a confirmation token the owning service records as electronic signature
    evidence (its audience opens no route)."""
    trust = settings.trust_forwarded_headers
    _throttle(request, "login_failures", trust_forwarded=trust, spend=False)
    scope = await service.phone_scope(
        http=http,
        settings=settings,
        signer=request.app.state.keys.signer,
        policy=request.app.state.token_policy,
        phone=body.phone,
    )
    ok = scope.phone_ref == principal.phone_ref and await service.spend_code(
        db=db,
        pepper=request.app.state.party_pepper,
        challenge_id=body.challenge_id,
        phone_ref=scope.phone_ref,
        purpose=CodePurpose.confirm,
        code=body.code,
        max_attempts=settings.party_code_max_attempts,
        accept=True,
    )
    if not ok:
        request.app.state.login_failures.take(client_ip(cast(dict[str, Any], request.scope), trust_forwarded=trust))
        raise InvalidCode()
    token, at = service.confirmation_token(
        signer=request.app.state.keys.signer,
        policy=request.app.state.token_policy,
        principal=principal,
        phone=scope.phone,
        object_ref=body.object,
        digest=body.digest,
        ttl=settings.party_confirmation_ttl_seconds,
    )
    return Confirmation(confirmation_token=token, expires_in=settings.party_confirmation_ttl_seconds, confirmed_at=at)


@dev_router.get("/messages")
async def list_dev_sms(sms: SmsDep) -> list[dict[str, object]]:
    """Development only (memory provider): what was "sent", for make run and the browser tests."""
    provider = sms.provider
    if not isinstance(provider, MemoryProvider):
        return []
    return [
        {
            "message_id": m.message_id,
            "to": m.to,
            "template": m.template,
            "variables": m.variables,
            "text": m.text,
            "sent_at": m.sent_at.isoformat(),
        }
        for m in provider.messages
    ]
