"""Parties' sign-in with an SMS code: one answer for every number, single-use codes that expire
and lock, limits per number and per address, scoped party tokens, confirmation tokens that open
no route, and no phone number in any log."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import logging
from contextlib import asynccontextmanager
from datetime import timedelta

import httpx
import pytest
import respx
from gateway.party.models import PartyCode
from gateway.party.pepper import CodePepper, load_pepper
from gw_helpers import bearer, jwt_parts, running
from onewindow_kit.db import utcnow
from onewindow_kit.logs import JsonFormatter
from onewindow_kit.sms import SmsSettings
from sqlalchemy import update

pytestmark = pytest.mark.anyio

WORKER, EMPLOYER, STRANGER = "13800130001", "13912345678", "13600136000"
CASES = {
    WORKER: [{"case_id": "c" * 32, "case_no": "福田劳调〔2026〕1号", "side": "applicant"}],
    EMPLOYER: [{"case_id": "c" * 32, "case_no": "福田劳调〔2026〕1号", "side": "respondent"}],
}
UPSTREAMS = {name: f"http://{name}.test" for name in ("intake", "mediation", "arbitration-bridge", "court-bridge")}


def _ref(phone: str) -> str:
    return hashlib.sha256(f"ref:{phone}".encode()).hexdigest()


def _intake_scope(request: httpx.Request) -> httpx.Response:
    assert request.headers["authorization"].startswith("Bearer ")
    phone = __import__("json").loads(request.content)["phone"]
    return httpx.Response(200, json={"phone_ref": _ref(phone), "cases": CASES.get(phone, [])})


@asynccontextmanager
async def portal(make_settings, database_url, **overrides):
    # The sender's own per-number safety net is tested in the kit; here the gateway's limits speak.
    overrides.setdefault("sms", SmsSettings(per_number_per_minute=100, per_number_per_hour=100))
    settings = make_settings(database_url, upstreams=UPSTREAMS, **overrides)
    async with running(settings) as (app, client):
        with respx.mock(assert_all_called=False) as mock:
            mock.post("http://intake.test/internal/portal/scope").mock(side_effect=_intake_scope)
            yield app, client


def _sent(app, phone: str) -> list:
    return app.state.sms.provider.sent_to(phone)


async def _code(client, phone: str) -> httpx.Response:
    return await client.post("/auth/party/codes", json={"phone": phone})


async def _sign_in(app, client, phone: str, **extra) -> httpx.Response:
    sent = await _code(client, phone)
    assert sent.status_code == 202, sent.text
    code = _sent(app, phone)[-1].variables["code"]
    return await client.post(
        "/auth/party/token",
        json={"phone": phone, "challenge_id": sent.json()["challenge_id"], "code": code, **extra},
    )


async def test_same_answer_for_any_number_and_a_scoped_party_token(make_settings, database_url):
    async with portal(make_settings, database_url) as (app, client):
        # The lifespan installed the JSON log handler; record what it would write.
        lines = io.StringIO()
        handler = logging.StreamHandler(lines)
        handler.setFormatter(JsonFormatter("gateway"))
        root = logging.getLogger()
        root.addHandler(handler)
        root.setLevel(logging.DEBUG)
        if True:
            party, stranger = await _code(client, WORKER), await _code(client, STRANGER)
            assert party.status_code == stranger.status_code == 202
            assert set(party.json()) == set(stranger.json()) == {"challenge_id", "expires_in", "resend_after"}
            assert party.json()["expires_in"] == stranger.json()["expires_in"]
            message = _sent(app, WORKER)[0]
            assert message.template == "portal_sign_in_code" and message.text.startswith("您的登录验证码为")
            signed = await client.post(
                "/auth/party/token",
                json={"phone": WORKER, "challenge_id": party.json()["challenge_id"], "code": message.variables["code"]},
            )
        assert signed.status_code == 200, signed.text
        body = signed.json()
        assert body["phone_masked"] == "138****0001" and body["cases"] == CASES[WORKER]
        _, claims = jwt_parts(body["access_token"])
        assert claims["roles"] == ["party"] and claims["kind"] == "party" and claims["cases"] == CASES[WORKER]
        assert claims["phone_ref"] == _ref(WORKER) and claims["exp"] - claims["iat"] == 900
        assert WORKER not in str(claims) and WORKER not in str(body)
        # The stranger signs in too (an online applicant has no case yet), with an empty scope.
        code = _sent(app, STRANGER)[0].variables["code"]
        alone = await client.post(
            "/auth/party/token", json={"phone": STRANGER, "challenge_id": stranger.json()["challenge_id"], "code": code}
        )
        assert alone.status_code == 200 and alone.json()["cases"] == []
        root.removeHandler(handler)
        logged = lines.getvalue()
        assert WORKER not in logged and STRANGER not in logged and "138****0001" in logged
        # Each code was texted exactly once.
        assert len(_sent(app, WORKER)) == 1 and len(_sent(app, STRANGER)) == 1


async def test_a_code_is_single_use_expires_and_locks(make_settings, database_url):
    async with portal(make_settings, database_url, party_code_resend_seconds=0) as (app, client):
        sent = (await _code(client, WORKER)).json()
        code = _sent(app, WORKER)[-1].variables["code"]
        attempt = {"phone": WORKER, "challenge_id": sent["challenge_id"], "code": code}
        assert (await client.post("/auth/party/token", json=attempt)).status_code == 200
        reused = await client.post("/auth/party/token", json=attempt)
        assert reused.status_code == 400 and reused.json()["type"].endswith("/invalid-code")

        # Expired.
        sent = (await _code(client, WORKER)).json()
        code = _sent(app, WORKER)[-1].variables["code"]
        async with app.state.db.transaction() as session:
            await session.execute(
                update(PartyCode)
                .where(PartyCode.id == sent["challenge_id"])
                .values(expires_at=utcnow() - timedelta(seconds=1))
            )
        late = await client.post(
            "/auth/party/token", json={"phone": WORKER, "challenge_id": sent["challenge_id"], "code": code}
        )
        assert late.status_code == 400

        # Five wrong tries lock it: the right code no longer works.
        sent = (await _code(client, WORKER)).json()
        code = _sent(app, WORKER)[-1].variables["code"]
        wrong = "000000" if code != "000000" else "111111"
        for _ in range(5):
            miss = {"phone": WORKER, "challenge_id": sent["challenge_id"], "code": wrong}
            assert (await client.post("/auth/party/token", json=miss)).status_code == 400
        right = {"phone": WORKER, "challenge_id": sent["challenge_id"], "code": code}
        assert (await client.post("/auth/party/token", json=right)).status_code == 400

        # A code is bound to its phone, and a newer code replaces an older one.
        first = (await _code(client, WORKER)).json()
        first_code = _sent(app, WORKER)[-1].variables["code"]
        other = {"phone": EMPLOYER, "challenge_id": first["challenge_id"], "code": first_code}
        assert (await client.post("/auth/party/token", json=other)).status_code == 400
        await _code(client, WORKER)
        old = {"phone": WORKER, "challenge_id": first["challenge_id"], "code": first_code}
        assert (await client.post("/auth/party/token", json=old)).status_code == 400


async def test_lookup_answers_the_same_for_a_wrong_case_number_and_a_wrong_code(make_settings, database_url):
    async with portal(make_settings, database_url, party_code_resend_seconds=0) as (app, client):
        answers = []
        for case_number, wrong_code in (("福田劳调〔2026〕999号", False), ("福田劳调〔2026〕1号", True)):
            sent = (await _code(client, WORKER)).json()
            code = _sent(app, WORKER)[-1].variables["code"]
            if wrong_code:
                code = "000000" if code != "000000" else "111111"
            response = await client.post(
                "/auth/party/token",
                json={"phone": WORKER, "challenge_id": sent["challenge_id"], "code": code, "case_number": case_number},
            )
            body = response.json()
            answers.append((response.status_code, body["type"], body["title"], body["detail"]))
        assert answers[0] == answers[1] and answers[0][0] == 400
        found = await _sign_in(app, client, WORKER, case_number="福田劳调〔2026〕1号")
        assert found.status_code == 200 and found.json()["cases"] == CASES[WORKER]


async def test_codes_are_limited_per_number_and_per_address(make_settings, database_url):
    async with portal(make_settings, database_url, party_code_requests_burst=3) as (app, client):
        assert (await _code(client, WORKER)).status_code == 202
        again = await _code(client, WORKER)
        assert again.status_code == 429 and int(again.headers["Retry-After"]) > 0
        assert (await _code(client, EMPLOYER)).status_code == 202
        flooded = await _code(client, STRANGER)  # the address's fourth request
        assert flooded.status_code == 429
        assert len(app.state.sms.provider.messages) == 2
    async with portal(make_settings, database_url, party_code_resend_seconds=0, party_codes_per_number_per_hour=2) as (
        app,
        client,
    ):
        assert [(await _code(client, STRANGER)).status_code for _ in range(3)] == [202, 202, 429]


async def test_bad_numbers_are_refused_naming_the_field(make_settings, database_url):
    async with portal(make_settings, database_url) as (app, client):
        response = await client.post("/auth/party/codes", json={"phone": "12345678901"})
        assert response.status_code == 400 and response.json()["errors"][0]["field"] == "phone"
        assert app.state.sms.provider.messages == []


async def test_confirmation_tokens_need_a_fresh_code_on_the_partys_own_phone(make_settings, database_url):
    async with portal(make_settings, database_url) as (app, client):
        token = (await _sign_in(app, client, WORKER)).json()["access_token"]
        party = {"Authorization": f"Bearer {token}"}
        assert (
            await client.post("/auth/party/confirmation-codes", json={"phone": EMPLOYER}, headers=party)
        ).status_code == 403
        staff = await bearer(client, "alice")
        assert (
            await client.post("/auth/party/confirmation-codes", json={"phone": WORKER}, headers=staff)
        ).status_code == 403
        assert (await client.post("/auth/party/confirmation-codes", json={"phone": WORKER})).status_code == 401
        sent = await client.post("/auth/party/confirmation-codes", json={"phone": WORKER}, headers=party)
        assert sent.status_code == 202, sent.text
        message = _sent(app, WORKER)[-1]
        assert message.template == "portal_confirm_code" and "调解协议" in message.text
        confirm = {
            "phone": WORKER,
            "challenge_id": sent.json()["challenge_id"],
            "code": message.variables["code"],
            "object": "agreement:" + "a" * 32,
            "digest": "sha256:" + "0" * 64,
        }
        # A sign-in code is not a confirmation code, and vice versa.
        as_sign_in = {k: confirm[k] for k in ("phone", "challenge_id", "code")}
        assert (await client.post("/auth/party/token", json=as_sign_in)).status_code == 400
        confirmed = await client.post("/auth/party/confirmations", json=confirm, headers=party)
        assert confirmed.status_code == 200, confirmed.text
        _, claims = jwt_parts(confirmed.json()["confirmation_token"])
        assert claims["aud"] == "onewindow-confirmation" and claims["digest"] == confirm["digest"]
        assert claims["object"] == confirm["object"] and claims["phone_masked"] == "138****0001"
        assert (await client.post("/auth/party/confirmations", json=confirm, headers=party)).status_code == 400
        # The confirmation token is no access token: the gateway refuses it on every proxied route.
        as_bearer = {"Authorization": f"Bearer {confirmed.json()['confirmation_token']}"}
        assert (await client.get("/api/intake/portal/cases", headers=as_bearer)).status_code == 401


async def test_the_stored_code_hash_is_keyed_and_the_key_rotates(make_settings, database_url, tmp_path):
    """Someone reading the database cannot brute-force a live code: the stored value is an HMAC
    with a server key (not the plain SHA-256 of the code, with or without the challenge id)."""
    old_key, new_key = (base64.b64encode(bytes([n]) * 32).decode() for n in (1, 2))
    async with portal(make_settings, database_url, party_code_keys={"p1": old_key}) as (app, client):
        sent = (await _code(client, WORKER)).json()
        code = _sent(app, WORKER)[-1].variables["code"]
        async with app.state.db.transaction() as session:
            row = await session.get(PartyCode, sent["challenge_id"])
        assert row is not None and code not in row.code_hash
        cid = sent["challenge_id"]
        plain = {hashlib.sha256(v.encode()).hexdigest() for v in (code, f"{cid}:{code}", f"{cid}{code}")}
        assert row.code_hash not in plain
        # Without the key every one of the million codes is as likely as the right one…
        assert hmac.new(bytes([1]) * 32, f"party-code\x00{cid}\x00{code}".encode(), hashlib.sha256).hexdigest() == (
            row.code_hash
        )
    # …and after a rotation (new key active, the old one still listed) the code sent before works.
    rotated = {"party_code_keys": {"p1": old_key, "p2": new_key}, "party_code_key_active": "p2"}
    async with portal(make_settings, database_url, **rotated) as (app, client):
        signed = await client.post("/auth/party/token", json={"phone": WORKER, "challenge_id": cid, "code": code})
        assert signed.status_code == 200, signed.text
        assert app.state.party_pepper.active == "p2"
    # Once the old key is removed, a code hashed with it is dead (as it is anyway after 5 minutes).
    async with portal(make_settings, database_url, party_code_keys={"p2": new_key}, party_code_resend_seconds=0) as (
        app,
        client,
    ):
        sent = (await _code(client, WORKER)).json()
        code = _sent(app, WORKER)[-1].variables["code"]
        async with app.state.db.transaction() as session:
            row = await session.get(PartyCode, sent["challenge_id"])
            assert row is not None
            await session.execute(
                update(PartyCode)
                .where(PartyCode.id == sent["challenge_id"])
                .values(code_hash=CodePepper({"p1": old_key}).hash(sent["challenge_id"], code))
            )
        stale = await client.post(
            "/auth/party/token", json={"phone": WORKER, "challenge_id": sent["challenge_id"], "code": code}
        )
        assert stale.status_code == 400


def test_the_code_key_file_is_made_once_private_and_shared(tmp_path):
    path = tmp_path / "keys" / "party-code-keys"
    first = load_pepper(keys={}, active="", key_file=path)
    assert path.stat().st_mode & 0o777 == 0o600
    again = load_pepper(keys={}, active="", key_file=path)  # a second replica, or a restart
    assert again.hash("c", "123456") == first.hash("c", "123456")
    assert list(path.parent.iterdir()) == [path]  # no temporary file left behind
    with pytest.raises(ValueError, match="at least 32 bytes"):
        CodePepper({"p1": base64.b64encode(b"short").decode()})
    with pytest.raises(ValueError, match="not among"):
        CodePepper({"p1": base64.b64encode(bytes(32)).decode()}, "p9")
