"""Issue 20 through the real processes: one registration through the gateway is one connected
OpenTelemetry trace — gateway span → intake span → the relay's delivery span → mediation's
consumer span — carried by W3C ``traceparent`` over HTTP (the gateway's own proxy writes it by hand)
and through intake's outbox row. Every process exports with ``OTEL_EXPORTER=console`` (one JSON line
per span on stdout, i.e. in its log file); the test reads the spans back from the logs.
docs/decisions/0026-tracing.md."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "services" / "intake" / "tests"))

from conftest import Gateway, running_stack, wait_for
from factories import applicant, case_form

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("ONEWINDOW_COMPOSE_STACK")), reason="starts a traced stack of its own"
)

TRACED = {"OTEL_EXPORTER": "console"}


@pytest.fixture(scope="module")
def traced_stack(tmp_path_factory):
    names = ["intake", "mediation", "court-bridge", "arbitration-bridge"]
    with running_stack(tmp_path_factory, extra=dict.fromkeys(names, TRACED), gateway_extra=TRACED) as running:
        yield running


def spans_in_logs(log_dir: Path) -> list[dict[str, Any]]:
    """Every exported span of every process (the log lines that are span JSON)."""
    spans = []
    for path in sorted(log_dir.glob("*.log")):
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            if not line.startswith('{"name"'):
                continue
            try:
                span = json.loads(line)
            except ValueError:
                continue
            if isinstance(span.get("context"), dict) and "trace_id" in span["context"]:
                span["service"] = span["resource"]["attributes"]["service.name"]
                span["raw"] = line
                spans.append(span)
    return spans


def span_id(span: dict[str, Any]) -> str:
    return span["context"]["span_id"]


def test_one_registration_through_the_gateway_is_one_connected_trace_without_personal_data(traced_stack):
    accounts = json.loads((traced_stack.config.var_dir / "demo-accounts.json").read_text(encoding="utf-8"))
    gateway = Gateway(traced_stack.config.url("gateway"), accounts)
    person = applicant(57)
    with gateway.as_user("clerk") as clerk:
        response = clerk.post("/api/intake/cases", json=case_form(applicants=[person], route={"route": "mediation"}))
        assert response.status_code == 201, response.text
    request_id = response.headers["x-request-id"]
    log_dir = traced_stack.log_dir

    def registration_trace() -> list[dict[str, Any]] | None:
        spans = spans_in_logs(log_dir)
        roots = [
            s
            for s in spans
            if s["service"] == "gateway"
            and s["kind"] == "SpanKind.SERVER"
            and s["attributes"].get("onewindow.request_id") == request_id
        ]
        if not roots:
            return None
        trace = [s for s in spans if s["context"]["trace_id"] == roots[0]["context"]["trace_id"]]
        consumed = [s for s in trace if s["service"] == "mediation" and s["name"] == "POST /internal/events"]
        if not consumed:
            return None
        # Each process exports a span when it ends, so a parent (intake's request span, say) can
        # reach its log a moment after its children and after mediation's consumer span: wait until
        # every parent named in the trace has been exported (a parent that never is fails below).
        ids = {span_id(s) for s in trace}
        last_seen[:] = trace
        return trace if all(s["parent_id"] is None or s["parent_id"] in ids for s in trace) else None

    last_seen: list[dict[str, Any]] = []
    try:
        trace = wait_for(registration_trace, timeout=30, what="the registration's trace, connected and consumed")
    except AssertionError:
        if not last_seen:
            raise
        trace = last_seen
    by_id = {span_id(s): s for s in trace}

    # The root: the gateway's span of the proxied request, and the only span without a parent.
    roots = [s for s in trace if s["parent_id"] is None]
    assert len(roots) == 1, [(s["service"], s["name"]) for s in roots]
    root = roots[0]
    assert root["service"] == "gateway" and root["name"] == "POST /api/intake/…", root["name"]
    # Connected: every other span's parent is a span of this trace.
    assert all(s["parent_id"] in by_id for s in trace if s is not root), [
        (s["service"], s["name"]) for s in trace if s["parent_id"] not in by_id
    ]

    # gateway → intake (the traceparent the proxy wrote into its hand-made HTTP/1.1 request)
    (intake,) = [s for s in trace if s["service"] == "intake" and s["name"] == "POST /cases"]
    assert intake["kind"] == "SpanKind.SERVER" and intake["parent_id"] == span_id(root)
    assert intake["attributes"]["http.response.status_code"] == 201

    # intake → its relay (the outbox row's traceparent) → mediation's inbox (the relay's POST)
    deliveries = [
        s
        for s in trace
        if s["service"] == "intake"
        and s["kind"] == "SpanKind.PRODUCER"
        and s["attributes"]["messaging.destination.name"] == "mediation"
    ]
    assert deliveries, [(s["service"], s["name"]) for s in trace]
    assert all(d["parent_id"] == span_id(intake) for d in deliveries)
    consumers = [s for s in trace if s["service"] == "mediation" and s["name"] == "POST /internal/events"]
    for consumer in consumers:
        delivery = by_id[consumer["parent_id"]]
        assert delivery in deliveries
        assert consumer["attributes"]["onewindow.event_type"] == delivery["attributes"]["onewindow.event_type"]
        assert consumer["attributes"]["onewindow.event_id"] == delivery["attributes"]["messaging.message.id"]
    assert "intake.case.routed" in {c["attributes"]["onewindow.event_type"] for c in consumers}

    # No personal data in any span of any process (ids, types and route templates only).
    every_span = "\n".join(s["raw"] for s in spans_in_logs(log_dir))
    for value in (person["id_number"], person["phone"], person["name"]):
        assert value not in every_span, f"{value!r} appears in an exported span"

    # The logs name the trace: mediation's "event consumed" line for the routed event was written
    # inside its consumer span, so it carries that span's trace and span ids (log ↔ trace).
    routed = next(c for c in consumers if c["attributes"]["onewindow.event_type"] == "intake.case.routed")
    lines = [
        json.loads(line)
        for line in (log_dir / "mediation.log").read_text(encoding="utf-8", errors="replace").splitlines()
        if line.startswith('{"ts"') and '"event consumed"' in line
    ]
    consumed_line = next(line for line in lines if line.get("event_id") == routed["attributes"]["onewindow.event_id"])
    assert consumed_line["trace_id"] == routed["context"]["trace_id"].removeprefix("0x")
    assert consumed_line["span_id"] == span_id(routed).removeprefix("0x")
