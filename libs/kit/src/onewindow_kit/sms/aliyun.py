"""Adapter for Aliyun's 短信服务 (Dysmsapi 2017-05-25), RPC style with signature version 1.0.

Request (``POST https://dysmsapi.aliyuncs.com/``, form-encoded): the common parameters
``AccessKeyId, Action, Format=JSON, RegionId, SignatureMethod=HMAC-SHA1, SignatureNonce,
SignatureVersion=1.0, Timestamp (UTC, 2026-12-02T01:02:03Z), Version=2017-05-25`` plus the
action's own (``SendSms``: ``PhoneNumbers, SignName, TemplateCode, TemplateParam`` as JSON;
``QuerySendDetails``: ``PhoneNumber, BizId, SendDate (yyyyMMdd), PageSize, CurrentPage``).

Signature: sort the parameters by name, percent-encode names and values (RFC 3986: space ``%20``,
``*`` ``%2A``, ``~`` kept), join as ``k=v&…``; ``StringToSign = "POST&%2F&" + encode(joined)``;
``Signature = base64(HMAC-SHA1(AccessKeySecret + "&", StringToSign))``, sent as a parameter.
An answer with ``Code: "OK"`` carries ``BizId`` (the message id); anything else is a refusal
(``isv.BUSINESS_LIMIT_CONTROL`` is Aliyun's own per-number limit).

``onewindow_kit.sms.simulator`` speaks the same protocol and checks the signature, so this
adapter is exercised end to end without the real service.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from urllib.parse import quote
from zoneinfo import ZoneInfo

import httpx

from onewindow_kit.sms.provider import DeliveryReceipt, OutgoingSms, SmsUnavailable
from onewindow_kit.sms.templates import SmsTemplateId

API_VERSION = "2017-05-25"
DEFAULT_ENDPOINT = "https://dysmsapi.aliyuncs.com/"


def percent_encode(value: str) -> str:
    """Aliyun's POP encoding: RFC 3986 unreserved characters kept, everything else ``%XX``."""
    return quote(value, safe="-_.~")


def string_to_sign(method: str, params: Mapping[str, str]) -> str:
    canonical = "&".join(f"{percent_encode(k)}={percent_encode(params[k])}" for k in sorted(params))
    return f"{method.upper()}&{percent_encode('/')}&{percent_encode(canonical)}"


def sign(method: str, params: Mapping[str, str], access_key_secret: str) -> str:
    """The ``Signature`` parameter of a request with these (unsigned) parameters."""
    digest = hmac.new(f"{access_key_secret}&".encode(), string_to_sign(method, params).encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class AliyunSmsProvider:
    """``SmsProvider`` for Dysmsapi; ``template_codes`` maps our template ids to approved ``SMS_…`` codes."""

    name = "aliyun"

    def __init__(
        self,
        *,
        access_key_id: str,
        access_key_secret: str,
        sign_name: str,
        template_codes: Mapping[str, str],
        http: httpx.AsyncClient,
        endpoint: str = DEFAULT_ENDPOINT,
        region_id: str = "cn-hangzhou",
    ) -> None:
        self.access_key_id = access_key_id
        self.access_key_secret = access_key_secret
        self.sign_name = sign_name
        self.template_codes = dict(template_codes)
        self.http = http
        self.endpoint = endpoint
        self.region_id = region_id

    def signed_params(self, action: str, params: Mapping[str, str], *, now: datetime | None = None) -> dict[str, str]:
        """The complete, signed form of one call."""
        all_params = {
            "AccessKeyId": self.access_key_id,
            "Action": action,
            "Format": "JSON",
            "RegionId": self.region_id,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "Timestamp": (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": API_VERSION,
            **params,
        }
        all_params["Signature"] = sign("POST", all_params, self.access_key_secret)
        return all_params

    async def _call(self, action: str, params: Mapping[str, str]) -> dict[str, object]:
        try:
            response = await self.http.post(self.endpoint, data=self.signed_params(action, params), timeout=10.0)
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise SmsUnavailable("短信服务暂不可用") from exc
        if not isinstance(body, dict) or body.get("Code") != "OK":
            code = body.get("Code") if isinstance(body, dict) else None
            raise SmsUnavailable("短信服务拒绝了请求", extra={"provider_code": str(code)})
        return body

    async def send(self, message: OutgoingSms) -> str:
        code = self.template_codes.get(str(message.template))
        if not code:
            raise SmsUnavailable(f"短信模板 {message.template} 未在阿里云配置模板编号")
        body = await self._call(
            "SendSms",
            {
                "PhoneNumbers": message.to,
                "SignName": self.sign_name,
                "TemplateCode": code,
                "TemplateParam": json.dumps(message.variables, ensure_ascii=False, separators=(",", ":")),
            },
        )
        return str(body["BizId"])

    async def receipt(self, message_id: str, *, to: str, sent_on: datetime) -> DeliveryReceipt:
        body = await self._call(
            "QuerySendDetails",
            {
                "PhoneNumber": to,
                "BizId": message_id,
                "SendDate": sent_on.astimezone(UTC).strftime("%Y%m%d"),
                "PageSize": "10",
                "CurrentPage": "1",
            },
        )
        details = body.get("SmsSendDetailDTOs")
        rows = details.get("SmsSendDetailDTO", []) if isinstance(details, dict) else []
        row = rows[0] if isinstance(rows, list) and rows else None
        if not isinstance(row, dict):
            return DeliveryReceipt(message_id, "pending")
        # SendStatus: 1 waiting for the receipt, 2 failed, 3 delivered.
        status = {3: "delivered", 2: "failed"}.get(int(row.get("SendStatus", 1)), "pending")
        received = row.get("ReceiveDate")
        # Aliyun reports Beijing time.
        beijing = ZoneInfo("Asia/Shanghai")
        reported = datetime.strptime(received, "%Y-%m-%d %H:%M:%S").replace(tzinfo=beijing) if received else None
        return DeliveryReceipt(message_id, status, reported, row.get("ErrCode") if status == "failed" else None)  # type: ignore[arg-type]


__all__ = ["AliyunSmsProvider", "SmsTemplateId", "percent_encode", "sign", "string_to_sign"]
