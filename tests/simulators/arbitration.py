"""An arbitration commission for tests and demos (裁调对接 simulator), speaking the arbitration
partner API v1 (../shared/contracts/arbitration-partner-api.md) from the commission's side:

- gets a token with client credentials at the gateway (or uses a fixed one) and sends referrals
  (暂缓立案、先行调解, with a 调解建议书) and withdrawals through the gateway (``/partner/arbitration/v1/…``);
- receives the centre's webhooks at ``POST /webhooks``, verifies each with the ``standardwebhooks``
  package (an implementation independent of OneWindow's), de-duplicates by ``webhook-id`` and records
  them (``GET /received``); it can be told to fail the first N deliveries (``POST /control``);
- answers ``transfer.requested`` with a decision (``accepted`` with a case number such as
  ``深劳人仲案〔2026〕123号`` by default, ``rejected``, or ``none`` to stay silent past the 5 days) and
  ``review.requested`` (``confirmed`` with a 仲裁调解书 number by default, ``refused``, or ``none``);
  a transfer is any of the three kinds (``failed_mediation``, ``refused_mediation`` — direct
  arbitration —, ``breached_agreement``), answered alike;
- checks every document reference it can (``documents: [{kind, title, sha256, url?}]``): the
  agreement's digest is re-computed from the agreement it received in canonical JSON, by its own code
  (``digests_ok`` / ``digests_bad`` in ``GET /received``);
- with ``repeat_decisions`` on, sends each decision a second time under a new ``Idempotency-Key``
  (a commission's clerk clicking twice): the centre must answer it like the first.
- before answering a transfer, fetches every document that came with a signed link (with its own
  token) and checks its SHA-256 against the bundle's; a mismatch rejects the transfer, whatever the
  configured answer (``GET /received`` lists the checks as ``document_checks``).

Run it: ``python tests/simulators/arbitration.py --port 8202`` with ``ARBITRATION_SIM_GATEWAY_URL``,
``ARBITRATION_SIM_CLIENT_ID`` (default ``futian-arbitration``), ``ARBITRATION_SIM_CLIENT_SECRET`` and
``ARBITRATION_SIM_WEBHOOK_SECRETS='["whsec_…"]'`` (or set the secrets later with ``POST /control``).
Register it at the arbitration bridge as the commission's webhook endpoint
(``POST /api/arbitration/admin/partners`` or ``PATCH …/partners/futian-arbitration`` with
``webhook_url = http://127.0.0.1:8202/webhooks``; the bridge then needs
``ARBITRATION_WEBHOOKS__REQUIRE_HTTPS=false`` and ``ARBITRATION_WEBHOOKS__ALLOWED_NETWORKS='["127.0.0.1/32"]'``,
loopback being internal). In-process tests use ``create_app(ArbitrationSimSettings(…))`` and ``serving(app)``.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import itertools
import json
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

PARTNER_PREFIX = "/partner/arbitration/v1"
CHINA = timezone(timedelta(hours=8))
TransferAnswer = Literal["accepted", "rejected", "none"]
ReviewAnswer = Literal["confirmed", "refused", "none"]


class ArbitrationSimSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ARBITRATION_SIM_", extra="ignore")

    gateway_url: str = "http://127.0.0.1:8000"
    client_id: str = "futian-arbitration"
    client_secret: str = ""
    access_token: str = ""  # a fixed bearer token instead of client credentials (in-process tests)
    webhook_secrets: list[str] = Field(default_factory=list)
    fail_first: int = 0  # answer the first N webhook deliveries with ``fail_status``
    fail_status: int = 500
    transfer_answer: TransferAnswer = "accepted"
    review_answer: ReviewAnswer = "confirmed"
    repeat_decisions: bool = False  # send each decision twice (the second under another key)
    answer_delay_seconds: float = 0.2  # a clerk at the commission needs a moment
    commission_name: str = "深圳市福田区劳动人事争议仲裁院"
    prefix: str = "深劳人仲"


class Control(BaseModel):
    fail_first: int | None = None
    fail_status: int | None = None
    webhook_secrets: list[str] | None = None
    transfer_answer: TransferAnswer | None = None
    review_answer: ReviewAnswer | None = None
    repeat_decisions: bool | None = None
    reset: bool = False  # forget what was received


class ReferralRequest(BaseModel):
    """What to vary in the referral the simulator sends (everything else is a valid default)."""

    pre_filing_no: str | None = None
    referred_on: date | None = None
    deadline: date | None = None
    workers: int = Field(default=1, ge=1, le=50)
    amount: str = "12000.00"
    mediation_suggestion: str | None = "建议双方核对考勤与工资发放记录，就欠付工资数额达成分期支付方案。"
    idempotency_key: str | None = None
    overrides: dict[str, Any] = Field(default_factory=dict)  # raw fields merged into the body (to send bad input)


class DecisionRequest(BaseModel):
    """A decision by hand (with automatic answers set to ``none``)."""

    decision: Literal["accepted", "rejected", "confirmed", "refused"]
    number: str | None = None  # the arbitration case number, or the 仲裁调解书 number
    reason: str | None = None


class Commission:
    """The simulator's memory."""

    def __init__(self, settings: ArbitrationSimSettings) -> None:
        self.settings = settings
        self.secrets = list(settings.webhook_secrets)
        self.fail_left = settings.fail_first
        self.fail_status = settings.fail_status
        self.transfer_answer: TransferAnswer = settings.transfer_answer
        self.review_answer: ReviewAnswer = settings.review_answer
        self.repeat_decisions = settings.repeat_decisions
        self.digests_ok = 0
        self.digests_bad = 0
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
        self._seq = itertools.count(100 + int(time.time()) % 1000 * 10)
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
        n = next(self._seq)
        today = datetime.now(CHINA).date()
        body: dict[str, Any] = {
            "pre_filing_no": spec.pre_filing_no or f"{self.settings.prefix}预〔{today.year}〕{n}号",
            "commission_name": self.settings.commission_name,
            "referred_on": (spec.referred_on or today).isoformat(),
            "applicants": [
                {
                    "name": f"申请人{i + 1}",
                    "id_number": make_id_number(birth=date(1990, 1, 1 + i % 28), seq=(n + i) % 999),
                    "phone": f"1390013{(n + i) % 10000:04d}",
                    "address": "深圳市福田区某街道某小区",
                }
                for i in range(spec.workers)
            ],
            "respondents": [
                {
                    "name": "深圳市某某制造有限公司",
                    "credit_code": make_credit_code(seq=n),
                    "address": "深圳市福田区某路2号",
                    "legal_representative": "孙某",
                    "phone": "0755-86666666",
                }
            ],
            "claims": [{"category": "wage_arrears", "amount": spec.amount, "description": "拖欠工资"}],
            "facts": "申请人向本院申请仲裁，本院经审查决定暂缓立案，委托调解组织先行调解。",
        }
        if spec.deadline:
            body["deadline"] = spec.deadline.isoformat()
        if spec.mediation_suggestion:
            body["mediation_suggestion"] = spec.mediation_suggestion
        return body | spec.overrides

    async def decide_transfer(self, transfer_id: str, request: DecisionRequest) -> dict[str, Any]:
        today = datetime.now(CHINA).date()
        body: dict[str, Any] = {"decision": request.decision, "decided_on": today.isoformat()}
        if request.decision == "accepted":
            body["arbitration_case_no"] = (
                request.number or f"{self.settings.prefix}案〔{today.year}〕{next(self._seq)}号"
            )
        else:
            body["reason"] = request.reason or "申请材料不齐全，请补正后重新移送"
        return await self.post_decision("transfer", transfer_id, body)

    async def decide_review(self, review_id: str, request: DecisionRequest) -> dict[str, Any]:
        today = datetime.now(CHINA).date()
        body: dict[str, Any] = {"decision": request.decision, "decided_on": today.isoformat()}
        if request.decision == "confirmed":
            body["document_no"] = request.number or f"{self.settings.prefix}调字〔{today.year}〕{next(self._seq)}号"
        else:
            body["reason"] = request.reason or "调解协议内容不符合法律规定"
        return await self.post_decision("review", review_id, body)

    async def post_decision(self, kind: str, subject_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """Send a decision (twice with ``repeat_decisions``: the second under another key)."""
        path = f"/{kind}s/{subject_id}/decision"
        response = await self.call("POST", path, json=body, key=f"decision-{subject_id}")
        entry = self._record(kind, subject_id, body, response)
        if self.repeat_decisions and response.status_code == 200:
            again = await self.call("POST", path, json=body, key=f"decision-again-{subject_id}")
            self._record(f"{kind}-again", subject_id, body, again)
        return entry

    def check_digests(self, data: dict[str, Any]) -> None:
        """Re-compute the digest of every document whose content came with the message."""
        agreement = data.get("agreement") or (data.get("application") or {}).get("agreement")
        for document in data.get("documents") or []:
            if document.get("kind") != "agreement" or not document.get("sha256") or agreement is None:
                continue
            if document.get("url"):
                continue  # a generated PDF: its digest is of the file, fetched from the url
            canonical = json.dumps(agreement, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
            if hashlib.sha256(canonical.encode()).hexdigest() == document["sha256"]:
                self.digests_ok += 1
            else:
                self.digests_bad += 1

    def _record(self, kind: str, subject_id: str, body: dict[str, Any], response: httpx.Response) -> dict[str, Any]:
        entry = {
            "kind": kind,
            "id": subject_id,
            "request": body,
            "status_code": response.status_code,
            "answer": _json(response),
        }
        self.decisions.append(entry)
        return entry

    async def check_documents(self, subject_id: str, documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Fetch every document that came with a link (with our own token) and compare its SHA-256
        with the bundle's: what a commission must do before it relies on the file."""
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

    async def answer_later(
        self, kind: str, subject_id: str, decision: str, documents: list[dict[str, Any]] | None = None
    ) -> None:
        """Answer a transfer or review soon after it arrived, retrying while the centre is busy. A
        transfer (review) whose documents do not match their digests is rejected (refused), whatever
        ``decision`` says."""
        await asyncio.sleep(self.settings.answer_delay_seconds)
        reason = None
        if documents:
            bad = [c for c in await self.check_documents(subject_id, documents) if not c["ok"]]
            if bad and kind == "transfer":
                decision = "rejected"
                reason = "移送材料与清单所列摘要不符：" + "、".join(c["kind"] for c in bad)
            elif bad:
                decision = "refused"
                reason = "审查材料与清单所列摘要不符：" + "、".join(c["kind"] for c in bad)
        for attempt in range(5):
            try:
                request = DecisionRequest(decision=decision, reason=reason)
                entry = await (
                    self.decide_transfer(subject_id, request)
                    if kind == "transfer"
                    else self.decide_review(subject_id, request)
                )
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


def create_app(settings: ArbitrationSimSettings | None = None) -> FastAPI:
    settings = settings or ArbitrationSimSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        commission: Commission = app.state.commission
        for task in list(commission._tasks):
            task.cancel()
        await commission.http.aclose()

    app = FastAPI(title="Arbitration commission simulator (裁调对接)", lifespan=lifespan)
    app.state.commission = Commission(settings)

    def commission_of(request: Request) -> Commission:
        return request.app.state.commission

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": "arbitration-simulator"}

    @app.post("/webhooks")
    async def receive_webhook(request: Request) -> JSONResponse:
        """The endpoint the commission registered with the centre."""
        commission = commission_of(request)
        raw = await request.body()
        payload = commission.verify(raw, dict(request.headers))
        if payload is None:
            commission.rejected += 1
            return JSONResponse({"error": "signature does not verify"}, status_code=401)
        if commission.fail_left > 0:
            commission.fail_left -= 1
            commission.failed_on_purpose += 1
            return JSONResponse({"error": "simulated outage"}, status_code=commission.fail_status)
        msg_id = request.headers["webhook-id"]
        if msg_id in commission.seen:
            commission.duplicates += 1
            return JSONResponse({"status": "duplicate"})
        commission.seen.add(msg_id)
        commission.events.append(
            {
                "webhook_id": msg_id,
                "type": payload["type"],
                "timestamp": payload["timestamp"],
                "data": payload["data"],
                "signatures": len(request.headers["webhook-signature"].split(" ")),
                "received_at": datetime.now(UTC).isoformat(),
            }
        )
        if payload["type"] in ("transfer.requested", "review.requested"):
            commission.check_digests(payload["data"])
        if payload["type"] == "transfer.requested" and commission.transfer_answer != "none":
            commission.spawn(
                commission.answer_later(
                    "transfer",
                    payload["data"]["transfer_id"],
                    commission.transfer_answer,
                    payload["data"].get("documents") or [],
                )
            )
        if payload["type"] == "review.requested" and commission.review_answer != "none":
            commission.spawn(
                commission.answer_later(
                    "review",
                    payload["data"]["review_id"],
                    commission.review_answer,
                    payload["data"].get("documents") or [],
                )
            )
        return JSONResponse({"status": "received"})

    @app.get("/received")
    async def received(request: Request) -> dict[str, Any]:
        """Every verified webhook, once per webhook-id, in arrival order."""
        commission = commission_of(request)
        return {
            "events": commission.events,
            "types": [e["type"] for e in commission.events],
            "duplicates": commission.duplicates,
            "rejected": commission.rejected,
            "failed_on_purpose": commission.failed_on_purpose,
            "digests_ok": commission.digests_ok,
            "digests_bad": commission.digests_bad,
            "document_checks": commission.document_checks,
        }

    @app.post("/control")
    async def control(data: Control, request: Request) -> dict[str, Any]:
        """Change the simulator's behaviour: fail the next N deliveries, set secrets, how to answer."""
        commission = commission_of(request)
        if data.fail_first is not None:
            commission.fail_left = data.fail_first
        if data.fail_status is not None:
            commission.fail_status = data.fail_status
        if data.webhook_secrets is not None:
            commission.secrets = list(data.webhook_secrets)
        if data.transfer_answer is not None:
            commission.transfer_answer = data.transfer_answer
        if data.review_answer is not None:
            commission.review_answer = data.review_answer
        if data.repeat_decisions is not None:
            commission.repeat_decisions = data.repeat_decisions
        if data.reset:
            commission.events.clear()
            commission.seen.clear()
            commission.duplicates = commission.rejected = commission.failed_on_purpose = 0
            commission.digests_ok = commission.digests_bad = 0
            commission.decisions.clear()
            commission.document_checks.clear()
        return {
            "fail_left": commission.fail_left,
            "secrets": len(commission.secrets),
            "transfer_answer": commission.transfer_answer,
            "review_answer": commission.review_answer,
            "repeat_decisions": commission.repeat_decisions,
        }

    @app.post("/referrals")
    async def send_referral(spec: ReferralRequest, request: Request) -> dict[str, Any]:
        """Send a referral to the centre through the gateway; answers what the centre answered."""
        commission = commission_of(request)
        body = commission.referral_body(spec)
        key = spec.idempotency_key or f"sim-{uuid.uuid4().hex}"
        response = await commission.call("POST", "/referrals", json=body, key=key)
        entry = {
            "status_code": response.status_code,
            "body": _json(response),
            "idempotency_key": key,
            "pre_filing_no": body.get("pre_filing_no"),
            "request": body,
        }
        commission.referrals.append(entry)
        return entry

    @app.get("/referrals/{referral_id}")
    async def read_referral(referral_id: str, request: Request) -> dict[str, Any]:
        response = await commission_of(request).call("GET", f"/referrals/{referral_id}")
        return {"status_code": response.status_code, "body": _json(response)}

    @app.post("/referrals/{referral_id}/withdraw")
    async def withdraw_referral(referral_id: str, request: Request) -> dict[str, Any]:
        reason = (await request.json() if await request.body() else {}).get("reason", "申请人撤回仲裁申请")
        response = await commission_of(request).call(
            "POST", f"/referrals/{referral_id}/withdraw", json={"reason": reason}, key=f"withdraw-{referral_id}"
        )
        return {"status_code": response.status_code, "body": _json(response)}

    @app.post("/transfers/{transfer_id}/decision")
    async def post_transfer_decision(transfer_id: str, data: DecisionRequest, request: Request) -> dict[str, Any]:
        """Decide on a transfer by hand (with ``transfer_answer`` = none)."""
        return await commission_of(request).decide_transfer(transfer_id, data)

    @app.post("/reviews/{review_id}/decision")
    async def post_review_decision(review_id: str, data: DecisionRequest, request: Request) -> dict[str, Any]:
        """Decide on a review by hand (with ``review_answer`` = none)."""
        return await commission_of(request).decide_review(review_id, data)

    @app.get("/decisions")
    async def decisions(request: Request) -> list[dict[str, Any]]:
        return commission_of(request).decisions

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
    parser.add_argument("--port", type=int, default=8202)
    args = parser.parse_args()
    uvicorn.run(create_app(), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
