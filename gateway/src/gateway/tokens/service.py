"""Access tokens (signed JWTs) and refresh tokens (opaque, hashed, rotated, reuse-detected)."""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from onewindow_kit.auth import Signer
from onewindow_kit.db import utcnow
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.identity.models import Client, RefreshToken, StaffUser
from gateway.tokens.exceptions import OAuthError, invalid_grant


@dataclass(frozen=True, slots=True)
class TokenPolicy:
    issuer: str
    audience: str
    access_ttl: int
    refresh_ttl: int


def sign_access_token(
    *,
    signer: Signer,
    policy: TokenPolicy,
    subject: str,
    kind: str,
    roles: list[str],
    name: str,
    center_id: str | None = None,
    partner_id: str | None = None,
    username: str | None = None,
) -> str:
    """A signed access token with the claims ``onewindow_kit.auth.Principal.from_claims`` reads."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": policy.issuer,
        "aud": policy.audience,
        "sub": subject,
        "iat": now,
        "exp": now + policy.access_ttl,
        "jti": uuid.uuid4().hex,
        "roles": roles,
        "kind": kind,
        "name": name,
    }
    if username is not None:
        # OIDC's name for the login: other services link their records (a mediator) to it.
        claims["preferred_username"] = username
    if center_id is not None:
        claims["center_id"] = center_id
    if partner_id is not None:
        claims["partner_id"] = partner_id
    return signer.sign(claims)


def granted_roles(held: list[str], requested_scope: str | None) -> list[str]:
    """The roles a token carries: all the principal holds, or the requested subset (RFC 6749 §3.3)."""
    if not requested_scope:
        return sorted(held)
    wanted = set(requested_scope.split())
    if not wanted <= set(held):
        raise OAuthError("invalid_scope", "the requested scope exceeds the roles granted to this account")
    return sorted(wanted)


def staff_access_token(*, signer: Signer, policy: TokenPolicy, user: StaffUser, roles: list[str]) -> str:
    return sign_access_token(
        signer=signer,
        policy=policy,
        subject=str(user.id),
        kind="staff",
        roles=roles,
        name=user.display_name,
        center_id=user.center_id,
        username=user.username,
    )


def client_access_token(*, signer: Signer, policy: TokenPolicy, client: Client, roles: list[str]) -> str:
    return sign_access_token(
        signer=signer,
        policy=policy,
        subject=client.client_id,
        kind="partner" if client.kind == "partner" else "service",
        roles=roles,
        name=client.name,
        partner_id=client.partner_id if client.kind == "partner" else None,
    )


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


async def issue_refresh_token(
    *, session: AsyncSession, user: StaffUser, expires_at: datetime, family_id: uuid.UUID | None = None
) -> str:
    """A new refresh token for ``user`` (a new family unless ``family_id``); only its hash is kept."""
    raw = "rt_" + secrets.token_urlsafe(32)
    session.add(
        RefreshToken(
            token_hash=_digest(raw), family_id=family_id or uuid.uuid4(), user_id=user.id, expires_at=expires_at
        )
    )
    await session.flush()
    return raw


async def start_session(*, session: AsyncSession, user: StaffUser, policy: TokenPolicy) -> str:
    """The first refresh token of a login; the family ends ``refresh_ttl`` after the login."""
    return await issue_refresh_token(
        session=session, user=user, expires_at=utcnow() + timedelta(seconds=policy.refresh_ttl)
    )


async def revoke_family(*, session: AsyncSession, family_id: uuid.UUID) -> None:
    """Revoke every token of a family (a used token came back: someone holds a stolen copy)."""
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


async def revoke_refresh_token(*, session: AsyncSession, raw: str) -> None:
    """End the session a refresh token belongs to (logout, RFC 7009): its whole family is revoked.
    An unknown or already revoked token is not an error."""
    token = (
        await session.execute(select(RefreshToken).where(RefreshToken.token_hash == _digest(raw)))
    ).scalar_one_or_none()
    if token is not None:
        await revoke_family(session=session, family_id=token.family_id)


async def rotate_refresh_token(*, session: AsyncSession, raw: str) -> tuple[StaffUser, str]:
    """Spend a refresh token: returns its user and the family's next token.

    A token that was already spent revokes its whole family (OAuth 2.0 Security BCP §4.14); the
    caller must commit even when this raises, so the revocation sticks."""
    now = utcnow()
    token = (
        await session.execute(select(RefreshToken).where(RefreshToken.token_hash == _digest(raw)))
    ).scalar_one_or_none()
    if token is None:
        raise invalid_grant("unknown refresh token")
    if token.revoked_at is not None:
        raise invalid_grant("the refresh token was revoked")
    if token.used_at is not None:
        await revoke_family(session=session, family_id=token.family_id)
        raise invalid_grant("the refresh token was already used; the session has been revoked")
    if token.expires_at <= now:
        raise invalid_grant("the refresh token has expired")
    # Compare-and-set, so two concurrent uses of one token cannot both succeed.
    spent = await session.execute(
        update(RefreshToken).where(RefreshToken.id == token.id, RefreshToken.used_at.is_(None)).values(used_at=now)
    )
    if spent.rowcount != 1:
        await revoke_family(session=session, family_id=token.family_id)
        raise invalid_grant("the refresh token was already used; the session has been revoked")
    user = await session.get(StaffUser, token.user_id)
    if user is None or not user.active:
        await revoke_family(session=session, family_id=token.family_id)
        raise invalid_grant("this account is disabled")
    new = await issue_refresh_token(session=session, user=user, expires_at=token.expires_at, family_id=token.family_id)
    return user, new
