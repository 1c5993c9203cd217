"""Input types every service shares: dates and instants within a plausible range, PATCH bodies.

A date of 0001-01-01 or 9999-12-31 is never a real labour dispute's date, and letting one through
ends in an ``OverflowError`` (a deadline computed past year 9999, a UTC conversion before year 1)
or a deadline in the year 2100 sent to a partner. So every date or instant a caller sends is
checked once, at the edge, against one domain-wide range (:data:`MIN_DATE` .. :data:`MAX_DATE`)
and answered with a 422 naming the field. Dates the services compute and return are plain
``date``/``datetime``: only input is bounded.

Numbers are not dates: pydantic would read ``-2.2e-309`` as a Unix timestamp; these types accept
only ``YYYY-MM-DD`` (dates) and RFC 3339 text (instants).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, model_validator

MIN_DATE = date(1950, 1, 1)
MAX_DATE = date(2100, 12, 31)

_DATE_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?([Zz]|[+-]\d{2}:?\d{2})?")
_RANGE_MESSAGE = f"日期应在{MIN_DATE.isoformat()}至{MAX_DATE.isoformat()}之间"


def _date_shape(value: Any) -> Any:
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _DATE_TEXT.fullmatch(value):
        return value
    raise ValueError("日期格式应为YYYY-MM-DD")


def _datetime_shape(value: Any) -> Any:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and _DATETIME_TEXT.fullmatch(value):
        return value
    raise ValueError("时间格式应为RFC 3339，如2026-12-01T09:30:00+08:00")


def _date_in_range(value: date) -> date:
    if not MIN_DATE <= value <= MAX_DATE:
        raise ValueError(_RANGE_MESSAGE)
    return value


def _datetime_in_range(value: datetime) -> datetime:
    # The wall-clock date is compared, not the UTC one: converting 0001-01-01T00:00+14:00 to UTC
    # is exactly the overflow this type exists to prevent.
    if not MIN_DATE <= value.date() <= MAX_DATE:
        raise ValueError(_RANGE_MESSAGE)
    return value


BoundedDate = Annotated[
    date,
    BeforeValidator(_date_shape),
    AfterValidator(_date_in_range),
    Field(json_schema_extra={"x-minimum": MIN_DATE.isoformat(), "x-maximum": MAX_DATE.isoformat()}),
]
"""A calendar date from a caller, within :data:`MIN_DATE` .. :data:`MAX_DATE`."""

BoundedDateTime = Annotated[
    datetime,
    BeforeValidator(_datetime_shape),
    AfterValidator(_datetime_in_range),
    Field(json_schema_extra={"x-minimum": MIN_DATE.isoformat(), "x-maximum": MAX_DATE.isoformat()}),
]
"""An instant from a caller (RFC 3339) whose date lies within :data:`MIN_DATE` .. :data:`MAX_DATE`."""


_AMOUNT_SEPARATORS = re.compile(r"(?<=\d)[,\s](?=\d{3}(\D|$))")


def _amount_text(value: Any) -> Any:
    """A typed amount as the service reads it: full-width digits and point (１２０００．５０, from a
    Chinese input method) normalised (NFKC), thousands separators (12,000) and a trailing 元 dropped."""
    if not isinstance(value, str):
        return value
    text = unicodedata.normalize("NFKC", value).strip().removesuffix("元").strip()
    return _AMOUNT_SEPARATORS.sub("", text)


# Money a person typed: a non-negative Decimal in yuan, two decimal places at most (issue 18).
Amount = Annotated[Decimal, BeforeValidator(_amount_text), Field(ge=0, max_digits=14, decimal_places=2)]


class PatchModel(BaseModel):
    """Base of PATCH bodies: an absent field stays as it is; ``null`` clears a field only if the
    field is listed in ``nullable``; for any other field an explicit ``null`` is a 422 naming it
    (instead of a NOT NULL violation in the database)."""

    nullable: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _null_only_where_nullable(self) -> PatchModel:
        for name in sorted(self.model_fields_set):
            if getattr(self, name) is None and name not in self.nullable:
                raise ValueError(f"{name}: 不能为空（不修改请省略该字段）")
        return self
