"""What the court and the arbitration commission simulators (``court.py``, ``arbitration.py``) share:
the partner's side of the partner API v1 that does not depend on who the partner is.

- ``PartnerSim``: the simulator's memory and its way of talking to the centre (a token with client
  credentials at the gateway, or a fixed one; calls under the partner prefix with an
  ``Idempotency-Key``; fetching the documents a bundle links and checking their SHA-256);
- ``partner_app``: the app with the routes every partner simulator serves — ``GET /healthz``,
  ``POST /webhooks`` (verified with the ``standardwebhooks`` package, an implementation independent
  of OneWindow's; de-duplicated by ``webhook-id``; the first N deliveries failed on request),
  ``GET /received``, ``GET /referrals/{id}``, ``POST /referrals/{id}/withdraw`` and
  ``GET /decisions``; each simulator adds its own (``/control``, ``POST /referrals``, its answers);
- ``serving`` (uvicorn inside the running loop, for in-process tests) and ``run`` (the command line).

The simulators import it by name: run as scripts, their folder is on ``sys.path``; loaded from a
file by a test, they put it there first.
"""

import argparse
import asyncio
import hashlib
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from onewindow_domain.identifiers import make_credit_code, make_id_number
from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError


class PartnerSimSettings(BaseSettings):
    """What every partner simulator is told (each subclass sets its own ``env_prefix``)."""

    gateway_url: str = "http://127.0.0.1:8000"
    client_id: str = ""
    client_secret: str = ""
    access_token: str = ""  # a fixed bearer token instead of client credentials (in-process tests)
    webhook_secrets: list[str] = Field(default_factory=list)
    fail_first: int = 0  # answer the first N webhook deliveries with ``fail_status``
    fail_status: int = 500
    withdraw_reason: str = ""  # the reason ``POST /referrals/{id}/withdraw`` gives when it is told none


class PartnerControl(BaseModel):
    """What ``POST /control`` may change in every partner simulator."""

    fail_first: int | None = None
    fail_status: int | None = None
    webhook_secrets: list[str] | None = None
    reset: bool = False  # forget what was received


class PartnerReferralRequest(BaseModel):
    """What to vary in the referral the simulator sends (everything else is a valid default)."""

    referred_on: date | None = None
    deadline: date | None = None
    workers: int = Field(default=1, ge=1, le=50)
    amount: str = "12000.00"
    idempotency_key: str | None = None
    overrides: dict[str, Any] = Field(default_factory=dict)  # raw fields merged into the body (to send bad input)


class PartnerSim:
    """The simulator's memory and its side of the conversation with the centre. Subclasses answer
    the webhooks (``on_webhook``) and build their referrals (``referral_body``)."""

    api_prefix = ""  # the partner API's path at the gateway, e.g. /partner/court/v1
    number_field = ""  # the partner's own number of a referral, as the referral body names it

    def __init__(self, settings: PartnerSimSettings) -> None:
        self.settings = settings
        self.secrets = list(settings.webhook_secrets)
        self.fail_left = settings.fail_first
        self.fail_status = settings.fail_status
        self.events: list[dict[str, Any]] = []  # verified, first delivery of each webhook-id, in arrival order
        self.seen: set[str] = set()
        self.duplicates = 0
        self.rejected = 0  # signature did not verify
        self.failed_on_purpose = 0
        self.referrals: list[dict[str, Any]] = []
        self.decisions: list[dict[str, Any]] = []
        self.document_checks: list[dict[str, Any]] = []  # every document fetched from a bundle's link
        self._token: str | None = None
        self._token_expires = 0.0
        self._tasks: set[asyncio.Task[Any]] = set()
        self.http = httpx.AsyncClient(base_url=settings.gateway_url, timeout=20.0)

    # -- talking to the centre ------------------------------------------------------------------

    async def token(self) -> str:
        if self.settings.access_token:
            return self.settings.access_token
        if self._token and time.monotonic() < self._token_expires - 30:
            return self._token
        response = await self.http.post(
            "/auth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": self.settings.client_id,
                "client_secret": self.settings.client_secret,
            },
        )
        response.raise_for_status()
        body = response.json()
        self._token, self._token_expires = body["access_token"], time.monotonic() + float(body.get("expires_in", 300))
        return self._token

    async def call(self, method: str, path: str, *, json: Any = None, key: str | None = None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {await self.token()}"}
        if key:
            headers["Idempotency-Key"] = key
        return await self.http.request(method, self.api_prefix + path, json=json, headers=headers)

    def referral_body(self, spec: Any) -> dict[str, Any]:
        raise NotImplementedError

    @staticmethod
    def parties(spec: PartnerReferralRequest, n: int, *, phones: str, respondent: dict[str, str]) -> dict[str, Any]:
        """A referral's applicants (``spec.workers`` of them, with valid ID numbers and phones that
        start with ``phones``), its one respondent (``respondent`` with a valid credit code) and the
        wage claim; ``n`` makes them differ from one referral to the next."""
        return {
            "applicants": [
                {
                    "name": f"申请人{i + 1}",
                    "id_number": make_id_number(birth=date(1990, 1, 1 + i % 28), seq=(n + i) % 999),
                    "phone": f"{phones}{(n + i) % 10000:04d}",
                    "address": "深圳市福田区某街道某小区",
                }
                for i in range(spec.workers)
            ],
            "respondents": [
                {"name": respondent["name"], "credit_code": make_credit_code(seq=n)}
                | {k: v for k, v in respondent.items() if k != "name"}
            ],
            "claims": [{"category": "wage_arrears", "amount": spec.amount, "description": "拖欠工资"}],
        }

    async def send_referral(self, spec: Any) -> dict[str, Any]:
        """Send a referral built from ``spec``; what the centre answered, also kept in ``referrals``."""
        body = self.referral_body(spec)
        key = spec.idempotency_key or f"sim-{uuid.uuid4().hex}"
        response = await self.call("POST", "/referrals", json=body, key=key)
        entry = {
            "status_code": response.status_code,
            "body": json_of(response),
            "idempotency_key": key,
            self.number_field: body.get(self.number_field),
            "request": body,
        }
        self.referrals.append(entry)
        return entry

    async def check_documents(self, subject_id: str, documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Fetch every document that came with a link (with our own token) and compare its SHA-256
        with the bundle's: what a court or a commission must do before it relies on the file."""
        checks = []
        for doc in documents:
            if not doc.get("url"):
                continue
            check: dict[str, Any] = {
                "subject_id": subject_id,
                "kind": doc["kind"],
                "document_id": doc.get("document_id"),
            }
            try:
                response = await self.http.get(doc["url"], headers={"Authorization": f"Bearer {await self.token()}"})
                check["status_code"] = response.status_code
                check["sha256"] = hashlib.sha256(response.content).hexdigest()
                check["is_pdf"] = response.content.startswith(b"%PDF")
                check["ok"] = response.status_code == 200 and check["sha256"] == doc.get("sha256") and check["is_pdf"]
            except httpx.HTTPError as exc:
                check |= {"status_code": None, "ok": False, "error": type(exc).__name__}
            checks.append(check)
        self.document_checks.extend(checks)
        return checks

    @staticmethod
    async def retried(attempt_once: Callable[[], Any]) -> None:
        """Await ``attempt_once()`` (an answer to the centre) until it is not a 5xx nor a transport
        error, five times at most, waiting longer each time: the centre may be busy."""
        for attempt in range(5):
            try:
                entry = await attempt_once()
                if entry["status_code"] < 500:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.5 * (attempt + 1))

    def spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- receiving ------------------------------------------------------------------------------

    def verify(self, body: bytes, headers: dict[str, str]) -> dict[str, Any] | None:
        for secret in self.secrets:
            try:
                return Webhook(secret).verify(body, headers)
            except WebhookVerificationError:
                continue
        return None

    def on_webhook(self, payload: dict[str, Any]) -> None:
        """React to a verified webhook, delivered for the first time (answer it later, count…)."""

    def received(self) -> dict[str, Any]:
        """What ``GET /received`` shows; subclasses add their counters."""
        return {
            "events": self.events,
            "types": [e["type"] for e in self.events],
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "failed_on_purpose": self.failed_on_purpose,
        }

    def control(self, data: PartnerControl) -> None:
        """Apply what every simulator's ``POST /control`` may change; subclasses apply the rest."""
        if data.fail_first is not None:
            self.fail_left = data.fail_first
        if data.fail_status is not None:
            self.fail_status = data.fail_status
        if data.webhook_secrets is not None:
            self.secrets = list(data.webhook_secrets)
        if data.reset:
            self.events.clear()
            self.seen.clear()
            self.duplicates = self.rejected = self.failed_on_purpose = 0
            self.decisions.clear()
            self.document_checks.clear()

    def control_state(self) -> dict[str, Any]:
        """What ``POST /control`` answers; subclasses add their settings."""
        return {"fail_left": self.fail_left, "secrets": len(self.secrets)}


def json_of(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text


def partner_app(
    sim: PartnerSim, control: type[PartnerControl], referral: type[PartnerReferralRequest], *, title: str, service: str
) -> FastAPI:
    """The app of a partner simulator with the routes every one serves; ``app.state.sim`` is ``sim``;
    ``POST /control`` and ``POST /referrals`` take the simulator's own ``control`` and ``referral``
    models (this module does not postpone annotations, so FastAPI reads them as the classes given)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        for task in list(sim._tasks):
            task.cancel()
        await sim.http.aclose()

    app = FastAPI(title=title, lifespan=lifespan)
    app.state.sim = sim

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": service}

    @app.post("/webhooks")
    async def receive_webhook(request: Request) -> JSONResponse:
        """The endpoint the partner registered with the centre."""
        raw = await request.body()
        payload = sim.verify(raw, dict(request.headers))
        if payload is None:
            sim.rejected += 1
            return JSONResponse({"error": "signature does not verify"}, status_code=401)
        if sim.fail_left > 0:
            sim.fail_left -= 1
            sim.failed_on_purpose += 1
            return JSONResponse({"error": "simulated outage"}, status_code=sim.fail_status)
        msg_id = request.headers["webhook-id"]
        if msg_id in sim.seen:
            sim.duplicates += 1
            return JSONResponse({"status": "duplicate"})
        sim.seen.add(msg_id)
        sim.events.append(
            {
                "webhook_id": msg_id,
                "type": payload["type"],
                "timestamp": payload["timestamp"],
                "data": payload["data"],
                "signatures": len(request.headers["webhook-signature"].split(" ")),
                "received_at": datetime.now(UTC).isoformat(),
            }
        )
        sim.on_webhook(payload)
        return JSONResponse({"status": "received"})

    @app.get("/received")
    async def received() -> dict[str, Any]:
        """Every verified webhook, once per webhook-id, in arrival order."""
        return sim.received()

    @app.post("/control")
    async def change(data: control) -> dict[str, Any]:  # type: ignore[valid-type]
        """Change the simulator's behaviour: fail the next N deliveries, set secrets, how to answer."""
        sim.control(data)
        return sim.control_state()

    @app.post("/referrals")
    async def send_referral(spec: referral) -> dict[str, Any]:  # type: ignore[valid-type]
        """Send a referral to the centre through the gateway; answers what the centre answered."""
        return await sim.send_referral(spec)

    @app.get("/referrals/{referral_id}")
    async def read_referral(referral_id: str) -> dict[str, Any]:
        response = await sim.call("GET", f"/referrals/{referral_id}")
        return {"status_code": response.status_code, "body": json_of(response)}

    @app.post("/referrals/{referral_id}/withdraw")
    async def withdraw_referral(referral_id: str, request: Request) -> dict[str, Any]:
        reason = (await request.json() if await request.body() else {}).get("reason", sim.settings.withdraw_reason)
        response = await sim.call(
            "POST", f"/referrals/{referral_id}/withdraw", json={"reason": reason}, key=f"withdraw-{referral_id}"
        )
        return {"status_code": response.status_code, "body": json_of(response)}

    @app.get("/decisions")
    async def decisions() -> list[dict[str, Any]]:
        return sim.decisions

    return app


@asynccontextmanager
async def serving(app: Any, host: str = "127.0.0.1", port: int = 0) -> AsyncIterator[str]:
    """Serve an ASGI app with uvicorn inside the running event loop; yields its base URL."""
    server = uvicorn.Server(
        uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on", access_log=False, log_config=None)
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()  # raises the reason it could not start
        await asyncio.sleep(0.01)
    bound = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://{host}:{bound}"
    finally:
        server.should_exit = True
        await task


def run(create_app: Callable[[], FastAPI], *, description: str, port: int) -> None:
    """The command line: ``python tests/simulators/<name>.py [--host …] [--port …]``."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=port)
    args = parser.parse_args()
    uvicorn.run(create_app(), host=args.host, port=args.port, log_level="warning")
