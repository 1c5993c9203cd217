"""Logs carry no personal data; validation errors name fields the way partners read them."""

import io
import json
import logging

from onewindow_kit.errors import field_path
from onewindow_kit.logs import JsonFormatter, redact
from onewindow_kit.tracing import Tracing


def _json_logger(name: str, stream: io.StringIO) -> logging.Logger:
    """A logger writing JSON lines of service "probe" to ``stream`` only."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter("probe"))
    logger = logging.getLogger(name)
    logger.addHandler(handler)
    logger.propagate = False
    return logger


def test_redact_masks_id_numbers_phones_and_cards():
    text = "申请人 440304199001011234 电话 13800138000 卡号 6222021234567890123 金额 12000.00"
    masked = redact(text)
    assert "440304199001011234" not in masked and "4403**********1234" in masked
    assert "13800138000" not in masked and "138****8000" in masked
    assert "6222021234567890123" not in masked
    assert "12000.00" in masked  # amounts are not personal data


def test_json_formatter_writes_one_redacted_object_per_line():
    stream = io.StringIO()
    logger = _json_logger("probe.test", stream)
    logger.warning("lookup for %s failed", "44030419900101123X")
    entry = json.loads(stream.getvalue())
    assert entry["service"] == "probe" and entry["level"] == "warning"
    assert "44030419900101123X" not in entry["msg"]


def test_a_line_logged_inside_a_span_names_its_trace_and_span_and_outside_none():
    stream = io.StringIO()
    logger = _json_logger("probe.traced", stream)
    tracing = Tracing("probe", "console")
    with tracing.span("probe work") as span:
        logger.warning("inside")
    logger.warning("outside")
    inside, outside = (json.loads(line) for line in stream.getvalue().splitlines())
    context = span.get_span_context()
    assert inside["trace_id"] == format(context.trace_id, "032x") and len(inside["trace_id"]) == 32
    assert inside["span_id"] == format(context.span_id, "016x")
    assert "trace_id" not in outside and "span_id" not in outside


def test_json_formatter_keeps_every_extra_key_and_redacts_their_values():
    # The scheduler and assignment log proceeding_id, case_id, instalment_id and session_id: all
    # must reach the line (the formatter once kept five fixed keys and dropped the rest).
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter("probe"))
    logger = logging.getLogger("probe.extras")
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    logger.propagate = False
    logger.info(
        "instalment overdue",
        extra={
            "proceeding_id": "p-123",
            "case_id": "c-456",
            "instalment_id": 7,
            "session_id": "s-789",
            "attempts": 3,
            "late": True,
            "note": "call 13800138000 about 44030419900101123X",
            "service": "spoofed",  # a key the formatter owns is never overwritten
        },
    )
    entry = json.loads(stream.getvalue())
    assert entry["proceeding_id"] == "p-123" and entry["case_id"] == "c-456" and entry["session_id"] == "s-789"
    assert entry["instalment_id"] == 7 and entry["attempts"] == 3 and entry["late"] is True
    assert entry["msg"] == "instalment overdue" and entry["service"] == "probe"
    assert "13800138000" not in entry["note"] and "44030419900101123X" not in entry["note"]
    assert entry["note"].startswith("call 138****8000")
    # Nothing of the LogRecord's own bookkeeping leaks in as an "extra".
    assert not {"args", "levelno", "pathname", "thread", "created"} & set(entry)


def test_field_paths_read_like_the_contract():
    assert field_path(("body", "applicants", 0, "id_number")) == "applicants[0].id_number"
    assert field_path(("query", "limit")) == "limit"
    assert field_path(("body",)) == "body"


def test_ids_that_merely_contain_digit_runs_are_not_personal_data():
    hex_id = "a13800138000b6222021234567890f"
    assert redact(hex_id) == hex_id
    assert redact("电话:13800138000。") == "电话:138****8000。"
