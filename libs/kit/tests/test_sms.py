"""The SMS kit: templates refuse personal numbers, the sender limits and masks, and the Aliyun
adapter's signed requests are accepted by the simulator (which checks the signature itself)."""

import logging
from datetime import UTC, datetime

import httpx
import pytest
from onewindow_kit.errors import BadRequest
from onewindow_kit.sms import (
    AliyunSmsProvider,
    MemoryProvider,
    NumberRateLimit,
    SmsRateLimited,
    SmsSender,
    SmsSettings,
    SmsTemplateId,
    SmsUnavailable,
    build_sms_sender,
    render,
)
from onewindow_kit.sms.aliyun import percent_encode, string_to_sign
from onewindow_kit.sms.simulator import create_simulator_app

pytestmark = pytest.mark.anyio

PHONE = "13800138000"


def test_render_fills_the_zh_cn_wording():
    text = render(SmsTemplateId.portal_sign_in_code, {"code": "123456", "minutes": "5"})
    assert text == "您的登录验证码为123456，5分钟内有效。如非本人操作，请忽略本短信。"


@pytest.mark.parametrize(
    "variables",
    [
        {"code": "123456"},  # missing
        {"code": "123456", "minutes": "5", "name": "张三"},  # extra
        {"code": "44030519900307123X", "minutes": "5"},  # an ID number
        {"code": "请拨13800138000", "minutes": "5"},  # a phone number
    ],
)
def test_render_refuses_wrong_or_personal_variables(variables):
    with pytest.raises(BadRequest):
        render(SmsTemplateId.portal_sign_in_code, variables)


def test_unknown_template_is_refused():
    with pytest.raises(BadRequest):
        render("send_everything", {})


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_sender_limits_each_number_per_minute_and_hour():
    clock = Clock()
    provider = MemoryProvider()
    sender = SmsSender(provider, limit=NumberRateLimit(per_minute=1, per_hour=3, clock=clock))
    vars_ = {"code": "111111", "minutes": "5"}
    await sender.send(SmsTemplateId.portal_sign_in_code, PHONE, vars_)
    with pytest.raises(SmsRateLimited) as refused:
        await sender.send(SmsTemplateId.portal_sign_in_code, PHONE, vars_)
    assert 0 < refused.value.retry_after <= 60
    await sender.send(SmsTemplateId.portal_sign_in_code, "13900139000", vars_)  # another number is not limited
    for _ in range(2):
        clock.now += 61
        await sender.send(SmsTemplateId.portal_sign_in_code, PHONE, vars_)
    clock.now += 61
    with pytest.raises(SmsRateLimited) as hourly:
        await sender.send(SmsTemplateId.portal_sign_in_code, PHONE, vars_)
    assert hourly.value.retry_after > 60
    clock.now += 3600
    await sender.send(SmsTemplateId.portal_sign_in_code, PHONE, vars_)
    assert len(provider.sent_to(PHONE)) == 4


async def test_sender_normalises_and_refuses_bad_numbers():
    provider = MemoryProvider()
    sender = SmsSender(provider)
    await sender.send(SmsTemplateId.portal_sign_in_code, "+86 138-0013-8000", {"code": "1", "minutes": "5"})
    assert provider.messages[0].to == PHONE
    with pytest.raises(BadRequest):
        await sender.send(SmsTemplateId.portal_sign_in_code, "12345", {"code": "1", "minutes": "5"})


async def test_logs_carry_the_masked_number_and_never_the_text(caplog):
    sender = SmsSender(MemoryProvider())
    with caplog.at_level(logging.INFO, logger="onewindow.sms"):
        await sender.send(SmsTemplateId.portal_sign_in_code, PHONE, {"code": "654321", "minutes": "5"})
    record = next(r for r in caplog.records if r.getMessage() == "sms sent")
    assert record.to == "138****8000"
    dumped = " ".join(f"{k}={v}" for k, v in record.__dict__.items())
    assert PHONE not in dumped and "654321" not in dumped


def test_string_to_sign_follows_aliyun_encoding():
    params = {"Action": "SendSms", "TemplateParam": '{"code":"1 2*~"}', "AccessKeyId": "k"}
    assert percent_encode("a b*~/") == "a%20b%2A~%2F"
    assert string_to_sign("POST", params) == (
        "POST&%2F&AccessKeyId%3Dk%26Action%3DSendSms%26TemplateParam%3D"
        "%257B%2522code%2522%253A%25221%25202%252A~%2522%257D"
    )


def _aliyun(app, secret="sim-secret") -> tuple[AliyunSmsProvider, httpx.AsyncClient]:
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sms.test")
    provider = AliyunSmsProvider(
        access_key_id="sim-key",
        access_key_secret=secret,
        sign_name="一站式调处中心",
        template_codes={"portal_sign_in_code": "SMS_100001"},
        http=http,
        endpoint="http://sms.test/",
    )
    return provider, http


async def test_aliyun_adapter_against_the_simulator_sends_and_reads_the_receipt():
    app = create_simulator_app({"sim-key": "sim-secret"})
    provider, http = _aliyun(app)
    async with http:
        sender = SmsSender(provider)
        message_id = await sender.send(SmsTemplateId.portal_sign_in_code, PHONE, {"code": "246810", "minutes": "5"})
        recorded = (await http.get("/_simulator/messages")).json()
        assert [(m["phone"], m["template_code"], m["params"], m["biz_id"]) for m in recorded] == [
            (PHONE, "SMS_100001", {"code": "246810", "minutes": "5"}, message_id)
        ]
        receipt = await sender.receipt(message_id, to=PHONE, sent_on=datetime.now(UTC))
        assert receipt.status == "delivered" and receipt.reported_at is not None
        await http.post(f"/_simulator/undeliverable/{message_id}")
        assert (await provider.receipt(message_id, to=PHONE, sent_on=datetime.now(UTC))).status == "failed"


async def test_aliyun_adapter_reports_refusals_and_outages_without_counting_them():
    app = create_simulator_app({"sim-key": "sim-secret"})
    wrong, http = _aliyun(app, secret="not-the-secret")
    async with http:
        with pytest.raises(SmsUnavailable):
            await SmsSender(wrong).send(SmsTemplateId.portal_sign_in_code, PHONE, {"code": "1", "minutes": "5"})
        right, _ = _aliyun(app)
        right.http = http
        sender = SmsSender(right)
        await http.post("/_simulator/fail-next")
        with pytest.raises(SmsUnavailable):
            await sender.send(SmsTemplateId.portal_sign_in_code, PHONE, {"code": "1", "minutes": "5"})
        # the failed attempt did not use up the number's one message a minute
        await sender.send(SmsTemplateId.portal_sign_in_code, PHONE, {"code": "2", "minutes": "5"})
        with pytest.raises(SmsUnavailable):  # no approved template code configured for this one
            await sender.send(SmsTemplateId.application_received, "13900139000", {"reference": "W1"})
        assert len((await http.get("/_simulator/messages")).json()) == 1


def test_build_sms_sender_picks_the_provider():
    assert isinstance(build_sms_sender(SmsSettings()).provider, MemoryProvider)
    with pytest.raises(ValueError):
        build_sms_sender(SmsSettings(provider="aliyun"))
    with pytest.raises(ValueError):
        build_sms_sender(SmsSettings(provider="carrier-pigeon"))
