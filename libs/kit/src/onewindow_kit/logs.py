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
from datetime import UTC, datetime
from typing import Any

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
        # Every ``extra`` key (``proceeding_id``, ``case_id``…), never one that would overwrite the
        # fields above; values are redacted like the message.
        for key, value in record.__dict__.items():
            if key in _RECORD_ATTRIBUTES or key in entry or key.startswith("_") or value is None:
                continue
            entry[key] = _safe_value(value)
        if record.exc_info:
            entry["exc"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


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
