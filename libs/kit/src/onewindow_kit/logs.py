"""JSON logs, one object a line, with the request id and without personal data.

Personal data must not reach a log in the first place (the code logs ids, never names or numbers);
the redacting filter is the second line of defence: it masks anything shaped like a 公民身份号码,
a mainland mobile number or a bank card number before the record is written.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import traceback
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

from opentelemetry import trace
from sqlalchemy.exc import StatementError

from onewindow_kit.requestid import current_request_id

_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[0-9Xx])(?![0-9A-Za-z])")
# Alphanumeric boundaries: a run of digits inside a hex id or a token is not a phone number.
_MOBILE = re.compile(r"(?<![0-9A-Za-z])(1[3-9]\d)\d{4}(\d{4})(?![0-9A-Za-z])")
_CARD = re.compile(r"(?<![0-9A-Za-z])(\d{4})\d{8,11}(\d{4})(?![0-9A-Za-z])")


def redact(text: str) -> str:
    """Mask ID numbers, mobile numbers and card numbers in free text."""
    text = _ID_NUMBER.sub(lambda m: m.group(1)[:4] + "*" * 10 + m.group(2)[-4:], text)
    text = _MOBILE.sub(lambda m: m.group(1) + "****" + m.group(2), text)
    return _CARD.sub(lambda m: m.group(1) + "*" * 8 + m.group(2), text)


# What every LogRecord carries; anything else on a record came from ``extra=`` (or a filter).
_RECORD_ATTRIBUTES = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}


def _safe_value(value: Any) -> Any:
    """An ``extra`` value as JSON: numbers, booleans and null as they are, anything else as
    redacted text (an ID number passed by mistake is masked like one in the message)."""
    if value is None or isinstance(value, bool | int | float):
        return value
    return redact(value if isinstance(value, str) else str(value))


_STATEMENT_TARGET = re.compile(r"\b(?:INTO|UPDATE|FROM)\s+\"?([A-Za-z_][A-Za-z0-9_.]*)", re.I)


def statement_name(statement: str | None) -> str:
    """``INSERT INTO party (...) VALUES (...)`` -> ``INSERT party``: what a log may say of a statement."""
    if not statement:
        return "statement"
    verb = statement.split(None, 1)[0].upper() if statement.strip() else "statement"
    target = _STATEMENT_TARGET.search(statement)
    return f"{verb} {target.group(1)}" if target else verb


def _is_driver_error(exc: BaseException) -> bool:
    # asyncpg, aiosqlite/sqlite3 and psycopg errors carry the failing row ("DETAIL: Failing row
    # contains (…)") or the duplicate key in their message.
    module = type(exc).__module__
    return module.startswith(
        ("asyncpg", "sqlite3", "_sqlite3", "aiosqlite", "psycopg", "sqlalchemy.dialects", "sqlalchemy.connectors")
    )


def _safe_message(exc: BaseException) -> str:
    if isinstance(exc, StatementError):
        orig = type(exc.orig).__name__ if exc.orig is not None else "-"
        return f"({orig}) on {statement_name(exc.statement)} [parameters and driver detail withheld]"
    if _is_driver_error(exc):
        return "[driver detail withheld]"
    return str(exc)


def format_exception(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> str:
    """A traceback whose database errors say the error class and the statement's name only.

    SQLAlchemy's message holds the statement's parameters (hidden by ``hide_parameters`` on every
    engine) and the driver's message may hold the row itself; neither reaches a log."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain and len(chain) < 10:
        chain.append(current)
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
    if not any(isinstance(e, StatementError) or _is_driver_error(e) for e in chain):
        return "".join(traceback.format_exception(exc_type, exc, tb))
    parts: list[str] = []
    for item in reversed(chain):
        if parts:
            parts.append("\nThe above exception was the direct cause of the following exception:\n\n")
        parts.append("Traceback (most recent call last):\n")
        parts.extend(traceback.format_list(traceback.extract_tb(item.__traceback__)))
        name = f"{type(item).__module__}.{type(item).__qualname__}"
        parts.append(f"{name}: {_safe_message(item)}\n")
    return "".join(parts)


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "msg": redact(record.getMessage()),
        }
        request_id = getattr(record, "request_id", None) or current_request_id()
        if request_id:
            entry["request_id"] = request_id
        # With tracing on (<PREFIX>OTEL_EXPORTER), the line names its trace and span: from a log line
        # to the whole journey across services in the trace backend, and back (decision 0026).
        span = trace.get_current_span().get_span_context()
        if span.is_valid:
            entry["trace_id"] = format(span.trace_id, "032x")
            entry["span_id"] = format(span.span_id, "016x")
        # Every ``extra`` key (``proceeding_id``, ``case_id``…), never one that would overwrite the
        # fields above; values are redacted like the message.
        for key, value in record.__dict__.items():
            if key in _RECORD_ATTRIBUTES or key in entry or key.startswith("_") or value is None:
                continue
            entry[key] = _safe_value(value)
        if record.exc_info:
            entry["exc"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)

    def formatException(self, ei: Any) -> str:
        exc_type, exc, tb = ei
        if exc_type is None or exc is None:
            return super().formatException(ei)
        return format_exception(exc_type, exc, tb).rstrip("\n")


def configure_logging(service: str, level: str = "INFO") -> None:
    """Route the root, uvicorn and SQLAlchemy loggers through the JSON formatter on stderr."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
    # httpx logs every outbound request at INFO: noise at the volume of event deliveries.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # Access logs carry paths and query strings; personal data never goes there by design, but
    # they are also the noisiest thing on a hot path, so they are off unless asked for.
    access = logging.getLogger("uvicorn.access")
    access.handlers[:] = []
    access.propagate = True
    access.setLevel(logging.WARNING)
