"""Every text message OneWindow sends, in one place, in zh-CN.

A template id names what the message is for (``portal_sign_in_code``), never whom it is for: ids,
variable names and values are checked so that no 公民身份号码 or phone number travels in an SMS
(DOMAIN.md §9). A provider maps the id to its own approved template code (Aliyun's ``SMS_…``,
Tencent's numeric id) in settings; the wording here is what the provider's template must say.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from string import Template

from onewindow_kit.errors import BadRequest


class SmsTemplateId(StrEnum):
    portal_sign_in_code = "portal_sign_in_code"  # 当事人登录验证码
    portal_confirm_code = "portal_confirm_code"  # 确认协议/操作的验证码
    application_received = "application_received"  # 网上申请已收到
    application_returned = "application_returned"  # 网上申请被退回
    application_registered = "application_registered"  # 网上申请已登记为案件
    session_proposed = "session_proposed"  # 调解会议时间待确认
    document_ready = "document_ready"  # 有新的文书可查看
    # Notices from the window to the parties (issue 14): registration, sessions, instalments, service.
    case_registered = "case_registered"  # 窗口登记受理
    session_notice = "session_notice"  # 调解会通知
    instalment_reminder = "instalment_reminder"  # 调解协议款项逾期提醒
    document_served = "document_served"  # 文书短信送达（附查看链接）


@dataclass(frozen=True, slots=True)
class SmsTemplate:
    id: SmsTemplateId
    text: str  # ``string.Template`` wording; ``${name}`` placeholders, as Aliyun and Tencent write them
    variables: frozenset[str]
    max_value_length: int = 20  # Aliyun's limit per variable for verification-code templates


TEMPLATES: dict[SmsTemplateId, SmsTemplate] = {
    t.id: t
    for t in (
        SmsTemplate(
            SmsTemplateId.portal_sign_in_code,
            "您的登录验证码为${code}，${minutes}分钟内有效。如非本人操作，请忽略本短信。",
            frozenset({"code", "minutes"}),
        ),
        SmsTemplate(
            SmsTemplateId.portal_confirm_code,
            "您正在确认${action}，验证码为${code}，${minutes}分钟内有效，请勿告知他人。",
            frozenset({"action", "code", "minutes"}),
        ),
        SmsTemplate(
            SmsTemplateId.application_received,
            "您的调解申请（编号${reference}）已提交，工作人员审核后将通知您。",
            frozenset({"reference"}),
        ),
        SmsTemplate(
            SmsTemplateId.application_returned,
            "您的调解申请（编号${reference}）需要补正，请登录查看退回原因。",
            frozenset({"reference"}),
        ),
        SmsTemplate(
            SmsTemplateId.application_registered,
            "您的调解申请已登记，案件编号${case_number}，可凭编号查询办理进度。",
            frozenset({"case_number"}),
            max_value_length=40,
        ),
        SmsTemplate(
            SmsTemplateId.session_proposed,
            "案件${case_number}的调解会议拟定于${when}，请登录确认或申请改期。",
            frozenset({"case_number", "when"}),
            max_value_length=40,
        ),
        SmsTemplate(
            SmsTemplateId.document_ready,
            "案件${case_number}有新的文书（${document}），请登录查看。",
            frozenset({"case_number", "document"}),
            max_value_length=40,
        ),
        SmsTemplate(
            SmsTemplateId.case_registered,
            "您的劳动争议已登记受理，案件编号${case_number}，请留意后续通知。",
            frozenset({"case_number"}),
            max_value_length=40,
        ),
        SmsTemplate(
            SmsTemplateId.session_notice,
            "案件${case_number}的调解会定于${when}（${place}）举行，请准时参加。",
            frozenset({"case_number", "when", "place"}),
            max_value_length=40,
        ),
        SmsTemplate(
            SmsTemplateId.instalment_reminder,
            "案件${case_number}调解协议约定的第${position}期款项应于${due_on}支付，尚未履行，可联系调解员。",
            frozenset({"case_number", "position", "due_on"}),
            max_value_length=40,
        ),
        SmsTemplate(
            SmsTemplateId.document_served,
            "案件${case_number}的《${document}》已向您送达，请点击查看：${link}",
            frozenset({"case_number", "document", "link"}),
            max_value_length=100,
        ),
    )
}

# What must never be a variable's value: an ID number or a mobile number (anywhere in the value).
_ID_NUMBER = re.compile(r"\d{17}[0-9Xx]|\d{15}")
_MOBILE = re.compile(r"1[3-9]\d{9}")


def render(template_id: SmsTemplateId | str, variables: dict[str, str]) -> str:
    """The message text; refuses unknown templates, missing or extra variables and personal numbers."""
    try:
        template = TEMPLATES[SmsTemplateId(template_id)]
    except ValueError as exc:
        raise BadRequest("未知的短信模板", errors=[{"field": "template", "message": "未知的短信模板"}]) from exc
    given = set(variables)
    if given != template.variables:
        raise BadRequest(
            "短信模板变量不符",
            errors=[{"field": "variables", "message": f"应为 {sorted(template.variables)}"}],
        )
    for name, value in variables.items():
        if not isinstance(value, str) or len(value) > template.max_value_length:
            raise BadRequest("短信变量过长", errors=[{"field": f"variables.{name}", "message": "过长或不是文字"}])
        if _ID_NUMBER.search(value) or _MOBILE.search(value):
            raise BadRequest(
                "短信中不得包含身份证号码或手机号码",
                errors=[{"field": f"variables.{name}", "message": "不得包含身份证号码或手机号码"}],
            )
    return Template(template.text).substitute(variables)
