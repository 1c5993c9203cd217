"""Checks on every request's raw input, applied once per app rather than per schema.

- :func:`reject_control_characters` (an app-wide dependency): NUL and other control characters
  in a path parameter, a query parameter or any string of a JSON or form body are a 422 naming
  the field. PostgreSQL cannot store NUL in text at all (it failed as a 500), and no name, fact or
  case number a person types contains a control character. Tab, line feed and carriage return
  are text (facts have paragraphs) and pass; lone surrogates (only reachable through ``\\ud800``
  escapes) cannot be encoded as UTF-8 and are refused too. Decided once: refused, never stripped
  (stripping would change a case number behind the caller's back).
- :class:`BodyLimitMiddleware`: a body larger than the limit is a 413 problem+json before any of
  it is parsed, so a service holds without the gateway in front of it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import parse_qsl

from fastapi import HTTPException, Request
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from onewindow_kit.errors import ValidationFailed, problem_response
from onewindow_kit.openapi import declares

CONTROL_MESSAGE = "不能包含控制字符"
# C0 controls except tab, LF and CR; DEL; C1 controls; surrogates.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# A JSON text can carry a control character only as an escape (\u0000, \b, \f) or, for DEL and
# C1, as raw UTF-8; a body with none of these is not parsed a second time.
_MAYBE_CONTROL = re.compile(rb"\\[ubf]|\x7f|\xc2[\x80-\x9f]")


def _bad(text: str) -> bool:
    return _CONTROL.search(text) is not None


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path or "body", value
    elif isinstance(value, dict):
        for key, item in value.items():
            key = str(key)
            child = f"{path}.{key}" if path else key
            yield child, key
            yield from _strings(item, child)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}[{index}]")


@declares(ValidationFailed)
async def reject_control_characters(request: Request) -> None:
    """422 naming the first path parameter, query parameter or body field with a control character."""
    for name, value in request.path_params.items():
        if isinstance(value, str) and _bad(value):
            raise ValidationFailed.field(name, CONTROL_MESSAGE)
    for name, value in request.query_params.multi_items():
        if _bad(name) or _bad(value):
            raise ValidationFailed.field(name if not _bad(name) else "query", CONTROL_MESSAGE)
    if request.method in ("GET", "HEAD", "OPTIONS", "DELETE"):
        return
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/x-www-form-urlencoded":
        body = await request.body()
        for name, value in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
            if _bad(name) or _bad(value):
                raise ValidationFailed.field(name if not _bad(name) else "body", CONTROL_MESSAGE)
        return
    if not (content_type == "application/json" or content_type.endswith("+json")):
        return
    body = await request.body()
    if not body or _MAYBE_CONTROL.search(body) is None:
        return
    try:
        data = json.loads(body)
    except ValueError:
        return  # malformed JSON: the body parser answers 422 json_invalid
    for field, text in _strings(data, ""):
        if _bad(text):
            raise ValidationFailed.field(field, CONTROL_MESSAGE)


class BodyLimitMiddleware:
    """413 problem+json for a request body over ``max_body_bytes`` (declared or streamed).

    ``overrides`` ({path regex: limit}) lets named upload routes (POST/PUT only) take larger bodies
    without raising the limit of every other route; the route still enforces its own exact limit.
    """

    def __init__(self, app: ASGIApp, *, max_body_bytes: int, overrides: Mapping[str, int] | None = None) -> None:
        self.app = app
        self.max_body = max_body_bytes
        self.overrides = [(re.compile(pattern), limit) for pattern, limit in (overrides or {}).items()]

    def limit_for(self, scope: Scope) -> int:
        if self.overrides and scope.get("method") in ("POST", "PUT"):
            for pattern, limit in self.overrides:
                if pattern.fullmatch(scope["path"]):
                    return limit
        return self.max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope)
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = -1
                if declared > limit:
                    await self._too_large(limit, scope, receive, send)
                    return
        # No (honest) length: count what arrives and stop at the limit.
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _BodyTooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _BodyTooLarge:
            if started:
                raise
            await self._too_large(limit, scope, receive, send)

    async def _too_large(self, limit: int, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem_response(
            413,
            "Payload too large",
            f"请求体不能超过{limit}字节",
            slug="payload-too-large",
            headers={"Connection": "close"},
        )
        await response(scope, receive, send)


class _BodyTooLarge(HTTPException):
    """Raised from ``receive`` when a streamed body passes the limit. An ``HTTPException``, because
    FastAPI turns any other exception raised while reading a body into a 400; the kit's handler
    renders it as the same 413 problem."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"请求体不能超过{limit}字节", headers={"Connection": "close"})


def allowed_methods(request: Request) -> list[str]:
    """Every method some route of the app accepts at this path. Starlette's 405 lists only the
    methods of the first route whose path matched (``GET /centers/{id}`` hides ``PATCH``), which
    contradicts the OpenAPI document."""
    methods = []
    for method in ("DELETE", "GET", "HEAD", "PATCH", "POST", "PUT"):
        scope = {**request.scope, "method": method}
        if any(route.matches(scope)[0] == Match.FULL for route in request.app.router.routes):
            methods.append(method)
    return methods
