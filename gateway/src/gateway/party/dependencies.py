"""Typed dependencies of the party sign-in: the SMS sender and the HTTP client to intake."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from onewindow_kit.sms import SmsSender


def get_sms(request: Request) -> SmsSender:
    sender: SmsSender = request.app.state.sms
    return sender


SmsDep = Annotated[SmsSender, Depends(get_sms)]
