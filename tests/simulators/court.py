"""A people's court for tests and demos (诉调对接 simulator), speaking the court partner API v1
(../shared/contracts/court-partner-api.md) from the court's side:

- gets a token with client credentials at the gateway (or uses a fixed one) and sends referrals,
  withdrawals and rulings through the gateway (``/partner/court/v1/…``);
- receives the centre's webhooks at ``POST /webhooks``, verifies each with the ``standardwebhooks``
  package (an implementation independent of OneWindow's), de-duplicates by ``webhook-id`` and records
  them (``GET /received``); it can be told to fail the first N deliveries (``POST /control``);
- answers ``confirmation.requested`` (its referrals) and ``confirmation.applied`` (any other centre
  agreement, decision 0017) by posting a ruling (``valid`` by default) after ``decision_delay_seconds``;
  first it fetches every document that came with a link (``documents[].url``, with its own token) and
  compares its SHA-256 with the bundle's: a mismatch is dismissed whatever ``ruling`` says
  (``GET /received`` lists the checks as ``document_checks``);
- answers ``payment_order.requested`` (支付令) by accepting it and then issuing the order (served the
  same day), each after ``decision_delay_seconds``; ``payment_order_outcome=rejected`` refuses it
  instead; ``payment_order.satisfied`` (paid at the centre) is only recorded.

Run it: ``python tests/simulators/court.py --port 8201`` with ``COURT_SIM_GATEWAY_URL``,
``COURT_SIM_CLIENT_ID``, ``COURT_SIM_CLIENT_SECRET`` and ``COURT_SIM_WEBHOOK_SECRETS='["whsec_…"]'``
(or set the secrets later with ``POST /control``). Register it at the court bridge as the court's
webhook endpoint (``POST /api/court/admin/partners`` with ``webhook_url = http://127.0.0.1:8201/webhooks``;
the bridge then needs ``COURT_WEBHOOKS__REQUIRE_HTTPS=false`` and
``COURT_WEBHOOKS__ALLOWED_NETWORKS='["127.0.0.1/32"]'``, loopback being internal).
In-process tests use ``create_app(CourtSimSettings(…))`` and ``serving(app)``.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import itertools
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any, Literal

import httpx
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from onewindow_domain.identifiers import make_credit_code, make_id_number
from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

PARTNER_PREFIX = "/partner/court/v1"
CHINA = timezone(timedelta(hours=8))


class CourtSimSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COURT_SIM_", extra="ignore")

    gateway_url: str = "http://127.0.0.1:8000"
    client_id: str = "futian-court"
    client_secret: str = ""
    access_token: str = ""  # a fixed bearer token instead of client credentials (in-process tests)
    webhook_secrets: list[str] = Field(default_factory=list)
    fail_first: int = 0  # answer the first N webhook deliveries with ``fail_status``
    fail_status: int = 500
    auto_rule: bool = True  # answer confirmation.requested with a ruling
    ruling: Literal["valid", "dismissed"] = "valid"
    court_name: str = "深圳市福田区人民法院"
    court_code: str = "粤0304"
    decision_delay_seconds: float = 0.5  # a judge needs a moment: rulings and decisions come after this
    auto_payment_order: bool = True  # accept, then issue, each 支付令 application
    payment_order_outcome: Literal["issued", "rejected"] = "issued"


class Control(BaseModel):
    fail_first: int | None = None
    fail_status: int | None = None
    webhook_secrets: list[str] | None = None
    auto_rule: bool | None = None
    ruling: Literal["valid", "dismissed"] | None = None
    decision_delay_seconds: float | None = None
    auto_payment_order: bool | None = None
    payment_order_outcome: Literal["issued", "rejected"] | None = None
    reset: bool = False  # forget what was received


class ReferralRequest(BaseModel):
    """What to vary in the referral the simulator sends (everything else is a valid default)."""

    court_case_no: str | None = None
    kind: Literal["pre_filing", "in_litigation"] = "pre_filing"
    referred_on: date | None = None
    deadline: date | None = None
    workers: int = Field(default=1, ge=1, le=50)
    amount: str = "12000.00"
    idempotency_key: str | None = None
    overrides: dict[str, Any] = Field(default_factory=dict)  # raw fields merged into the body (to send bad input)


class RulingRequest(BaseModel):
    ruling: Literal["valid", "dismissed"] = "valid"
    ruling_no: str | None = None
    reason: str | None = None


class PaymentOrderDecision(BaseModel):
    decision: Literal["accepted", "rejected", "issued", "objected", "paid"]
    order_no: str | None = None
    served_on: date | None = None
    reason: str | None = None


class Court:
    """The simulator's memory."""

    def __init__(self, settings: CourtSimSettings) -> None:
        self.settings = settings
        self.secrets = list(settings.webhook_secrets)
        self.fail_left = settings.fail_first
        self.fail_status = settings.fail_status
        self.auto_rule = settings.auto_rule
        self.ruling = settings.ruling
        self.delay = settings.decision_delay_seconds
        self.auto_payment_order = settings.auto_payment_order
        self.payment_order_outcome = settings.payment_order_outcome
        self.decisions: list[dict[str, Any]] = []
        self._order_seq = itertools.count(1)
        self.events: list[dict[str, Any]] = []  # verified, first delivery of each webhook-id, in arrival order
        self.seen: set[str] = set()
        self.duplicates = 0
        self.rejected = 0  # signature did not verify
        self.failed_on_purpose = 0
        self.referrals: list[dict[str, Any]] = []
        self.rulings: list[dict[str, Any]] = []
        self.document_checks: list[dict[str, Any]] = []  # every document fetched from a bundle's link
        self._token: str | None = None
        self._token_expires = 0.0
        self._case_seq = itertools.count(1000 + int(time.time()) % 1000 * 10)
        self._ruling_seq = itertools.count(1)
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
        return await self.http.request(method, PARTNER_PREFIX + path, json=json, headers=headers)

    def referral_body(self, spec: ReferralRequest) -> dict[str, Any]:
        n = next(self._case_seq)
        today = datetime.now(CHINA).date()
        body: dict[str, Any] = {
            "court_case_no": spec.court_case_no or f"（{today.year}）{self.settings.court_code}民诉前调{n}号",
            "kind": spec.kind,
            "court_name": self.settings.court_name,
            "judge": {"name": "刘法官", "phone": "0755-83000000"},
            "referred_on": (spec.referred_on or today).isoformat(),
            "applicants": [
                {
                    "name": f"申请人{i + 1}",
                    "id_number": make_id_number(birth=date(1990, 1, 1 + i % 28), seq=(n + i) % 999),
                    "phone": f"1380013{(n + i) % 10000:04d}",
                    "address": "深圳市福田区某街道某小区",
                }
                for i in range(spec.workers)
            ],
            "respondents": [
                {
                    "name": "深圳市某某电子有限公司",
                    "credit_code": make_credit_code(seq=n),
                    "address": "深圳市福田区某路1号",
                    "legal_representative": "赵某",
                    "phone": "0755-88888888",
                }
            ],
            "claims": [{"category": "wage_arrears", "amount": spec.amount, "description": "拖欠工资"}],
            "facts": "申请人入职被申请人处，被申请人拖欠工资，申请人诉至法院，法院委派调解。",
        }
        if spec.deadline:
            body["deadline"] = spec.deadline.isoformat()
        return body | spec.overrides

    async def rule(self, application_id: str, request: RulingRequest) -> dict[str, Any]:
        today = datetime.now(CHINA).date()
        body = {
            "ruling": request.ruling,
            "ruling_no": request.ruling_no
            or f"（{today.year}）{self.settings.court_code}诉前调确{next(self._ruling_seq)}号",
            "ruled_on": today.isoformat(),
        }
        if request.reason:
            body["reason"] = request.reason
        response = await self.call(
            "POST", f"/confirmations/{application_id}/ruling", json=body, key=f"ruling-{application_id}"
        )
        entry = {
            "application_id": application_id,
            "request": body,
            "status_code": response.status_code,
            "answer": _json(response),
        }
        self.rulings.append(entry)
        return entry

    async def decide(self, application_id: str, request: PaymentOrderDecision) -> dict[str, Any]:
        """Post a decision on a 支付令 application (accepted, rejected, issued, objected, paid)."""
        today = datetime.now(CHINA).date()
        body: dict[str, Any] = {"decision": request.decision, "decided_on": today.isoformat()}
        if request.decision == "issued":
            body["order_no"] = (
                request.order_no or f"（{today.year}）{self.settings.court_code}民督{next(self._order_seq)}号"
            )
            body["served_on"] = (request.served_on or today).isoformat()
        if request.reason:
            body["reason"] = request.reason
        response = await self.call(
            "POST",
            f"/payment-orders/{application_id}/decision",
            json=body,
            key=f"po-{application_id}-{request.decision}",
        )
        entry = {
            "application_id": application_id,
            "request": body,
            "status_code": response.status_code,
            "answer": _json(response),
        }
        self.decisions.append(entry)
        return entry

    async def decide_later(self, application_id: str) -> None:
        """Accept a 支付令 application, then issue the order (or refuse it), each after the delay."""
        steps = (
            [PaymentOrderDecision(decision="accepted"), PaymentOrderDecision(decision="issued")]
            if self.payment_order_outcome == "issued"
            else [PaymentOrderDecision(decision="rejected", reason="申请不符合支付令条件")]
        )
        for step in steps:
            await asyncio.sleep(self.delay)
            for attempt in range(5):
                try:
                    entry = await self.decide(application_id, step)
                    if entry["status_code"] < 500:
                        break
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.5 * (attempt + 1))

    async def check_documents(self, subject_id: str, documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Fetch every document that came with a link (with our own token) and compare its SHA-256
        with the bundle's: what a court must do before it relies on the file."""
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

    async def rule_later(self, application_id: str, documents: list[dict[str, Any]] | None = None) -> None:
        """Rule on a confirmation request soon after it arrived (a judge needs a moment); documents
        that do not match their digests get the application dismissed."""
        await asyncio.sleep(self.delay)
        request = RulingRequest(ruling=self.ruling)
        if documents:
            bad = [c for c in await self.check_documents(application_id, documents) if not c["ok"]]
            if bad:
                request = RulingRequest(
                    ruling="dismissed", reason="申请材料与清单所列摘要不符：" + "、".join(c["kind"] for c in bad)
                )
        for attempt in range(5):
            try:
                entry = await self.rule(application_id, request)
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


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text


def create_app(settings: CourtSimSettings | None = None) -> FastAPI:
    settings = settings or CourtSimSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        court: Court = app.state.court
        for task in list(court._tasks):
            task.cancel()
        await court.http.aclose()

    app = FastAPI(title="Court simulator (诉调对接)", lifespan=lifespan)
    app.state.court = Court(settings)

    def court_of(request: Request) -> Court:
        return request.app.state.court

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": "court-simulator"}

    @app.post("/webhooks")
    async def receive_webhook(request: Request) -> JSONResponse:
        """The endpoint the court registered with the centre."""
        court = court_of(request)
        raw = await request.body()
        payload = court.verify(raw, dict(request.headers))
        if payload is None:
            court.rejected += 1
            return JSONResponse({"error": "signature does not verify"}, status_code=401)
        if court.fail_left > 0:
            court.fail_left -= 1
            court.failed_on_purpose += 1
            return JSONResponse({"error": "simulated outage"}, status_code=court.fail_status)
        msg_id = request.headers["webhook-id"]
        if msg_id in court.seen:
            court.duplicates += 1
            return JSONResponse({"status": "duplicate"})
        court.seen.add(msg_id)
        court.events.append(
            {
                "webhook_id": msg_id,
                "type": payload["type"],
                "timestamp": payload["timestamp"],
                "data": payload["data"],
                "signatures": len(request.headers["webhook-signature"].split(" ")),
                "received_at": datetime.now(UTC).isoformat(),
            }
        )
        if payload["type"] in ("confirmation.requested", "confirmation.applied") and court.auto_rule:
            court.spawn(court.rule_later(payload["data"]["application_id"], payload["data"].get("documents") or []))
        if payload["type"] == "payment_order.requested" and court.auto_payment_order:
            court.spawn(court.decide_later(payload["data"]["application_id"]))
        return JSONResponse({"status": "received"})

    @app.get("/received")
    async def received(request: Request) -> dict[str, Any]:
        """Every verified webhook, once per webhook-id, in arrival order."""
        court = court_of(request)
        return {
            "events": court.events,
            "types": [e["type"] for e in court.events],
            "duplicates": court.duplicates,
            "rejected": court.rejected,
            "failed_on_purpose": court.failed_on_purpose,
            "document_checks": court.document_checks,
        }

    @app.post("/control")
    async def control(data: Control, request: Request) -> dict[str, Any]:
        """Change the simulator's behaviour: fail the next N deliveries, set secrets, rule or not."""
        court = court_of(request)
        if data.fail_first is not None:
            court.fail_left = data.fail_first
        if data.fail_status is not None:
            court.fail_status = data.fail_status
        if data.webhook_secrets is not None:
            court.secrets = list(data.webhook_secrets)
        if data.auto_rule is not None:
            court.auto_rule = data.auto_rule
        if data.ruling is not None:
            court.ruling = data.ruling
        if data.decision_delay_seconds is not None:
            court.delay = data.decision_delay_seconds
        if data.auto_payment_order is not None:
            court.auto_payment_order = data.auto_payment_order
        if data.payment_order_outcome is not None:
            court.payment_order_outcome = data.payment_order_outcome
        if data.reset:
            court.events.clear()
            court.seen.clear()
            court.duplicates = court.rejected = court.failed_on_purpose = 0
            court.rulings.clear()
            court.decisions.clear()
            court.document_checks.clear()
        return {
            "fail_left": court.fail_left,
            "secrets": len(court.secrets),
            "auto_rule": court.auto_rule,
            "ruling": court.ruling,
        }

    @app.post("/referrals")
    async def send_referral(spec: ReferralRequest, request: Request) -> dict[str, Any]:
        """Send a referral to the centre through the gateway; answers what the centre answered."""
        court = court_of(request)
        body = court.referral_body(spec)
        key = spec.idempotency_key or f"sim-{uuid.uuid4().hex}"
        response = await court.call("POST", "/referrals", json=body, key=key)
        entry = {
            "status_code": response.status_code,
            "body": _json(response),
            "idempotency_key": key,
            "court_case_no": body.get("court_case_no"),
            "request": body,
        }
        court.referrals.append(entry)
        return entry

    @app.get("/referrals/{referral_id}")
    async def read_referral(referral_id: str, request: Request) -> dict[str, Any]:
        response = await court_of(request).call("GET", f"/referrals/{referral_id}")
        return {"status_code": response.status_code, "body": _json(response)}

    @app.post("/referrals/{referral_id}/withdraw")
    async def withdraw_referral(referral_id: str, request: Request) -> dict[str, Any]:
        reason = (await request.json() if await request.body() else {}).get("reason", "当事人已自行和解")
        response = await court_of(request).call(
            "POST", f"/referrals/{referral_id}/withdraw", json={"reason": reason}, key=f"withdraw-{referral_id}"
        )
        return {"status_code": response.status_code, "body": _json(response)}

    @app.post("/confirmations/{application_id}/ruling")
    async def post_ruling(application_id: str, data: RulingRequest, request: Request) -> dict[str, Any]:
        """Rule on an application by hand (with ``auto_rule`` off)."""
        return await court_of(request).rule(application_id, data)

    @app.get("/rulings")
    async def rulings(request: Request) -> list[dict[str, Any]]:
        return court_of(request).rulings

    @app.post("/payment-orders/{application_id}/decision")
    async def post_decision(application_id: str, data: PaymentOrderDecision, request: Request) -> dict[str, Any]:
        """Decide on a 支付令 application by hand (with ``auto_payment_order`` off)."""
        return await court_of(request).decide(application_id, data)

    @app.get("/decisions")
    async def decisions(request: Request) -> list[dict[str, Any]]:
        return court_of(request).decisions

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8201)
    args = parser.parse_args()
    uvicorn.run(create_app(), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
