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
In-process tests use ``create_app(CourtSimSettings(…))`` and ``serving(app)``. What it shares with the
arbitration simulator is in ``partner_sim.py``.
"""

from __future__ import annotations

import asyncio
import itertools
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Literal

import httpx
from fastapi import FastAPI
from pydantic import BaseModel
from pydantic_settings import SettingsConfigDict

sys.path.insert(0, str(Path(__file__).resolve().parent))
import partner_sim

serving = partner_sim.serving  # in-process tests serve the app with it

__all__ = ["CourtSimSettings", "create_app", "serving"]

PARTNER_PREFIX = "/partner/court/v1"
CHINA = timezone(timedelta(hours=8))


class CourtSimSettings(partner_sim.PartnerSimSettings):
    model_config = SettingsConfigDict(env_prefix="COURT_SIM_", extra="ignore")

    withdraw_reason: str = "当事人已自行和解"
    client_id: str = "futian-court"
    auto_rule: bool = True  # answer confirmation.requested with a ruling
    ruling: Literal["valid", "dismissed"] = "valid"
    court_name: str = "深圳市福田区人民法院"
    court_code: str = "粤0304"
    decision_delay_seconds: float = 0.5  # a judge needs a moment: rulings and decisions come after this
    auto_payment_order: bool = True  # accept, then issue, each 支付令 application
    payment_order_outcome: Literal["issued", "rejected"] = "issued"


class Control(partner_sim.PartnerControl):
    auto_rule: bool | None = None
    ruling: Literal["valid", "dismissed"] | None = None
    decision_delay_seconds: float | None = None
    auto_payment_order: bool | None = None
    payment_order_outcome: Literal["issued", "rejected"] | None = None


class ReferralRequest(partner_sim.PartnerReferralRequest):
    court_case_no: str | None = None
    kind: Literal["pre_filing", "in_litigation"] = "pre_filing"


class RulingRequest(BaseModel):
    ruling: Literal["valid", "dismissed"] = "valid"
    ruling_no: str | None = None
    reason: str | None = None


class PaymentOrderDecision(BaseModel):
    decision: Literal["accepted", "rejected", "issued", "objected", "paid"]
    order_no: str | None = None
    served_on: date | None = None
    reason: str | None = None


class Court(partner_sim.PartnerSim):
    """The simulator's memory."""

    api_prefix = PARTNER_PREFIX
    number_field = "court_case_no"
    settings: CourtSimSettings

    def __init__(self, settings: CourtSimSettings) -> None:
        super().__init__(settings)
        self.auto_rule = settings.auto_rule
        self.ruling = settings.ruling
        self.delay = settings.decision_delay_seconds
        self.auto_payment_order = settings.auto_payment_order
        self.payment_order_outcome = settings.payment_order_outcome
        self._order_seq = itertools.count(1)
        self.rulings: list[dict[str, Any]] = []
        self._case_seq = itertools.count(1000 + int(time.time()) % 1000 * 10)
        self._ruling_seq = itertools.count(1)

    # -- talking to the centre ------------------------------------------------------------------

    def referral_body(self, spec: ReferralRequest) -> dict[str, Any]:
        n = next(self._case_seq)
        today = datetime.now(CHINA).date()
        body: dict[str, Any] = {
            "court_case_no": spec.court_case_no or f"（{today.year}）{self.settings.court_code}民诉前调{n}号",
            "kind": spec.kind,
            "court_name": self.settings.court_name,
            "judge": {"name": "刘法官", "phone": "0755-83000000"},
            "referred_on": (spec.referred_on or today).isoformat(),
            **self.parties(
                spec,
                n,
                phones="1380013",
                respondent={
                    "name": "深圳市某某电子有限公司",
                    "address": "深圳市福田区某路1号",
                    "legal_representative": "赵某",
                    "phone": "0755-88888888",
                },
            ),
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
        return self._record(self.rulings, application_id, body, response)

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
        return self._record(self.decisions, application_id, body, response)

    @staticmethod
    def _record(
        log: list[dict[str, Any]], application_id: str, body: dict[str, Any], response: httpx.Response
    ) -> dict[str, Any]:
        entry = {
            "application_id": application_id,
            "request": body,
            "status_code": response.status_code,
            "answer": partner_sim.json_of(response),
        }
        log.append(entry)
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
            await self.retried(lambda step=step: self.decide(application_id, step))

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
        await self.retried(lambda: self.rule(application_id, request))

    # -- receiving ------------------------------------------------------------------------------

    def on_webhook(self, payload: dict[str, Any]) -> None:
        if payload["type"] in ("confirmation.requested", "confirmation.applied") and self.auto_rule:
            self.spawn(self.rule_later(payload["data"]["application_id"], payload["data"].get("documents") or []))
        if payload["type"] == "payment_order.requested" and self.auto_payment_order:
            self.spawn(self.decide_later(payload["data"]["application_id"]))

    def received(self) -> dict[str, Any]:
        return super().received() | {"document_checks": self.document_checks}

    def control(self, data: partner_sim.PartnerControl) -> None:
        super().control(data)
        assert isinstance(data, Control)
        if data.auto_rule is not None:
            self.auto_rule = data.auto_rule
        if data.ruling is not None:
            self.ruling = data.ruling
        if data.decision_delay_seconds is not None:
            self.delay = data.decision_delay_seconds
        if data.auto_payment_order is not None:
            self.auto_payment_order = data.auto_payment_order
        if data.payment_order_outcome is not None:
            self.payment_order_outcome = data.payment_order_outcome
        if data.reset:
            self.rulings.clear()

    def control_state(self) -> dict[str, Any]:
        return super().control_state() | {"auto_rule": self.auto_rule, "ruling": self.ruling}


def create_app(settings: CourtSimSettings | None = None) -> FastAPI:
    court = Court(settings or CourtSimSettings())
    app = partner_sim.partner_app(
        court, Control, ReferralRequest, title="Court simulator (诉调对接)", service="court-simulator"
    )

    @app.post("/confirmations/{application_id}/ruling")
    async def post_ruling(application_id: str, data: RulingRequest) -> dict[str, Any]:
        """Rule on an application by hand (with ``auto_rule`` off)."""
        return await court.rule(application_id, data)

    @app.get("/rulings")
    async def rulings() -> list[dict[str, Any]]:
        return court.rulings

    @app.post("/payment-orders/{application_id}/decision")
    async def post_decision(application_id: str, data: PaymentOrderDecision) -> dict[str, Any]:
        """Decide on a 支付令 application by hand (with ``auto_payment_order`` off)."""
        return await court.decide(application_id, data)

    return app


if __name__ == "__main__":
    partner_sim.run(create_app, description=__doc__.split("\n\n")[0], port=8201)
