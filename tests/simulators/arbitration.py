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
What it shares with the court simulator is in ``partner_sim.py``.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Literal

import httpx
from fastapi import FastAPI
from pydantic import BaseModel
from pydantic_settings import SettingsConfigDict

sys.path.insert(0, str(Path(__file__).resolve().parent))
import partner_sim

serving = partner_sim.serving  # in-process tests serve the app with it

__all__ = ["ArbitrationSimSettings", "create_app", "serving"]

PARTNER_PREFIX = "/partner/arbitration/v1"
CHINA = timezone(timedelta(hours=8))
TransferAnswer = Literal["accepted", "rejected", "none"]
ReviewAnswer = Literal["confirmed", "refused", "none"]


class ArbitrationSimSettings(partner_sim.PartnerSimSettings):
    model_config = SettingsConfigDict(env_prefix="ARBITRATION_SIM_", extra="ignore")

    withdraw_reason: str = "申请人撤回仲裁申请"
    client_id: str = "futian-arbitration"
    transfer_answer: TransferAnswer = "accepted"
    review_answer: ReviewAnswer = "confirmed"
    repeat_decisions: bool = False  # send each decision twice (the second under another key)
    answer_delay_seconds: float = 0.2  # a clerk at the commission needs a moment
    commission_name: str = "深圳市福田区劳动人事争议仲裁院"
    prefix: str = "深劳人仲"


class Control(partner_sim.PartnerControl):
    transfer_answer: TransferAnswer | None = None
    review_answer: ReviewAnswer | None = None
    repeat_decisions: bool | None = None


class ReferralRequest(partner_sim.PartnerReferralRequest):
    pre_filing_no: str | None = None
    mediation_suggestion: str | None = "建议双方核对考勤与工资发放记录，就欠付工资数额达成分期支付方案。"


class DecisionRequest(BaseModel):
    """A decision by hand (with automatic answers set to ``none``)."""

    decision: Literal["accepted", "rejected", "confirmed", "refused"]
    number: str | None = None  # the arbitration case number, or the 仲裁调解书 number
    reason: str | None = None


class Commission(partner_sim.PartnerSim):
    """The simulator's memory."""

    api_prefix = PARTNER_PREFIX
    number_field = "pre_filing_no"
    settings: ArbitrationSimSettings

    def __init__(self, settings: ArbitrationSimSettings) -> None:
        super().__init__(settings)
        self.transfer_answer: TransferAnswer = settings.transfer_answer
        self.review_answer: ReviewAnswer = settings.review_answer
        self.repeat_decisions = settings.repeat_decisions
        self.digests_ok = 0
        self.digests_bad = 0
        self._seq = itertools.count(100 + int(time.time()) % 1000 * 10)

    # -- talking to the centre ------------------------------------------------------------------

    def referral_body(self, spec: ReferralRequest) -> dict[str, Any]:
        n = next(self._seq)
        today = datetime.now(CHINA).date()
        body: dict[str, Any] = {
            "pre_filing_no": spec.pre_filing_no or f"{self.settings.prefix}预〔{today.year}〕{n}号",
            "commission_name": self.settings.commission_name,
            "referred_on": (spec.referred_on or today).isoformat(),
            **self.parties(
                spec,
                n,
                phones="1390013",
                respondent={
                    "name": "深圳市某某制造有限公司",
                    "address": "深圳市福田区某路2号",
                    "legal_representative": "孙某",
                    "phone": "0755-86666666",
                },
            ),
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
            "answer": partner_sim.json_of(response),
        }
        self.decisions.append(entry)
        return entry

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
        request = DecisionRequest(decision=decision, reason=reason)
        decide = self.decide_transfer if kind == "transfer" else self.decide_review
        await self.retried(lambda: decide(subject_id, request))

    # -- receiving ------------------------------------------------------------------------------

    def on_webhook(self, payload: dict[str, Any]) -> None:
        if payload["type"] in ("transfer.requested", "review.requested"):
            self.check_digests(payload["data"])
        for kind, answer in (("transfer", self.transfer_answer), ("review", self.review_answer)):
            if payload["type"] == f"{kind}.requested" and answer != "none":
                data = payload["data"]
                self.spawn(self.answer_later(kind, data[f"{kind}_id"], answer, data.get("documents") or []))

    def received(self) -> dict[str, Any]:
        return super().received() | {
            "digests_ok": self.digests_ok,
            "digests_bad": self.digests_bad,
            "document_checks": self.document_checks,
        }

    def control(self, data: partner_sim.PartnerControl) -> None:
        super().control(data)
        assert isinstance(data, Control)
        if data.transfer_answer is not None:
            self.transfer_answer = data.transfer_answer
        if data.review_answer is not None:
            self.review_answer = data.review_answer
        if data.repeat_decisions is not None:
            self.repeat_decisions = data.repeat_decisions
        if data.reset:
            self.digests_ok = self.digests_bad = 0

    def control_state(self) -> dict[str, Any]:
        return super().control_state() | {
            "transfer_answer": self.transfer_answer,
            "review_answer": self.review_answer,
            "repeat_decisions": self.repeat_decisions,
        }


def create_app(settings: ArbitrationSimSettings | None = None) -> FastAPI:
    commission = Commission(settings or ArbitrationSimSettings())
    app = partner_sim.partner_app(
        commission,
        Control,
        ReferralRequest,
        title="Arbitration commission simulator (裁调对接)",
        service="arbitration-simulator",
    )

    @app.post("/transfers/{transfer_id}/decision")
    async def post_transfer_decision(transfer_id: str, data: DecisionRequest) -> dict[str, Any]:
        """Decide on a transfer by hand (with ``transfer_answer`` = none)."""
        return await commission.decide_transfer(transfer_id, data)

    @app.post("/reviews/{review_id}/decision")
    async def post_review_decision(review_id: str, data: DecisionRequest) -> dict[str, Any]:
        """Decide on a review by hand (with ``review_answer`` = none)."""
        return await commission.decide_review(review_id, data)

    return app


if __name__ == "__main__":
    partner_sim.run(create_app, description=__doc__.split("\n\n")[0], port=8202)
