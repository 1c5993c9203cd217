"""Small pieces the kit's pure-ASGI middlewares share (metrics, tracing)."""

from __future__ import annotations

from collections.abc import Callable

from starlette.types import Message, Scope, Send


class StatusWatch:
    """An ASGI ``send`` that passes every message on and remembers the response's status: 500
    until a response starts (an app that raised sent none)."""

    def __init__(self, send: Send) -> None:
        self.send = send
        self.status = 500

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
        await self.send(message)


def route_template(scope: Scope, fallback: Callable[[str], str]) -> str:
    """The matched route's path template (``/cases/{case_id}``: no ids), once routing has run;
    ``fallback(raw path)`` where no route matched."""
    route = scope.get("route")
    return getattr(route, "path", None) or fallback(scope.get("path", ""))
