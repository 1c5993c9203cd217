from __future__ import annotations

from datetime import datetime

from onewindow_kit.types import PatchModel
from pydantic import BaseModel, ConfigDict, Field, field_validator

CENTER_ID = r"^[a-z][a-z0-9-]{1,39}$"


def _check_case_no_format(value: str) -> str:
    try:
        sample = value.format(short_name="福田", year=2026, seq=1)
    except (KeyError, IndexError, ValueError) as exc:
        raise ValueError("may only use {short_name}, {year} and {seq}") from exc
    if "{seq" not in value or "{year" not in value:
        raise ValueError("must contain {year} and {seq} so numbers are unique per year")
    if len(sample) > 60:
        raise ValueError("produces case numbers longer than 60 characters")
    return value


class CenterCreate(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    id: str = Field(pattern=CENTER_ID, description="Stable slug, e.g. `futian`.")
    name: str = Field(min_length=2, max_length=100, description="e.g. 福田区劳动纠纷一站式治理中心")
    short_name: str = Field(min_length=1, max_length=20, description="Used in case numbers, e.g. 福田")
    district: str = Field(min_length=2, max_length=60)
    case_no_format: str = Field(default="{short_name}一窗〔{year}〕{seq:05d}号", max_length=80)

    _format = field_validator("case_no_format")(_check_case_no_format)


class CenterUpdate(PatchModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    name: str | None = Field(default=None, min_length=2, max_length=100)
    short_name: str | None = Field(default=None, min_length=1, max_length=20)
    district: str | None = Field(default=None, min_length=2, max_length=60)
    case_no_format: str | None = Field(default=None, max_length=80)
    active: bool | None = None

    @field_validator("case_no_format")
    @classmethod
    def _fmt(cls, value: str | None) -> str | None:
        return None if value is None else _check_case_no_format(value)


class CenterPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    short_name: str
    district: str
    case_no_format: str
    active: bool
    created_at: datetime
    updated_at: datetime
