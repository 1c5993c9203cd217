"""A stand-in for Aliyun's Dysmsapi endpoint, for ``make run``-style stacks and tests.

It checks each request's signature exactly as Aliyun does (``aliyun.string_to_sign``) against
the access keys it was given, records every accepted ``SendSms`` and answers ``QuerySendDetails``
with a delivery receipt. Tests read what was sent — and count messages per number — at
``GET /_simulator/messages``; ``POST /_simulator/fail-next`` makes the next send fail like a
provider outage. Run it as a process: ``python -m onewindow_kit.sms.simulator --port 9145``
(``--access-key-id``/``--access-key-secret``, defaults ``sim-key``/``sim-secret``).
"""

from __future__ import annotations

import argparse
import hmac
import json
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from onewindow_kit.sms.aliyun import sign

BEIJING = ZoneInfo("Asia/Shanghai")


@dataclass
class SimulatedMessage:
    biz_id: str
    phone: str
    sign_name: str
    template_code: str
    params: dict[str, str]
    sent_at: str
    status: int = 3  # Dysmsapi SendStatus: 1 waiting, 2 failed, 3 delivered


@dataclass
class SimulatorState:
    keys: dict[str, str]
    messages: list[SimulatedMessage] = field(default_factory=list)
    fail_next: int = 0


def _error(code: str, message: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"Code": code, "Message": message, "RequestId": uuid.uuid4().hex}, status_code=status)


def create_simulator_app(keys: dict[str, str] | None = None) -> FastAPI:
    """The simulator as an ASGI app (``keys``: ``{AccessKeyId: AccessKeySecret}``)."""
    state = SimulatorState(keys=dict(keys or {"sim-key": "sim-secret"}))
    app = FastAPI(title="Dysmsapi simulator", openapi_url=None)
    app.state.sms = state

    @app.post("/")
    async def rpc(request: Request) -> JSONResponse:
        form = {k: str(v) for k, v in (await request.form()).items()}
        signature = form.pop("Signature", "")
        secret = state.keys.get(form.get("AccessKeyId", ""))
        if secret is None:
            return _error("InvalidAccessKeyId.NotFound", "Specified access key is not found.", 404)
        if not hmac.compare_digest(signature, sign("POST", form, secret)):
            return _error("SignatureDoesNotMatch", "Specified signature is not matched with our calculation.")
        if form.get("Version") != "2017-05-25" or form.get("SignatureMethod") != "HMAC-SHA1":
            return _error("InvalidVersion", "Specified parameter Version is not valid.")
        action = form.get("Action")
        if action == "SendSms":
            if state.fail_next > 0:
                state.fail_next -= 1
                return _error("isp.SYSTEM_ERROR", "isp.SYSTEM_ERROR", 500)
            try:
                params = json.loads(form.get("TemplateParam") or "{}")
            except ValueError:
                return _error("isv.INVALID_JSON_PARAM", "JSON参数不合法")
            phone = form.get("PhoneNumbers", "")
            if not (len(phone) == 11 and phone.isdigit()):
                return _error("isv.MOBILE_NUMBER_ILLEGAL", "非法手机号")
            message = SimulatedMessage(
                biz_id=f"{uuid.uuid4().int % 10**18:018d}^0",
                phone=phone,
                sign_name=form.get("SignName", ""),
                template_code=form.get("TemplateCode", ""),
                params={str(k): str(v) for k, v in params.items()},
                sent_at=datetime.now(UTC).isoformat(),
            )
            state.messages.append(message)
            return JSONResponse({"Code": "OK", "Message": "OK", "BizId": message.biz_id, "RequestId": uuid.uuid4().hex})
        if action == "QuerySendDetails":
            rows = [
                {
                    "PhoneNum": m.phone,
                    "SendStatus": m.status,
                    "ErrCode": "DELIVERED" if m.status == 3 else "MOBILE_NOT_ON_SERVICE",
                    "TemplateCode": m.template_code,
                    "ReceiveDate": datetime.fromisoformat(m.sent_at).astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S"),
                    "SendDate": datetime.fromisoformat(m.sent_at).astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S"),
                }
                for m in state.messages
                if m.biz_id == form.get("BizId") and m.phone == form.get("PhoneNumber")
            ]
            return JSONResponse(
                {
                    "Code": "OK",
                    "Message": "OK",
                    "TotalCount": len(rows),
                    "SmsSendDetailDTOs": {"SmsSendDetailDTO": rows},
                    "RequestId": uuid.uuid4().hex,
                }
            )
        return _error("InvalidAction.NotFound", "Specified api is not found.", 404)

    @app.get("/_simulator/messages")
    async def list_messages() -> list[dict[str, object]]:
        return [asdict(m) for m in state.messages]

    @app.post("/_simulator/fail-next")
    async def fail_next(count: int = 1) -> dict[str, int]:
        state.fail_next = count
        return {"fail_next": count}

    @app.post("/_simulator/undeliverable/{biz_id}")
    async def undeliverable(biz_id: str) -> dict[str, str]:
        for m in state.messages:
            if m.biz_id == biz_id:
                m.status = 2
        return {"biz_id": biz_id}

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


def main() -> None:  # pragma: no cover - process entry point
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9145)
    parser.add_argument("--access-key-id", default="sim-key")
    parser.add_argument("--access-key-secret", default="sim-secret")
    args = parser.parse_args()
    app = create_simulator_app({args.access_key_id: args.access_key_secret})
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":  # pragma: no cover
    main()
