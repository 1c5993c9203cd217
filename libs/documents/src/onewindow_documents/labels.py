"""The Chinese words the templates' data needs from codes (one place for the wording, like the templates)."""

from __future__ import annotations

CLAIM_ZH = {
    "wage_arrears": "拖欠工资",
    "overtime": "加班费",
    "severance": "经济补偿金",
    "unlawful_termination": "违法解除赔偿金",
    "no_contract_double_wage": "未签合同二倍工资",
    "notice_pay": "代通知金",
    "annual_leave": "未休年休假工资",
    "social_insurance": "社会保险",
    "work_injury": "工伤待遇",
    "confirm_relationship": "确认劳动关系",
    "other": "其他",
}


def claim_zh(category: str) -> str:
    """A claim category's Chinese name (the code itself when it has none)."""
    return CLAIM_ZH.get(category, category)
