"""Inputs of the calculators (echoed back in every answer) and the answer's shape."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from onewindow_kit.types import BoundedDate
from pydantic import BaseModel, ConfigDict, Field, model_validator

Money = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]
Hours = Annotated[Decimal, Field(ge=0, le=10000, max_digits=8, decimal_places=2)]


class _In(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")


class SeveranceInput(_In):
    """经济补偿 N (劳动合同法 第47条) or 赔偿金 2N (第87条)."""

    monthly_wage: Money = Field(description="解除前十二个月平均工资")
    start: BoundedDate = Field(description="入职日期")
    end: BoundedDate = Field(description="解除或终止日期")
    city: str | None = Field(default=None, max_length=30, description="default: the service's configured city")

    @model_validator(mode="after")
    def _order(self) -> SeveranceInput:
        if self.end < self.start:
            raise ValueError("end: 解除（终止）日期不能早于入职日期")
        return self


class DoubleWageInput(_In):
    """未签书面劳动合同的二倍工资 (劳动合同法 第82条)."""

    monthly_wage: Money
    employment_start: BoundedDate = Field(description="用工之日")
    contract_signed_on: BoundedDate | None = Field(default=None, description="书面合同签订日期（未签留空）")
    end: BoundedDate = Field(description="计算截止日（离职日或今日）")

    @model_validator(mode="after")
    def _order(self) -> DoubleWageInput:
        if self.end < self.employment_start:
            raise ValueError("end: 计算截止日期不能早于用工之日")
        return self


class OvertimeInput(_In):
    """加班费: 150% / 200% / 300% (劳动法 第44条)."""

    monthly_wage: Money
    weekday_hours: Hours = Decimal("0")
    rest_day_hours: Hours = Decimal("0")
    holiday_hours: Hours = Decimal("0")


class AnnualLeaveInput(_In):
    """未休年休假工资: extra 200% of the daily wage (职工带薪年休假条例 第5条)."""

    monthly_wage: Money
    unused_days: Annotated[Decimal, Field(ge=0, le=15, max_digits=4, decimal_places=1)]


class NoticePayInput(_In):
    """代通知金: one month's wage at the previous month's rate (劳动合同法 第40条; 实施条例 第20条)."""

    previous_month_wage: Money = Field(description="劳动者上一个月的工资")
    ground: Literal["medical_period_ended", "incompetent", "changed_circumstances"] = Field(
        description="劳动合同法 第40条 第1/2/3项"
    )
    written_notice_days: int = Field(default=0, ge=0, le=366, description="提前书面通知的天数（未通知为0）")


class FinalAwardInput(_In):
    """终局裁决: each item, for each worker, ≤ 12 × local monthly minimum wage (劳动争议调解仲裁法 第47条)."""

    category: str = Field(default="wage_arrears", max_length=40, description="请求事项类别 (claim category code)")
    worker_count: int = Field(default=1, ge=1, le=500)
    worker_amounts: list[Money] | None = Field(
        default=None, max_length=500, description="每名劳动者的该项金额 (their sum is ``amount``)"
    )
    amount: Money
    on: BoundedDate = Field(description="the date whose minimum wage applies (usually the application date)")
    city: str | None = Field(default=None, max_length=30)


class CalculationPublic(BaseModel):
    kind: str
    label_zh: str
    inputs: dict[str, Any]
    amount: Decimal | None
    basis_zh: str
    legal_basis: str
    warnings_zh: list[str]
    details: dict[str, Any]


class AverageWageIn(_In):
    """本市上年度职工月平均工资 as published, with its source (LCL 47's 3× cap)."""

    monthly: Annotated[Decimal, Field(gt=0, max_digits=14, decimal_places=2)]
    source: str = Field(min_length=4, max_length=300, description="发布文件：标题、文号、发布日期")
    published_on: BoundedDate | None = None


class AverageWagePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    city: str
    year: int
    monthly: Decimal
    source: str
    published_on: date | None
    set_by: str
    set_at: datetime
