"""Every bad token is a 401 problem, never a 500; keys rotate without downtime."""

import base64
import json
import time

import httpx
import pytest
import respx
from jose import jwt as jose_jwt
from onewindow_kit.auth import JwksClient, Signer, TokenVerifier, generate_private_key_pem
from onewindow_kit.errors import Unauthorized, UpstreamUnavailable

pytestmark = pytest.mark.anyio


def _b64(obj) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()


def _claims(**over):
    now = int(time.time())
    base = {
        "iss": "onewindow-gateway",
        "aud": "onewindow",
        "sub": "u1",
        "iat": now,
        "exp": now + 600,
        "jti": "j",
        "roles": ["clerk"],
        "kind": "staff",
        "center_id": "futian",
    }
    base.update(over)
    return base


@pytest.fixture(params=["sqlite"])
def db_backend(request):
    return request.param


def bad_tokens(keys):
    good = keys.signer
    now = int(time.time())
    other_same_kid = Signer(generate_private_key_pem())
    other_same_kid.kid = good.kid
    # The classic confusion attack: HMAC-sign with the public key as the secret (built by hand,
    # since python-jose itself refuses to produce it).
    import hashlib
    import hmac

    from jose import jwk

    public_pem = jwk.construct(good.jwk, "RS256").to_pem()
    signing_input = _b64({"alg": "HS256", "kid": good.kid, "typ": "JWT"}) + "." + _b64(_claims())
    mac = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    hs = signing_input + "." + base64.urlsafe_b64encode(mac).rstrip(b"=").decode()
    return {
        "malformed": "not-a-jwt",
        "garbage segments": "a.b.c",
        "alg none": _b64({"alg": "none", "kid": good.kid, "typ": "JWT"}) + "." + _b64(_claims()) + ".",
        "HS256 with the public key": hs,
        "another key, same kid": other_same_kid.sign(_claims()),
        "another key, its own kid": keys.other_signer.sign(_claims()),
        "expired": good.sign(_claims(exp=now - 120, iat=now - 1000)),
        "wrong audience": good.sign(_claims(aud="somebody-else")),
        "wrong issuer": good.sign(_claims(iss="https://evil.example")),
        "no kid": jose_jwt.encode(_claims(), good._key, algorithm="RS256"),
        "no subject": good.sign({k: v for k, v in _claims().items() if k != "sub"}),
        "malformed roles": good.sign(_claims(roles="admin")),
        "tampered payload": ".".join(
            [good.sign(_claims()).split(".")[0], _b64(_claims(roles=["admin"])), good.sign(_claims()).split(".")[2]]
        ),
    }


async def test_bad_tokens_are_401_problems(client, test_keys):
    for name, token in bad_tokens(test_keys).items():
        response = await client.get("/whoami", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, (name, response.text)
        assert response.headers["content-type"] == "application/problem+json", name
        assert response.headers["www-authenticate"].startswith("Bearer"), name


async def test_missing_and_non_bearer_authorization_are_401(client):
    assert (await client.get("/whoami")).status_code == 401
    assert (await client.get("/whoami", headers={"Authorization": "Basic dTpw"})).status_code == 401


async def test_good_token_passes_and_role_guard_is_403(client, test_keys):
    ok = await client.get("/whoami", headers=test_keys.headers(roles=["clerk"]))
    assert ok.status_code == 200 and ok.json() == {"sub": "user-1", "roles": ["clerk"]}
    forbidden = await client.get("/admin/events", headers=test_keys.headers(roles=["clerk"]))
    assert forbidden.status_code == 403


async def test_cached_token_still_expires():
    signer = Signer(generate_private_key_pem())
    from onewindow_kit.auth import StaticKeySource

    verifier = TokenVerifier(
        StaticKeySource({"keys": [signer.jwk]}), issuer="onewindow-gateway", audience="onewindow", leeway=0
    )
    now = int(time.time())
    token = signer.sign(_claims(exp=now + 1))
    assert (await verifier.verify(token)).subject == "u1"
    time.sleep(1.2)
    with pytest.raises(Unauthorized):
        await verifier.verify(token)


@respx.mock
async def test_jwks_client_follows_key_rotation_and_survives_gateway_outage():
    old, new = Signer(generate_private_key_pem()), Signer(generate_private_key_pem())
    route = respx.get("http://gw/.well-known/jwks.json").mock(
        return_value=httpx.Response(200, json={"keys": [old.jwk]})
    )
    async with httpx.AsyncClient() as http:
        keys = JwksClient("http://gw/.well-known/jwks.json", http=http, min_refresh_seconds=0)
        verifier = TokenVerifier(keys, issuer="onewindow-gateway", audience="onewindow")
        assert (await verifier.verify(old.sign(_claims()))).subject == "u1"
        assert route.call_count == 1
        # Rotation: the gateway now serves both keys; a token with the new kid triggers a re-fetch.
        route.mock(return_value=httpx.Response(200, json={"keys": [new.jwk, old.jwk]}))
        assert (await verifier.verify(new.sign(_claims(sub="u2")))).subject == "u2"
        assert route.call_count == 2
        assert (await verifier.verify(old.sign(_claims(sub="u3")))).subject == "u3"  # old still verifies
        # The gateway goes down: known keys keep working; an unknown one cannot be checked, so
        # it is a 503 with Retry-After (the token may be good), never a 401 or a 500.
        route.mock(side_effect=httpx.ConnectError("down"))
        assert (await verifier.verify(new.sign(_claims(sub="u4")))).subject == "u4"
        with pytest.raises(UpstreamUnavailable) as refused:
            await verifier.verify(Signer(generate_private_key_pem()).sign(_claims()))
        assert refused.value.headers["Retry-After"] == "1"


@respx.mock
async def test_a_restart_while_the_gateway_is_away_recovers_on_the_next_request():
    """Issue 15 #5: a service (re)started, its first JWKS fetch failed because the gateway was
    down; once the gateway is back the very next request verifies (no 5 s of 401s)."""
    signer = Signer(generate_private_key_pem())
    route = respx.get("http://gw/jwks").mock(side_effect=httpx.ConnectError("down"))
    async with httpx.AsyncClient() as http:
        # A long bound: recovery must not depend on it.
        keys = JwksClient("http://gw/jwks", http=http, min_refresh_seconds=3600)
        verifier = TokenVerifier(keys, issuer="onewindow-gateway", audience="onewindow")
        token = signer.sign(_claims())
        for _ in range(3):
            with pytest.raises(UpstreamUnavailable) as refused:
                await verifier.verify(token)
            assert "Retry-After" in refused.value.headers
        route.mock(return_value=httpx.Response(200, json={"keys": [signer.jwk]}))
        assert (await verifier.verify(token)).subject == "u1"
        # A kid the (reachable) gateway does not know is a 401, and is not fetched again at once.
        calls = route.call_count
        with pytest.raises(Unauthorized):
            await verifier.verify(Signer(generate_private_key_pem()).sign(_claims()))
        assert route.call_count == calls


@respx.mock
async def test_concurrent_unknown_kids_share_one_fetch():
    import asyncio

    old, new = Signer(generate_private_key_pem()), Signer(generate_private_key_pem())
    gate = asyncio.Event()
    served = {"keys": [old.jwk]}

    async def jwks(_request):
        await gate.wait()
        return httpx.Response(200, json=served)

    route = respx.get("http://gw/jwks").mock(side_effect=jwks)
    async with httpx.AsyncClient() as http:
        keys = JwksClient("http://gw/jwks", http=http, min_refresh_seconds=0)
        verifier = TokenVerifier(keys, issuer="onewindow-gateway", audience="onewindow")
        served = {"keys": [old.jwk, new.jwk]}
        tasks = [asyncio.ensure_future(verifier.verify(new.sign(_claims(sub=f"u{i}")))) for i in range(10)]
        await asyncio.sleep(0)
        gate.set()
        principals = await asyncio.gather(*tasks)
    assert {p.subject for p in principals} == {f"u{i}" for i in range(10)}
    assert route.call_count == 1


@respx.mock
async def test_unknown_kids_do_not_hammer_the_gateway():
    signer = Signer(generate_private_key_pem())
    route = respx.get("http://gw/jwks").mock(return_value=httpx.Response(200, json={"keys": [signer.jwk]}))
    async with httpx.AsyncClient() as http:
        verifier = TokenVerifier(
            JwksClient("http://gw/jwks", http=http, min_refresh_seconds=60, clock=lambda: 1000.0),  # time stands still
            issuer="onewindow-gateway",
            audience="onewindow",
        )
        strangers = [Signer(generate_private_key_pem()) for _ in range(3)]  # RSA keys are slow to make
        for n in range(20):
            with pytest.raises(Unauthorized):
                await verifier.verify(strangers[n % 3].sign(_claims()))
    assert route.call_count == 1


@respx.mock
async def test_no_keys_and_gateway_down_is_503_not_500():
    respx.get("http://gw/jwks").mock(side_effect=httpx.ConnectError("down"))
    async with httpx.AsyncClient() as http:
        verifier = TokenVerifier(
            JwksClient("http://gw/jwks", http=http), issuer="onewindow-gateway", audience="onewindow"
        )
        with pytest.raises(UpstreamUnavailable):
            await verifier.verify(Signer(generate_private_key_pem()).sign(_claims()))
