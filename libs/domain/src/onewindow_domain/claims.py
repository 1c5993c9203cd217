"""Claim categories (请求事项类别) used at intake (DOMAIN.md §2)."""

from __future__ import annotations

from enum import StrEnum

from onewindow_domain.errors import InvalidInput

__all__ = ["ClaimCategory", "parse_claim_category"]


class ClaimCategory(StrEnum):
    """The category codes stored on a claim; ``label_zh`` is what a clerk sees."""

    WAGE_ARREARS = "wage_arrears"
    OVERTIME = "overtime"
    SEVERANCE = "severance"
    UNLAWFUL_TERMINATION = "unlawful_termination"
    NO_CONTRACT_DOUBLE_WAGE = "no_contract_double_wage"
    NOTICE_PAY = "notice_pay"
    ANNUAL_LEAVE = "annual_leave"
    SOCIAL_INSURANCE = "social_insurance"
    WORK_INJURY = "work_injury"
    CONFIRM_RELATIONSHIP = "confirm_relationship"
    # Interest disputes (利益争议, 劳动法 84): go to negotiation / tripartite coordination, not arbitration.
    RAISE_DEMAND = "raise_demand"
    COLLECTIVE_CONTRACT = "collective_contract"
    OTHER = "other"

    @property
    def is_interest(self) -> bool:
        """True for interest-dispute categories (a demand for new terms, not an existing right)."""
        return self in (ClaimCategory.RAISE_DEMAND, ClaimCategory.COLLECTIVE_CONTRACT)

    @property
    def is_monetary(self) -> bool:
        """True for claims of money that LDMAL 47 final-award scope can cover."""
        return self not in (
            ClaimCategory.CONFIRM_RELATIONSHIP,
            ClaimCategory.RAISE_DEMAND,
            ClaimCategory.COLLECTIVE_CONTRACT,
            ClaimCategory.SOCIAL_INSURANCE,
        )

    @property
    def label_zh(self) -> str:
        """The Chinese name of the category."""
        return _LABELS[self]


_LABELS = {
    ClaimCategory.WAGE_ARREARS: "拖欠工资",
    ClaimCategory.OVERTIME: "加班费",
    ClaimCategory.SEVERANCE: "经济补偿金",
    ClaimCategory.UNLAWFUL_TERMINATION: "违法解除赔偿金",
    ClaimCategory.NO_CONTRACT_DOUBLE_WAGE: "未签合同二倍工资",
    ClaimCategory.NOTICE_PAY: "代通知金",
    ClaimCategory.ANNUAL_LEAVE: "未休年休假工资",
    ClaimCategory.SOCIAL_INSURANCE: "社会保险",
    ClaimCategory.WORK_INJURY: "工伤待遇",
    ClaimCategory.CONFIRM_RELATIONSHIP: "确认劳动关系",
    ClaimCategory.RAISE_DEMAND: "增加工资等诉求（利益争议）",
    ClaimCategory.COLLECTIVE_CONTRACT: "集体合同签订（利益争议）",
    ClaimCategory.OTHER: "其他",
}


def parse_claim_category(value: str | ClaimCategory) -> ClaimCategory:
    """The category for a code, or raise ``InvalidInput`` naming the known codes."""
    try:
        return ClaimCategory(value)
    except ValueError:
        known = "、".join(c.value for c in ClaimCategory)
        raise InvalidInput("claim_category.unknown", f"未知的请求事项类别“{value}”，可选：{known}") from None
