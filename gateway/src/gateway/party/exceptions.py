"""The parties' sign-in errors."""

from __future__ import annotations

from onewindow_kit.errors import AppError


class InvalidCode(AppError):
    """Wrong, expired, spent or locked code — or a case number that is not this phone's. One
    answer for all of them, so a guess learns nothing about which part was wrong."""

    status, title, slug = 400, "Invalid code", "invalid-code"

    def __init__(self) -> None:
        super().__init__("验证码错误或已失效，或案件编号与手机号码不符")
