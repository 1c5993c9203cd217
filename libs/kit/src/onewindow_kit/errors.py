"""One error hierarchy, rendered as ``application/problem+json`` (RFC 9457) in one place.

Service code raises these; routes never build error responses by hand. FastAPI's default 422 body
is replaced by a problem with ``errors: [{"field": "applicants[0].id_number", "message": …}]``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from onewindow_kit.requestid import current_request_id

log = logging.getLogger("onewindow.errors")

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://onewindow.example.cn/problems/"


class AppError(Exception):
    """Base of every error the services raise on purpose."""

    status: int = 500
    title: str = "Internal error"
    slug: str = "internal"

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: Sequence[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.errors = list(errors) if errors else None
        self.headers = headers or {}
        self.extra = extra or {}


class BadRequest(AppError):
    status, title, slug = 400, "Bad request", "bad-request"


class Unauthorized(AppError):
    status, title, slug = 401, "Unauthorized", "unauthorized"

    def __init__(self, detail: str | None = None, **kw: Any) -> None:
        kw.setdefault("headers", {"WWW-Authenticate": 'Bearer error="invalid_token"'})
        super().__init__(detail, **kw)


class Forbidden(AppError):
    status, title, slug = 403, "Forbidden", "forbidden"


class NotFound(AppError):
    status, title, slug = 404, "Not found", "not-found"


class Conflict(AppError):
    """The base of every 409. Raise one of its kinds, each with its own problem ``type``."""

    status, title, slug = 409, "Conflict", "conflict"


class StateConflict(Conflict):
    """The object's current state does not allow the action (``current_status``, ``allowed``)."""

    title, slug = "Not allowed in the current state", "state-conflict"


class AlreadyExists(Conflict):
    """The object (or the one application, transfer, review… a case may have) exists already."""

    title, slug = "Already exists", "already-exists"


class EditConflict(Conflict):
    """Someone else changed the object meanwhile; reload it and try again."""

    title, slug = "Changed meanwhile", "edit-conflict"


class RequestInProgress(Conflict):
    """A request with the same ``Idempotency-Key`` is still being processed (``Retry-After``)."""

    title, slug = "Request still in progress", "request-in-progress"


class PreconditionFailed(AppError):
    """``If-Match`` names a version that is no longer current."""

    status, title, slug = 412, "Precondition failed", "precondition-failed"


class PreconditionRequired(AppError):
    """The change needs ``If-Match`` with the version the client read."""

    status, title, slug = 428, "Precondition required", "precondition-required"


class PayloadTooLarge(AppError):
    status, title, slug = 413, "Payload too large", "payload-too-large"


class UnsupportedMediaType(AppError):
    """The content is of a type this operation does not take (uploads name the detected type)."""

    status, title, slug = 415, "Unsupported media type", "unsupported-media-type"


class ValidationFailed(AppError):
    status, title, slug = 422, "Validation failed", "validation"

    @classmethod
    def field(cls, field: str, message: str) -> ValidationFailed:
        return cls(f"{field}: {message}", errors=[{"field": field, "message": message}])


class TooManyRequests(AppError):
    status, title, slug = 429, "Too many requests", "rate-limited"

    def __init__(self, detail: str | None = None, *, retry_after: int = 1, **kw: Any) -> None:
        kw.setdefault("headers", {"Retry-After": str(max(1, int(retry_after)))})
        super().__init__(detail, **kw)


class UpstreamUnavailable(AppError):
    status, title, slug = 503, "Service unavailable", "upstream-unavailable"


def problem_body(
    status: int,
    title: str,
    detail: str | None = None,
    *,
    slug: str | None = None,
    errors: Iterable[dict[str, str]] | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": TYPE_BASE + (slug or str(status)),
        "title": title,
        "status": status,
    }
    if detail:
        body["detail"] = detail
    if errors is not None:
        body["errors"] = list(errors)
    request_id = current_request_id()
    if request_id:
        body["request_id"] = request_id
    if extra:
        body.update(extra)
    return body


def problem_response(
    status: int,
    title: str,
    detail: str | None = None,
    *,
    slug: str | None = None,
    errors: Iterable[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> JSONResponse:
    return JSONResponse(
        problem_body(status, title, detail, slug=slug, errors=errors, extra=extra),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def field_path(loc: Sequence[str | int]) -> str:
    """``("body", "applicants", 0, "id_number")`` -> ``applicants[0].id_number``."""
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header", "cookie", "form"):
        parts = parts[1:]
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in ("function-after", "function-before", "function-wrap", "function-plain"):
            continue
        else:
            out += ("." if out else "") + str(part)
    return out or "body"


def validation_errors(errors: Iterable[Mapping[str, Any]]) -> list[dict[str, str]]:
    """Pydantic error dicts -> ``[{"field", "message"}]``, without echoing the input value."""
    out = []
    for err in errors:
        loc = tuple(err.get("loc", ()))
        message = err.get("msg", "invalid")
        if message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        # A model-level validator names the field it is about as "field: message"; attach it to
        # the model's location so the form can show it next to that field.
        named = _NAMED_FIELD.match(message)
        if named:
            inner = field_path(loc)
            field = named.group(1) if inner == "body" else f"{inner}.{named.group(1)}"
            out.append({"field": field, "message": named.group(2)})
            continue
        out.append({"field": field_path(loc), "message": _message_zh(err) or message})
    return out


# Pydantic's own messages are English; clerks read these next to the field, so the common ones
# are given in Simplified Chinese (the English stays in the logs of whoever needs it).
_ZH = {
    "missing": "必填",
    "extra_forbidden": "不允许的字段",
    "string_too_short": "至少{min_length}个字符",
    "string_too_long": "不能超过{max_length}个字符",
    "string_pattern_mismatch": "格式不正确",
    "string_type": "应为文本",
    "too_short": "至少{min_length}项",
    "too_long": "最多{max_length}项",
    "greater_than_equal": "不能小于{ge}",
    "greater_than": "必须大于{gt}",
    "less_than_equal": "不能大于{le}",
    "less_than": "必须小于{lt}",
    "decimal_parsing": "应为数字",
    "decimal_type": '应为数字（金额请用字符串，如"12000.00"）',
    "decimal_max_places": "最多{decimal_places}位小数",
    "decimal_max_digits": "最多{max_digits}位数字",
    "decimal_whole_digits": "整数部分位数过多",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "bool_parsing": "应为是/否",
    "bool_type": "应为是/否",
    "date_parsing": "日期格式应为YYYY-MM-DD",
    "date_from_datetime_parsing": "日期格式应为YYYY-MM-DD",
    "date_type": "日期格式应为YYYY-MM-DD",
    "datetime_parsing": "时间格式应为RFC 3339",
    "datetime_from_date_parsing": "时间格式应为RFC 3339",
    "enum": "取值无效，可选：{expected}",
    "literal_error": "取值无效，可选：{expected}",
    "uuid_parsing": "应为UUID",
    "model_type": "应为对象",
    "dict_type": "应为对象",
    "list_type": "应为数组",
    "json_invalid": "JSON格式错误",
}


def _message_zh(err: Mapping[str, Any]) -> str | None:
    template = _ZH.get(err.get("type", ""))
    if template is None:
        return None
    try:
        return template.format(**(err.get("ctx") or {}))
    except (KeyError, IndexError):
        return template.split("{")[0].rstrip("：，") or None


_NAMED_FIELD = re.compile(r"^([a-z_][a-z0-9_]*(?:\[\d+\])?(?:\.[a-z_][a-z0-9_]*(?:\[\d+\])?)*): (.+)$", re.S)


def _allow_header(request: Request, exc: StarletteHTTPException) -> dict[str, str] | None:
    headers = dict(getattr(exc, "headers", None) or {})
    if exc.status_code == 405:
        from onewindow_kit.inputs import allowed_methods  # inputs imports this module

        methods = allowed_methods(request)
        if methods:
            headers["Allow"] = ", ".join(methods)
    return headers or None


def install_error_handlers(app: FastAPI) -> None:
    """Render every error as problem+json. Unexpected exceptions are logged with a traceback."""

    @app.exception_handler(AppError)
    async def _app_error(_request: Request, exc: AppError) -> JSONResponse:
        return problem_response(
            exc.status,
            exc.title,
            exc.detail,
            slug=exc.slug,
            errors=exc.errors,
            headers=exc.headers,
            extra=exc.extra,
        )

    @app.exception_handler(RequestValidationError)
    async def _request_validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = validation_errors(exc.errors())
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
        return problem_response(422, "Validation failed", detail, slug="validation", errors=errors)

    @app.exception_handler(ValidationError)
    async def _model_validation(_request: Request, exc: ValidationError) -> JSONResponse:
        errors = validation_errors(exc.errors())
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
        return problem_response(422, "Validation failed", detail, slug="validation", errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        titles = {
            404: "Not found",
            405: "Method not allowed",
            401: "Unauthorized",
            403: "Forbidden",
            413: "Payload too large",
        }
        return problem_response(
            exc.status_code,
            titles.get(exc.status_code, "HTTP error"),
            str(exc.detail) if exc.detail else None,
            headers=_allow_header(request, exc),
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Not a catch-all that hides bugs: the traceback is logged and the status stays 500.
        log.error("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(500, "Internal error", "An unexpected error occurred.", slug="internal")
