"""The city average wage behind severance's 3× cap (LCL 47): a dated, sourced figure an administrator sets."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from onewindow_kit.db import UtcDateTime, utcnow
from sqlalchemy import Numeric
from sqlmodel import Field, SQLModel


class AverageWageFigure(SQLModel, table=True):
    """本市上年度职工月平均工资 of one city and year, with the document that published it."""

    __tablename__ = "average_wage_figure"

    city: str = Field(primary_key=True, max_length=30)  # the wage table's city key (e.g. shenzhen)
    year: int = Field(primary_key=True)
    monthly: Decimal = Field(sa_type=Numeric(14, 2))
    source: str = Field(max_length=300)  # title, number and date of the published figure
    published_on: date | None = None
    set_by: str = Field(max_length=64)
    set_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
