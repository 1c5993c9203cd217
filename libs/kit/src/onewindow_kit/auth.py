"""Tokens: the only module that imports python-jose.

The gateway signs (``sign_access_token``); every service verifies (``TokenVerifier``) against the
gateway's JWKS, fetched and cached, re-fetched when an unknown ``kid`` appears (key rotation).
Checks: ``alg`` allow-list (never ``none``, never HMAC with a public key), ``kid``, signature,
``iss``, ``aud``, ``exp``/``iat``, ``sub``. Every failure is a 401, never a 500.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import Depends, Request
from jose import jwk, jwt
from jose.exceptions import ExpiredSignatureError, JWTClaimsError, JWTError

from onewindow_kit.errors import Forbidden, Unauthorized, UpstreamUnavailable

# The agency desks' staff (DOMAIN.md §10): 劳动保障监察, 法律援助, 信访, 三方协调.
DESK_ROLES = ("inspector", "legal_aid_officer", "petition_officer", "coordinator")
STAFF_ROLES = ("clerk", "mediator", "supervisor", "admin", *DESK_ROLES)
# ``party``: a worker or an employer's contact signed in with an SMS code (docs/decisions/0021).
ROLES = (*STAFF_ROLES, "court_partner", "arbitration_partner", "service", "party")
PARTNER_ROLES = ("court_partner", "arbitration_partner")
ALLOWED_ALGORITHMS = ("RS256",)


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling, from a verified access token."""

    subject: str
    kind: Literal["staff", "partner", "service", "party"]
    roles: frozenset[str]
    center_id: str | None = None
    partner_id: str | None = None
    name: str | None = None
    token_id: str | None = None
    expires_at: int = 0
    claims: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def has_any_role(self, *roles: str) -> bool:
        return not self.roles.isdisjoint(roles)

    @property
    def party_cases(self) -> dict[str, str]:
        """A party's scope: ``{case_id: side}`` (``applicant`` | ``respondent``) from its token."""
        if self.kind != "party":
            return {}
        cases = self.claims.get("cases")
        if not isinstance(cases, list):
            return {}
        return {
            str(c["case_id"]): str(c["side"])
            for c in cases
            if isinstance(c, dict)
            and isinstance(c.get("case_id"), str)
            and c.get("side") in ("applicant", "respondent")
        }

    @property
    def phone_ref(self) -> str | None:
        """A party's phone as intake's keyed hash (never the number itself)."""
        ref = self.claims.get("phone_ref") if self.kind == "party" else None
        return ref if isinstance(ref, str) and ref else None

    @classmethod
    def from_claims(cls, claims: Mapping[str, Any]) -> Principal:
        roles = claims.get("roles") or []
        if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
            raise Unauthorized("token has malformed roles")
        kind = claims.get("kind")
        if kind not in ("staff", "partner", "service", "party"):
            raise Unauthorized("token has no principal kind")
        return cls(
            subject=str(claims["sub"]),
            kind=kind,
            roles=frozenset(roles),
            center_id=claims.get("center_id"),
            partner_id=claims.get("partner_id"),
            name=claims.get("name"),
            token_id=claims.get("jti"),
            expires_at=int(claims.get("exp", 0)),
            claims=dict(claims),
        )


# ---------------------------------------------------------------------------------------------
# Keys
# ---------------------------------------------------------------------------------------------


def _b64url_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def generate_private_key_pem() -> str:
    """A new RSA-2048 signing key as PKCS#8 PEM."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def public_jwk(private_pem: str) -> dict[str, str]:
    """The public JWK of a private key, with its RFC 7638 thumbprint as ``kid``."""
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    numbers = key.public_key().public_numbers()
    e, n = _b64url_uint(numbers.e), _b64url_uint(numbers.n)
    canonical = json.dumps({"e": e, "kty": "RSA", "n": n}, separators=(",", ":"), sort_keys=True)
    kid = base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).rstrip(b"=").decode()
    return {"kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid, "n": n, "e": e}


class Signer:
    """Signs access tokens with one private key (the gateway's active key)."""

    def __init__(self, private_pem: str) -> None:
        self.jwk = public_jwk(private_pem)
        self.kid = self.jwk["kid"]
        self._key = jwk.construct(private_pem, "RS256")

    def sign(self, claims: Mapping[str, Any]) -> str:
        return str(jwt.encode(dict(claims), self._key, algorithm="RS256", headers={"kid": self.kid}))


# ---------------------------------------------------------------------------------------------
# Verification
# ---------------------------------------------------------------------------------------------


class KeySource:
    """Where public keys come from."""

    async def get(self, kid: str) -> dict[str, Any] | None:  # pragma: no cover - interface
        raise NotImplementedError


class StaticKeySource(KeySource):
    """A fixed JWKS (tests, or keys pinned by configuration)."""

    def __init__(self, jwks: Mapping[str, Any] | str) -> None:
        data = json.loads(jwks) if isinstance(jwks, str) else jwks
        self.keys = {k["kid"]: dict(k) for k in data.get("keys", [])}

    async def get(self, kid: str) -> dict[str, Any] | None:
        return self.keys.get(kid)


class JwksClient(KeySource):
    """The gateway's JWKS, cached for ``ttl`` seconds.

    An unknown ``kid`` (a key rotated in, or this process restarted while the gateway was away)
    re-fetches at once, single-flight: concurrent requests wait for the one fetch in flight. After
    a *successful* fetch, unknown kids do not fetch again for ``min_refresh_seconds``, so a flood
    of forged kids cannot hammer the gateway. After a *failed* fetch the next request tries again
    (still one at a time), and a kid that is unknown because the gateway could not be asked is a
    503 with ``Retry-After`` — the token may be good — never a 401. Keys already known keep
    working while the gateway is unreachable."""

    def __init__(
        self,
        url: str,
        *,
        http: httpx.AsyncClient,
        ttl: float = 300.0,
        min_refresh_seconds: float = 1.0,
        retry_after_seconds: int = 1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self.http = http
        self.ttl = ttl
        self.min_refresh_seconds = min_refresh_seconds
        self.retry_after_seconds = retry_after_seconds
        self.clock = clock
        self.keys: dict[str, dict[str, Any]] = {}
        self._fetched_at = float("-inf")  # last successful fetch
        self._failed = False  # whether the last attempt failed
        self._attempts = 0  # completed attempts: lets a waiter see that one finished meanwhile
        self._lock = asyncio.Lock()

    async def get(self, kid: str) -> dict[str, Any] | None:
        now = self.clock()
        key = self.keys.get(kid)
        stale = now - self._fetched_at > self.ttl
        if key is not None and not stale:
            return key
        if stale or self._failed or now - self._fetched_at >= self.min_refresh_seconds:
            await self._refresh()
        key = self.keys.get(kid)
        if key is None and self._failed:
            raise UpstreamUnavailable(
                "token keys are unavailable: the gateway did not answer; retry shortly",
                headers={"Retry-After": str(self.retry_after_seconds)},
            )
        return key

    async def _refresh(self) -> None:
        seen = self._attempts
        async with self._lock:
            if self._attempts != seen:
                return  # single flight: a fetch finished while this request waited
            try:
                response = await self.http.get(self.url, timeout=5.0)
                response.raise_for_status()
                data = response.json()
                keys = {k["kid"]: k for k in data.get("keys", []) if isinstance(k, dict) and "kid" in k}
            except (httpx.HTTPError, ValueError, AttributeError, TypeError):
                self._failed = True  # keep the keys we had
            else:
                self.keys = keys
                self._fetched_at = self.clock()
                self._failed = False
            finally:
                self._attempts += 1


class TokenVerifier:
    """Verifies access tokens. Verified tokens are cached until they expire, so the hot path
    pays for RSA verification once per token rather than once per request."""

    def __init__(
        self,
        keys: KeySource,
        *,
        issuer: str,
        audience: str,
        algorithms: Iterable[str] = ALLOWED_ALGORITHMS,
        leeway: int = 5,
        cache_size: int = 20_000,
    ) -> None:
        self.keys = keys
        self.issuer = issuer
        self.audience = audience
        self.algorithms = tuple(a for a in algorithms if a in ALLOWED_ALGORITHMS)
        if not self.algorithms:
            raise ValueError("no allowed signing algorithm configured")
        self.leeway = leeway
        self.cache_size = cache_size
        self._cache: OrderedDict[str, Principal] = OrderedDict()

    async def verify(self, token: str) -> Principal:
        cached = self._cache.get(token)
        if cached is not None:
            if cached.expires_at + self.leeway > time.time():
                return cached
            self._cache.pop(token, None)
            raise Unauthorized("token has expired")
        principal = await self._verify(token)
        self._cache[token] = principal
        if len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return principal

    async def _verify(self, token: str) -> Principal:
        if len(token) > 8192:
            raise Unauthorized("token is too long")
        try:
            header = jwt.get_unverified_header(token)
        except JWTError as exc:
            raise Unauthorized("malformed token") from exc
        alg = header.get("alg")
        if alg not in self.algorithms:
            raise Unauthorized("token algorithm is not allowed")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise Unauthorized("token has no key id")
        key = await self.keys.get(kid)
        if key is None:
            raise Unauthorized("token was signed with an unknown key")
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[alg],
                audience=self.audience,
                issuer=self.issuer,
                options={
                    "require_exp": True,
                    "require_iat": True,
                    "require_sub": True,
                    "require_aud": True,
                    "require_iss": True,
                    "leeway": self.leeway,
                },
            )
        except ExpiredSignatureError as exc:
            raise Unauthorized("token has expired") from exc
        except JWTClaimsError as exc:
            raise Unauthorized(f"token claims are invalid: {exc}") from exc
        except (JWTError, ValueError, TypeError, KeyError) as exc:
            raise Unauthorized("token signature is invalid") from exc
        return Principal.from_claims(claims)


def bearer_token(authorization: str | None) -> str:
    if not authorization:
        raise Unauthorized("missing bearer token", headers={"WWW-Authenticate": "Bearer"})
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("authorization must be a bearer token")
    return token


# ---------------------------------------------------------------------------------------------
# FastAPI dependencies
# ---------------------------------------------------------------------------------------------


async def get_principal(request: Request) -> Principal:
    """The verified caller. 401 with ``WWW-Authenticate`` when the token is missing or bad."""
    token = bearer_token(request.headers.get("authorization"))
    verifier: TokenVerifier = request.app.state.verifier
    return await verifier.verify(token)


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


def require_roles(*roles: str) -> Callable[..., Any]:
    """A dependency that lets through only principals with one of ``roles`` (403 otherwise)."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles: {sorted(unknown)}")
    wanted = frozenset(roles)

    async def dependency(principal: CurrentPrincipal) -> Principal:
        if principal.roles.isdisjoint(wanted):
            raise Forbidden("this action needs one of the roles: " + ", ".join(sorted(wanted)))
        return principal

    dependency.__name__ = "require_" + "_or_".join(sorted(wanted))
    _ROLE_CHECKS[dependency] = wanted
    return dependency


_ROLE_CHECKS: dict[Callable[..., Any], frozenset[str]] = {}


def required_roles(call: Callable[..., Any]) -> frozenset[str] | None:
    """The roles a ``require_roles`` dependency lets through (None for any other callable)."""
    return _ROLE_CHECKS.get(call)


# A party's SMS-code confirmation of a document (docs/decisions/0021): signed by the gateway like
# an access token but for another audience, so it opens no route.
CONFIRMATION_AUDIENCE = "onewindow-confirmation"


async def verify_confirmation(request: Request, token: str) -> Principal:
    """Verify a confirmation token with the app's keys (401 if bad, expired or an access token)."""
    verifier: TokenVerifier | None = getattr(request.app.state, "confirmation_verifier", None)
    if verifier is None:
        base: TokenVerifier = request.app.state.verifier
        verifier = TokenVerifier(
            base.keys, issuer=base.issuer, audience=CONFIRMATION_AUDIENCE, algorithms=base.algorithms
        )
        request.app.state.confirmation_verifier = verifier
    return await verifier.verify(token)


ServicePrincipal = Annotated[Principal, Depends(require_roles("service"))]
PartyPrincipal = Annotated[Principal, Depends(require_roles("party"))]
AdminPrincipal = Annotated[Principal, Depends(require_roles("admin"))]
