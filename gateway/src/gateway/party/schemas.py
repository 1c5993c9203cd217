"""Shapes of the parties' sign-in (phone + SMS code) and of SMS-code confirmations."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class CodePurpose(StrEnum):
    sign_in = "sign_in"  # 登录 / 查询进度
    confirm = "confirm"  # 确认调解协议等 (needs a party token)


class CodeRequest(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    phone: str = Field(min_length=11, max_length=20, description="手机号码")


class CodeSent(BaseModel):
    """The same answer for every well-formed number, whether or not it is a party of a case."""

    challenge_id: str
    expires_in: int
    resend_after: int


class PartySignIn(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    phone: str = Field(min_length=11, max_length=20)
    challenge_id: str = Field(min_length=32, max_length=32)
    code: str = Field(min_length=4, max_length=8, pattern=r"^\d+$")
    case_number: str | None = Field(
        default=None, max_length=60, description="查询进度: the case must be one of this phone's cases"
    )


class PartyCase(BaseModel):
    case_id: str
    case_no: str
    side: Literal["applicant", "respondent"]


class PartyToken(BaseModel):
    access_token: str
    token_type: str = "Bearer"
    expires_in: int
    phone_masked: str
    cases: list[PartyCase]


class ConfirmRequest(BaseModel):
    """Confirm an object (an agreement) whose content has this digest, with a fresh code."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    phone: str = Field(min_length=11, max_length=20)
    challenge_id: str = Field(min_length=32, max_length=32)
    code: str = Field(min_length=4, max_length=8, pattern=r"^\d+$")
    object: str = Field(min_length=3, max_length=100, pattern=r"^[a-z_]+:[0-9a-f]{8,64}$", description="agreement:<id>")
    digest: str = Field(pattern=r"^sha256:[0-9a-f]{64}$")


class Confirmation(BaseModel):
    """A signed statement "this phone confirmed this digest at this time", for the owning service."""

    confirmation_token: str
    expires_in: int
    confirmed_at: int
