"""Party sign-in: one-time SMS codes, the phone's case scope from intake, party tokens, and
confirmation tokens (docs/decisions/0021).

Limits: per client address (in-memory token buckets, like staff logins), per number (counted in
the database, so every replica sees them: one code a minute, a few an hour), per code (a few
tries, then it is dead) and per time (a code lives minutes). A new code supersedes the number's
earlier unspent ones, so only the latest code works."""

from __future__ import annotations

import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from onewindow_kit.auth import CONFIRMATION_AUDIENCE, Principal, Signer
from onewindow_kit.db import Database, utcnow
from onewindow_kit.errors import TooManyRequests, UpstreamUnavailable
from onewindow_kit.sms import SmsSender, SmsTemplateId, mask, normalise_mobile
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from gateway.config import GatewaySettings
from gateway.party.models import PartyCode
from gateway.party.pepper import CodePepper
from gateway.party.schemas import CodePurpose, PartyCase
from gateway.tokens.service import TokenPolicy, sign_access_token


@dataclass(frozen=True, slots=True)
class PhoneScope:
    phone: str  # normalised; never logged, never stored
    phone_ref: str
    cases: list[PartyCase]


async def phone_scope(
    *, http: httpx.AsyncClient, settings: GatewaySettings, signer: Signer, policy: TokenPolicy, phone: str
) -> PhoneScope:
    """Ask intake for the phone's keyed hash and its cases (the plain number stays in the body)."""
    number = normalise_mobile(phone)
    token = sign_access_token(
        signer=signer, policy=policy, subject="gateway", kind="service", roles=["service"], name="gateway"
    )
    base = settings.upstreams.get("intake", "").rstrip("/")
    try:
        response = await http.post(
            f"{base}/internal/portal/scope",
            json={"phone": number},
            headers={"Authorization": f"Bearer {token}"},
            timeout=10.0,
        )
    except httpx.HTTPError as exc:
        raise UpstreamUnavailable("案件系统暂不可用，请稍后再试") from exc
    if response.status_code != 200:
        raise UpstreamUnavailable("案件系统暂不可用，请稍后再试")
    body = response.json()
    return PhoneScope(
        phone=number, phone_ref=body["phone_ref"], cases=[PartyCase.model_validate(c) for c in body["cases"]]
    )


async def send_code(
    *,
    session: AsyncSession,
    settings: GatewaySettings,
    sms: SmsSender,
    pepper: CodePepper,
    scope: PhoneScope,
    purpose: CodePurpose,
) -> PartyCode:
    """Create a code for the phone and text it; refuses (429) when the number asked too often."""
    now = utcnow()
    hour_ago = now - timedelta(hours=1)
    count = (
        await session.execute(
            select(func.count()).where(
                col(PartyCode.phone_ref) == scope.phone_ref, col(PartyCode.created_at) > hour_ago
            )
        )
    ).scalar_one()
    # The resend pause is per purpose: signing in and then confirming an agreement is normal.
    last = (
        await session.execute(
            select(func.max(col(PartyCode.created_at))).where(
                col(PartyCode.phone_ref) == scope.phone_ref,
                col(PartyCode.purpose) == purpose.value,
                col(PartyCode.created_at) > hour_ago,
            )
        )
    ).scalar_one()
    if last is not None and (now - last).total_seconds() < settings.party_code_resend_seconds:
        raise TooManyRequests(
            "验证码发送过于频繁，请稍后再试",
            retry_after=settings.party_code_resend_seconds - int((now - last).total_seconds()),
        )
    if count >= settings.party_codes_per_number_per_hour:
        raise TooManyRequests("该号码今日获取验证码次数过多，请稍后再试", retry_after=3600)
    # Only the newest code works: earlier unspent ones of this purpose die now.
    await session.execute(
        update(PartyCode)
        .where(
            col(PartyCode.phone_ref) == scope.phone_ref,
            col(PartyCode.purpose) == purpose.value,
            col(PartyCode.used_at).is_(None),
        )
        .values(used_at=now)
    )
    challenge_id = uuid.uuid4().hex
    code = f"{secrets.randbelow(10**settings.party_code_length):0{settings.party_code_length}d}"
    row = PartyCode(
        id=challenge_id,
        phone_ref=scope.phone_ref,
        purpose=purpose.value,
        code_hash=pepper.hash(challenge_id, code),
        created_at=now,
        expires_at=now + timedelta(seconds=settings.party_code_ttl_seconds),
    )
    session.add(row)
    await session.flush()
    minutes = str(max(1, settings.party_code_ttl_seconds // 60))
    if purpose is CodePurpose.sign_in:
        template, variables = SmsTemplateId.portal_sign_in_code, {"code": code, "minutes": minutes}
    else:
        template = SmsTemplateId.portal_confirm_code
        variables = {"action": "调解协议", "code": code, "minutes": minutes}
    # Sent inside the transaction: a provider refusal rolls the code back (nothing half-written).
    row.message_id = (await sms.send(template, scope.phone, variables))[:64]
    return row


async def spend_code(
    *,
    db: Database,
    pepper: CodePepper,
    challenge_id: str,
    phone_ref: str,
    purpose: CodePurpose,
    code: str,
    max_attempts: int,
    accept: bool,
) -> bool:
    """Try a code: every try counts (committed even when it fails); the right code with ``accept``
    spends it once. A code is dead when spent, expired, superseded or out of tries."""
    async with db.transaction() as session:
        now = utcnow()
        tried = (
            await session.execute(
                update(PartyCode)
                .where(
                    col(PartyCode.id) == challenge_id,
                    col(PartyCode.phone_ref) == phone_ref,
                    col(PartyCode.purpose) == purpose.value,
                    col(PartyCode.used_at).is_(None),
                    col(PartyCode.expires_at) > now,
                    col(PartyCode.attempts) < max_attempts,
                )
                .values(attempts=col(PartyCode.attempts) + 1)
                .returning(col(PartyCode.code_hash), col(PartyCode.attempts))
            )
        ).one_or_none()
        if tried is None:
            return False
        code_hash, attempts = tried
        right = pepper.matches(code_hash, challenge_id, code) and accept
        if right or attempts >= max_attempts:
            spent = await session.execute(
                update(PartyCode)
                .where(col(PartyCode.id) == challenge_id, col(PartyCode.used_at).is_(None))
                .values(used_at=now)
            )
            right = right and spent.rowcount == 1  # type: ignore[attr-defined]
        return right


def party_access_token(*, signer: Signer, policy: TokenPolicy, scope: PhoneScope, ttl: int) -> str:
    """A short-lived token of role ``party`` scoped to the phone's cases at sign-in."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": policy.issuer,
        "aud": policy.audience,
        "sub": f"party:{scope.phone_ref}",
        "iat": now,
        "exp": now + ttl,
        "jti": uuid.uuid4().hex,
        "roles": ["party"],
        "kind": "party",
        "name": mask(scope.phone),
        "phone_ref": scope.phone_ref,
        "phone_masked": mask(scope.phone),
        "cases": [c.model_dump() for c in scope.cases],
        "amr": ["sms_otp"],
    }
    return signer.sign(claims)


def confirmation_token(
    *, signer: Signer, policy: TokenPolicy, principal: Principal, phone: str, object_ref: str, digest: str, ttl: int
) -> tuple[str, int]:
    """A signed statement that this party confirmed ``digest`` of ``object_ref`` now, with a fresh
    code. Its audience is not the services' access-token audience: it opens no route."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": policy.issuer,
        "aud": CONFIRMATION_AUDIENCE,
        "sub": principal.subject,
        "iat": now,
        "exp": now + ttl,
        "jti": uuid.uuid4().hex,
        "roles": ["party"],
        "kind": "party",
        "phone_ref": principal.phone_ref,
        "phone_masked": mask(phone),
        "object": object_ref,
        "digest": digest,
        "amr": ["sms_otp"],
    }
    return signer.sign(claims), now
