"""Signed webhooks: signatures (checked with the reference ``standardwebhooks`` package), retries,
order per stream, once per ``webhook-id``, failed-and-replayable, secret rotation, the SSRF guard."""

import asyncio
import json
from collections import defaultdict
from datetime import timedelta

import httpx
import pytest
import respx
from onewindow_kit.app import create_service_app
from onewindow_kit.bridge.testing import wait_for
from onewindow_kit.db import Database
from onewindow_kit.partners.models import Partner
from onewindow_kit.partners.router import partner_admin_router
from onewindow_kit.partners.service import create_partner, rotate_secret, set_active, valid_secrets
from onewindow_kit.settings import ServiceSettings
from onewindow_kit.webhooks import (
    AddressGuard,
    UrlRefused,
    WebhookDispatcher,
    WebhookMessage,
    WebhookSettings,
    enqueue,
    new_secret,
    signed_headers,
)
from onewindow_kit.webhooks.guard import GuardedNetworkBackend, address_problem, guarded_client
from onewindow_kit.webhooks.models import WebhookAttempt
from onewindow_kit.webhooks.router import webhook_admin_router
from sqlalchemy import select
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

pytestmark = pytest.mark.anyio

HOOK_URL = "https://court-a.example/hooks"
PUBLIC_IP = "93.184.216.34"


async def fake_resolver(host: str, port: int) -> list[str]:
    table = {
        "court-a.example": [PUBLIC_IP],
        "court-b.example": [PUBLIC_IP],
        "mixed.example": [PUBLIC_IP, "10.1.2.3"],
        "metadata.example": ["169.254.169.254"],
    }
    if host not in table:
        raise OSError(f"{host}: name does not resolve")
    return table[host]


FAST = WebhookSettings(retry_schedule_seconds=[0.05, 0.05, 0.05], retry_jitter=0, poll_seconds=0.05, timeout_seconds=2)


def make_guard(**kw) -> AddressGuard:
    return AddressGuard(resolver=fake_resolver, **kw)


# ---------------------------------------------------------------------------------------------
# Signing
# ---------------------------------------------------------------------------------------------


def test_signature_verifies_with_the_reference_implementation():
    secret = new_secret()
    body = json.dumps({"type": "referral.accepted", "data": {"case_no": "福田一窗〔2026〕00001号"}}, ensure_ascii=False)
    import time

    headers = signed_headers(msg_id="msg_1", timestamp=int(time.time()), body=body.encode(), secrets=[secret])
    assert headers["webhook-signature"].startswith("v1,")
    assert Webhook(secret).verify(body.encode(), headers)["data"]["case_no"].startswith("福田")
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body.replace("00001", "00002").encode(), headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(body.encode(), headers)


def test_signatures_are_byte_identical_to_the_hand_written_signer_they_replace():
    # A fixed vector: the HMAC computed by hand (as the kit did before it signed through the
    # standardwebhooks package) and the header value that signer produced for it.
    import base64
    import hashlib
    import hmac

    key = bytes(range(32))
    first = "whsec_" + base64.b64encode(key).decode()
    second = "whsec_" + base64.b64encode(b"k" * 24).decode()
    body = '{"type":"referral.accepted","data":{"case_no":"福田一窗〔2026〕00001号"}}'
    by_hand = base64.b64encode(hmac.new(key, b"msg_2Xa.1767225600." + body.encode(), hashlib.sha256).digest()).decode()
    header = signed_headers(msg_id="msg_2Xa", timestamp=1767225600, body=body.encode(), secrets=[first, second])
    assert header["webhook-signature"].split(" ")[0] == "v1," + by_hand
    assert header["webhook-signature"] == (
        "v1,LMXpA8tno5m3CwOOhS1wIGMd/Sg+Io79ViB8xh11O8Q= v1,fhhS/eLq4sl8PIRDMQZqxWhcpctSYqp7YsVHoRaN4XU="
    )
    assert header["webhook-timestamp"] == "1767225600"


def test_during_rotation_either_secret_verifies():
    old, new = new_secret(), new_secret()
    import time

    headers = signed_headers(msg_id="msg_2", timestamp=int(time.time()), body=b'{"a":1}', secrets=[new, old])
    assert len(headers["webhook-signature"].split(" ")) == 2
    Webhook(old).verify(b'{"a":1}', headers)
    Webhook(new).verify(b'{"a":1}', headers)


# ---------------------------------------------------------------------------------------------
# The guard
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.9.9.9",
        "::1",
        "10.0.0.5",
        "172.16.3.4",
        "192.168.1.1",
        "169.254.169.254",
        "fe80::1",
        "224.0.0.1",
        "ff02::1",
        "0.0.0.0",
        "::",
        "100.64.1.1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "fc00::1",
        "2002:7f00:0001::1",
    ],
)
def test_internal_addresses_are_refused(address):
    import ipaddress

    assert address_problem(ipaddress.ip_address(address)) is not None
    with pytest.raises(UrlRefused):
        make_guard().check_address(address)


def test_public_addresses_pass():
    guard = make_guard()
    for address in (PUBLIC_IP, "8.8.8.8", "2606:4700:4700::1111"):
        guard.check_address(address)


async def test_every_resolved_address_must_be_public():
    guard = make_guard()
    assert await guard.check_url(HOOK_URL) == [PUBLIC_IP]
    with pytest.raises(UrlRefused, match="10.1.2.3"):
        await guard.check_url("https://mixed.example/hook")
    with pytest.raises(UrlRefused, match="link-local"):
        await guard.check_url("https://metadata.example/latest/meta-data")
    with pytest.raises(UrlRefused, match="resolve"):
        await guard.check_url("https://nowhere.example/hook")


async def test_scheme_credentials_and_host_allow_list():
    guard = make_guard()
    with pytest.raises(UrlRefused, match="scheme"):
        await guard.check_url("http://court-a.example/hook")
    with pytest.raises(UrlRefused, match="scheme"):
        await guard.check_url("file:///etc/passwd")
    with pytest.raises(UrlRefused, match="credentials"):
        await guard.check_url("https://user:pw@court-a.example/hook")
    listed = make_guard(allowed_hosts=["*.court.example", "court-a.example"])
    await listed.check_url(HOOK_URL)
    with pytest.raises(UrlRefused, match="allow-list"):
        await listed.check_url("https://court-b.example/hook")


async def test_configured_networks_are_allowed():
    guard = make_guard(require_https=False, allowed_networks=["127.0.0.1/32", "10.1.0.0/16"])
    assert await guard.check_url("http://127.0.0.1:8123/hook") == ["127.0.0.1"]
    assert await guard.check_url("https://mixed.example/hook") == [PUBLIC_IP, "10.1.2.3"]
    with pytest.raises(UrlRefused):
        await guard.check_url("http://127.0.0.2/hook")


async def test_the_connection_itself_is_guarded_against_dns_rebinding():
    answers = iter([[PUBLIC_IP], ["127.0.0.1"]])

    async def rebinding(host, port):
        return next(answers)

    guard = AddressGuard(resolver=rebinding, require_https=False)
    await guard.check_url("http://rebind.example/hook")  # the check sees a public address…
    backend = GuardedNetworkBackend(guard)
    import httpcore

    with pytest.raises(httpcore.ConnectError, match="outbound guard"):  # …the connect sees loopback
        await backend.connect_tcp("rebind.example", 80)
    async with guarded_client(AddressGuard(require_https=False), timeout=2) as client:
        with pytest.raises(httpx.ConnectError, match="outbound guard"):
            await client.post("http://127.0.0.1:9/hook")


# ---------------------------------------------------------------------------------------------
# Delivery
# ---------------------------------------------------------------------------------------------


@pytest.fixture
async def db(database_url):
    database = Database(database_url)
    yield database
    await database.dispose()


async def _partner(db, partner_id="court-a", url=HOOK_URL) -> str:
    async with db.transaction() as session:
        _, secret = await create_partner(
            session=session,
            partner_id=partner_id,
            kind="court",
            name="法院",
            center_id="futian",
            webhook_url=url,
            client_id=None,
            cipher=None,
        )
    return secret


async def _enqueue(db, stream: str, event_type: str, n: int, partner_id="court-a"):
    async with db.transaction() as session:
        await enqueue(
            session, partner_id=partner_id, stream_key=stream, event_type=event_type, data={"n": n, "stream": stream}
        )


async def _messages(db) -> list[WebhookMessage]:
    async with db.transaction(read_only=True) as session:
        return list((await session.execute(select(WebhookMessage).order_by(WebhookMessage.id))).scalars())


class Court:
    """A respx endpoint that verifies every delivery and fails the first ``fail_first`` of them."""

    def __init__(self, secret: str, fail_first: int = 0, status: int = 500):
        self.secret = secret
        self.fail_left = fail_first
        self.status = status
        self.accepted: list[tuple[str, dict]] = []  # (webhook-id, body) answered 2xx, in arrival order
        self.seen: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = Webhook(self.secret).verify(request.content, dict(request.headers))
        self.seen.append(request.headers["webhook-id"])
        if self.fail_left > 0:
            self.fail_left -= 1
            return httpx.Response(self.status, text="maintenance")
        self.accepted.append((request.headers["webhook-id"], body))
        return httpx.Response(204)


@pytest.fixture
def mock():
    with respx.mock(assert_all_called=False) as router:
        yield router


async def test_every_message_arrives_once_in_order_after_the_endpoint_recovers(db, mock):
    secret = await _partner(db)
    court = Court(secret, fail_first=4)
    mock.post(HOOK_URL).mock(side_effect=court)
    for n in range(3):
        await _enqueue(db, "ref-1", f"referral.step{n}", n)
        await _enqueue(db, "ref-2", f"referral.step{n}", n)
    dispatcher = WebhookDispatcher(
        db=db,
        service="kit",
        settings=FAST.model_copy(update={"retry_schedule_seconds": [0.05] * 6}),
        guard=make_guard(),
    )
    dispatcher.start()
    try:

        async def all_delivered():
            return [m.status for m in await _messages(db)] == ["delivered"] * 6

        await wait_for(all_delivered, timeout=10.0)
    finally:
        await dispatcher.stop()
    ids = [i for i, _ in court.accepted]
    assert len(ids) == len(set(ids)) == 6  # once per webhook-id
    per_stream = defaultdict(list)
    for _, body in court.accepted:
        per_stream[body["data"]["stream"]].append(body["data"]["n"])
    assert per_stream == {"ref-1": [0, 1, 2], "ref-2": [0, 1, 2]}
    # A retried message kept its webhook-id, and every attempt is in the log.
    retried = [m for m in await _messages(db) if m.attempts > 1]
    assert retried and all(court.seen.count(m.msg_id) == m.attempts for m in retried)
    async with db.transaction(read_only=True) as session:
        log = (await session.execute(select(WebhookAttempt).order_by(WebhookAttempt.id))).scalars().all()
    assert len(log) == 10 and {a.status_code for a in log} == {500, 204}
    assert all(a.latency_ms >= 0 for a in log) and [a.outcome for a in log].count("retry") == 4


async def test_after_the_last_retry_a_message_is_failed_holds_its_stream_and_can_be_replayed(db, mock):
    secret = await _partner(db)
    court = Court(secret, fail_first=3, status=503)  # the first message uses up its three tries
    mock.post(HOOK_URL).mock(side_effect=court)
    await _enqueue(db, "ref-1", "referral.accepted", 0)
    dispatcher = WebhookDispatcher(
        db=db,
        service="kit",
        settings=FAST.model_copy(update={"retry_schedule_seconds": [0.05, 0.05]}),
        guard=make_guard(),
    )
    dispatcher.start()
    try:

        async def failed():
            return [m.status for m in await _messages(db)] == ["failed"]

        await wait_for(failed, timeout=10.0)
        await _enqueue(db, "ref-1", "referral.agreed", 1)  # behind the failed one: held
        await _enqueue(db, "ref-2", "referral.accepted", 2)  # another stream: goes

        async def other_stream_done():
            return [m.status for m in await _messages(db)] == ["failed", "pending", "delivered"]

        await wait_for(other_stream_done, timeout=10.0)
        await asyncio.sleep(0.3)
        assert [m.status for m in await _messages(db)] == ["failed", "pending", "delivered"]
        first = (await _messages(db))[0]
        assert first.attempts == 3 and first.last_status_code == 503 and "maintenance" in first.last_error
        # The administrator replays it: same webhook-id, the stream follows in order.
        async with db.transaction() as session:
            from onewindow_kit.webhooks.router import _replay

            await _replay(session, [WebhookMessage.id == first.id])
        dispatcher.wake()

        async def all_delivered():
            return [m.status for m in await _messages(db)] == ["delivered"] * 3

        await wait_for(all_delivered, timeout=10.0)
    finally:
        await dispatcher.stop()
    assert [b["data"]["n"] for _, b in court.accepted] == [2, 0, 1]
    assert court.accepted[1][0] == first.msg_id


async def test_rotation_signs_with_both_secrets_then_only_the_new_one(db, mock):
    old = await _partner(db)
    async with db.transaction() as session:
        partner = await session.get(Partner, "court-a")
        new, _ = await rotate_secret(session=session, partner=partner, cipher=None, overlap=timedelta(hours=1))
    async with db.transaction(read_only=True) as session:
        assert set(await valid_secrets(session=session, partner_id="court-a", cipher=None)) == {old, new}
    signatures = []

    def endpoint(request):
        signatures.append(request.headers["webhook-signature"])
        Webhook(old).verify(request.content, dict(request.headers))
        Webhook(new).verify(request.content, dict(request.headers))
        return httpx.Response(200)

    mock.post(HOOK_URL).mock(side_effect=endpoint)
    await _enqueue(db, "ref-1", "referral.accepted", 0)
    dispatcher = WebhookDispatcher(db=db, service="kit", settings=FAST, guard=make_guard())
    assert await dispatcher.deliver_once("court-a") is None
    assert len(signatures[0].split(" ")) == 2
    # A second rotation with no overlap (a leaked secret): only the newest signs.
    async with db.transaction() as session:
        partner = await session.get(Partner, "court-a")
        newest, _ = await rotate_secret(session=session, partner=partner, cipher=None, overlap=timedelta(0))
    async with db.transaction(read_only=True) as session:
        assert await valid_secrets(session=session, partner_id="court-a", cipher=None) == [newest]
    await dispatcher.client.aclose()


async def test_a_disabled_partner_or_a_refused_url_delays_but_loses_nothing(db, mock):
    secret = await _partner(db, url="https://metadata.example/hook")
    court = Court(secret)
    mock.post("https://court-a.example/hooks").mock(side_effect=court)
    await _enqueue(db, "ref-1", "referral.accepted", 0)
    dispatcher = WebhookDispatcher(db=db, service="kit", settings=FAST, guard=make_guard())
    await dispatcher.deliver_once("court-a")
    [message] = await _messages(db)
    assert message.status == "pending" and "outbound guard" in message.last_error and "link-local" in message.last_error
    async with db.transaction() as session:
        partner = await session.get(Partner, "court-a")
        partner.webhook_url = HOOK_URL
        await set_active(session=session, partner=partner, active=False)
    await asyncio.sleep(0.06)
    assert await dispatcher.deliver_once("court-a") == FAST.poll_seconds * 5  # held while disabled
    async with db.transaction() as session:
        await set_active(session=session, partner=await session.get(Partner, "court-a"), active=True)
    assert await dispatcher.deliver_once("court-a") is None
    assert [m.status for m in await _messages(db)] == ["delivered"]
    assert len(court.accepted) == 1
    await dispatcher.client.aclose()


async def test_a_slow_endpoint_times_out_and_is_retried(db, mock):
    await _partner(db)
    calls = {"n": 0}

    async def slow(request):
        calls["n"] += 1
        if calls["n"] == 1:
            await asyncio.sleep(1.0)
        return httpx.Response(200)

    mock.post(HOOK_URL).mock(side_effect=slow)
    await _enqueue(db, "ref-1", "referral.accepted", 0)
    dispatcher = WebhookDispatcher(
        db=db, service="kit", settings=FAST.model_copy(update={"timeout_seconds": 0.2}), guard=make_guard()
    )
    await dispatcher.deliver_once("court-a")
    [message] = await _messages(db)
    assert message.status == "pending" and "no answer within 0.2 s" in message.last_error
    await asyncio.sleep(0.06)
    await dispatcher.deliver_once("court-a")
    assert [m.status for m in await _messages(db)] == ["delivered"]
    await dispatcher.client.aclose()


async def test_pending_messages_survive_a_restart(db, mock):
    secret = await _partner(db)
    court = Court(secret)
    mock.post(HOOK_URL).mock(side_effect=court)
    await _enqueue(db, "ref-1", "referral.accepted", 0)
    first = WebhookDispatcher(db=db, service="kit", settings=FAST, guard=make_guard())
    await first.stop()  # never delivered anything
    second = WebhookDispatcher(db=db, service="kit", settings=FAST, guard=make_guard())
    second.start()
    try:

        async def delivered():
            return [m.status for m in await _messages(db)] == ["delivered"]

        await wait_for(delivered, timeout=10.0)
    finally:
        await second.stop()
    assert len(court.accepted) == 1


# ---------------------------------------------------------------------------------------------
# Admin endpoints (a probe app with the registry and the delivery view)
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def app_factory(test_keys):
    def build(database_url: str):
        settings = ServiceSettings(
            database_url=database_url,
            environment="test",
            service_name="kit-hooks",
            gateway_url="http://gateway.test",
            relay_enabled=False,
        )

        async def startup(app):
            app.state.webhooks = WebhookDispatcher(
                db=app.state.db, service="kit-hooks", settings=FAST, guard=make_guard()
            )

        async def shutdown(app):
            await app.state.webhooks.stop()

        return create_service_app(
            settings,
            title="probe",
            description="webhooks probe",
            routers=[partner_admin_router(kind="court"), webhook_admin_router()],
            key_source=test_keys.source,
            on_startup=[startup],
            on_shutdown=[shutdown],
        )

    return build


async def test_partner_registry_admin(client, test_keys, app, mock):
    admin = test_keys.headers(roles=["admin"])
    assert (
        await client.post(
            "/admin/partners",
            json={"partner_id": "court-a", "name": "法院"},
            headers=test_keys.headers(roles=["clerk"]),
        )
    ).status_code == 403
    for url, expected in (
        ("https://metadata.example/x", "webhook_url"),
        ("http://court-a.example/x", "webhook_url"),
        ("https://127.0.0.1/x", "webhook_url"),
    ):
        bad = await client.post(
            "/admin/partners", json={"partner_id": "court-a", "name": "法院", "webhook_url": url}, headers=admin
        )
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == expected, bad.text
    created = await client.post(
        "/admin/partners",
        json={"partner_id": "court-a", "name": "福田法院", "center_id": "futian", "webhook_url": HOOK_URL},
        headers=admin,
    )
    assert created.status_code == 201, created.text
    secret = created.json()["webhook_secret"]
    assert secret.startswith("whsec_") and created.headers["cache-control"] == "no-store"
    Webhook(secret)  # the reference implementation accepts its format
    again = await client.post("/admin/partners", json={"partner_id": "court-a", "name": "x"}, headers=admin)
    assert again.status_code == 409
    shown = (await client.get("/admin/partners/court-a", headers=admin)).json()
    assert secret not in json.dumps(shown) and len(shown["secrets"]) == 1
    rotated = (
        await client.post("/admin/partners/court-a/rotate-secret", json={"overlap_hours": 2}, headers=admin)
    ).json()
    assert rotated["webhook_secret"] != secret and len(rotated["secrets"]) == 2
    assert rotated["secrets"][1]["expires_at"] is not None and rotated["secrets"][0]["expires_at"] is None
    disabled = (await client.post("/admin/partners/court-a/disable", headers=admin)).json()
    assert disabled["active"] is False
    moved = await client.patch(
        "/admin/partners/court-a", json={"webhook_url": "https://mixed.example/h"}, headers=admin
    )
    assert moved.status_code == 422
    assert (await client.get("/admin/partners/nope", headers=admin)).status_code == 404


async def test_partner_with_gateway_client(client, test_keys, app, mock):
    admin = test_keys.headers(roles=["admin"])
    route = mock.post("http://gateway.test/admin/clients").mock(
        return_value=httpx.Response(
            201,
            json={
                "client_id": "court-b",
                "client_secret": "gw-secret",
                "name": "法院",
                "kind": "partner",
                "roles": ["court_partner"],
                "partner_id": "court-b",
                "active": True,
                "created_at": "2026-01-01T00:00:00Z",
                "updated_at": "2026-01-01T00:00:00Z",
            },
        )
    )
    created = await client.post(
        "/admin/partners",
        json={"partner_id": "court-b", "name": "法院", "issue_client_credentials": True},
        headers=admin,
    )
    assert created.status_code == 201, created.text
    assert created.json()["client_credentials"] == {"client_id": "court-b", "client_secret": "gw-secret"}
    sent = json.loads(route.calls[0].request.content)
    assert sent["roles"] == ["court_partner"] and sent["partner_id"] == "court-b"
    assert route.calls[0].request.headers["authorization"] == admin["Authorization"]


async def test_delivery_view_and_replay(client, test_keys, app, mock):
    admin = test_keys.headers(roles=["admin"])
    secret = await _partner(app.state.db)
    mock.post(HOOK_URL).mock(return_value=httpx.Response(500, text="down"))
    await _enqueue(app.state.db, "ref-1", "referral.accepted", 0)
    await _enqueue(app.state.db, "ref-1", "referral.agreed", 1)
    dispatcher = app.state.webhooks
    for _ in range(4):
        await dispatcher.deliver_once("court-a")
        await asyncio.sleep(0.06)
    summary = (await client.get("/admin/webhooks", headers=admin)).json()
    assert summary == [
        {
            "partner_id": "court-a",
            "pending": 1,
            "failed": 1,
            "delivered": 0,
            "oldest_pending_at": summary[0]["oldest_pending_at"],
            "held": None,
            "last_error": "HTTP 500: down",
        }
    ]
    failed = (await client.get("/admin/webhooks/messages?status=failed", headers=admin)).json()["items"]
    assert [m["event_type"] for m in failed] == ["referral.accepted"]
    assert "body" not in failed[0]
    detail = (await client.get(f"/admin/webhooks/messages/{failed[0]['msg_id']}", headers=admin)).json()
    assert [a["status_code"] for a in detail["attempt_log"]] == [500] * 4
    assert [a["outcome"] for a in detail["attempt_log"]] == ["retry"] * 3 + ["failed"]
    held = (await client.get("/admin/webhooks/messages?status=pending", headers=admin)).json()["items"][0]
    assert (await client.get(f"/admin/webhooks/messages/{held['msg_id']}", headers=admin)).json()[
        "blocked_by"
    ] == failed[0]["msg_id"]
    court = Court(secret)
    mock.post(HOOK_URL).mock(side_effect=court)
    replay = await client.post(f"/admin/webhooks/messages/{failed[0]['msg_id']}/replay", headers=admin)
    assert replay.status_code == 200 and replay.json()["status"] == "pending" and replay.json()["replays"] == 1
    await dispatcher.deliver_once("court-a")
    await dispatcher.deliver_once("court-a")
    assert [b["type"] for _, b in court.accepted] == ["referral.accepted", "referral.agreed"]
    assert (await client.get("/admin/webhooks/messages", headers=test_keys.headers(roles=["clerk"]))).status_code == 403
