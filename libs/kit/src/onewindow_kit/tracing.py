"""OpenTelemetry tracing: one connected trace per request, across the gateway, the services, the
relays (the event carries the registration's W3C ``traceparent`` in its outbox row) and the
bridges' webhooks to partners. Off by default (docs/decisions/0026-tracing.md).

``<PREFIX>OTEL_EXPORTER`` picks the exporter of a process: ``none`` (default: no tracer, no spans,
no ``traceparent`` sent), ``console`` (each span as one JSON line on stdout, which a log shipper
or the cross-service trace test reads), or ``otlp`` (OTLP/HTTP to ``OTEL_EXPORTER_OTLP_ENDPOINT``,
batched; needs the ``opentelemetry-exporter-otlp-proto-http`` package, which is not installed by
default: it brings protobuf and requests).

Span attributes are bounded and carry no personal data: the method, the route *template*, the
status code, event types and ids, subscriber and partner ids. Never a raw path, a query string,
a header or an exception message (both may carry a phone or ID number).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Literal

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
    SpanExporter,
)
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, Tracer
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from starlette.types import ASGIApp, Receive, Scope, Send

from onewindow_kit.asgi import StatusWatch, route_template
from onewindow_kit.requestid import current_request_id

Exporter = Literal["none", "console", "otlp"]
TRACEPARENT = "traceparent"
_TRACEPARENT_BYTES = TRACEPARENT.encode()
_TRACESTATE_BYTES = b"tracestate"
_PROPAGATOR = TraceContextTextMapPropagator()


def _exporter(kind: Exporter) -> tuple[SpanExporter, bool]:
    """The exporter and whether it is exported in batches (off the request path)."""
    if kind == "console":
        return ConsoleSpanExporter(formatter=lambda span: span.to_json(indent=None) + "\n"), False
    try:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter  # type: ignore[import-not-found]
    except ImportError as exc:  # pragma: no cover - depends on an optional package
        raise RuntimeError(
            "OTEL_EXPORTER=otlp needs the opentelemetry-exporter-otlp-proto-http package in the image"
        ) from exc
    return OTLPSpanExporter(), True


class Tracing:
    """The tracer of one app (its own provider, so several apps in one process each name their
    service); ``tracer`` is None when tracing is off, and every helper then does nothing."""

    def __init__(self, service_name: str, exporter: Exporter = "none") -> None:
        self.service_name = service_name
        self.provider: TracerProvider | None = None
        self.tracer: Tracer | None = None
        if exporter == "none":
            return
        span_exporter, batched = _exporter(exporter)
        self.provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
        processor = BatchSpanProcessor(span_exporter) if batched else SimpleSpanProcessor(span_exporter)
        self.provider.add_span_processor(processor)
        self.tracer = self.provider.get_tracer("onewindow")

    @property
    def enabled(self) -> bool:
        return self.tracer is not None

    @contextmanager
    def span(
        self,
        name: str,
        *,
        kind: SpanKind = SpanKind.INTERNAL,
        traceparent: str | None = None,
        attributes: dict[str, Any] | None = None,
    ) -> Iterator[Span | None]:
        """A span (child of ``traceparent`` when given, else of the current span); None when off."""
        if self.tracer is None:
            yield None
            return
        context = context_from_traceparent(traceparent) if traceparent else None
        with self.tracer.start_as_current_span(
            name,
            context=context,
            kind=kind,
            attributes=attributes,
            record_exception=False,
            set_status_on_exception=False,
        ) as span:
            yield span

    def flush(self) -> None:
        """Export what is batched (at shutdown; the provider stays usable if the app starts again)."""
        if self.provider is not None:
            self.provider.force_flush(5000)


def current_traceparent() -> str | None:
    """The W3C ``traceparent`` of the current span, or None when no span is recording."""
    if not trace.get_current_span().get_span_context().is_valid:
        return None
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier)
    return carrier.get(TRACEPARENT)


def context_from_traceparent(value: str | None, tracestate: str | None = None) -> Context | None:
    if not value:
        return None
    carrier = {TRACEPARENT: value}
    if tracestate:
        carrier["tracestate"] = tracestate
    return _PROPAGATOR.extract(carrier)


def set_span_attributes(**attributes: Any) -> None:
    """Attributes on the current span (no-op when none records): ids and types only."""
    span = trace.get_current_span()
    if span.is_recording():
        span.set_attributes({f"onewindow.{k}": v for k, v in attributes.items() if v is not None})


class TracingMiddleware:
    """Pure ASGI: one SERVER span per HTTP request, continuing the caller's ``traceparent``. Named
    ``METHOD /route/{template}`` after routing (the matched route's path, else ``fallback``)."""

    def __init__(self, app: ASGIApp, tracing: Tracing, fallback: Callable[[str], str] | None = None) -> None:
        self.app = app
        self.tracer = tracing.tracer
        self.fallback = fallback or (lambda path: "other")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.tracer is None:
            await self.app(scope, receive, send)
            return
        traceparent = tracestate = None
        for name, value in scope["headers"]:
            if name == _TRACEPARENT_BYTES:
                traceparent = value.decode("latin-1")
            elif name == _TRACESTATE_BYTES:
                tracestate = value.decode("latin-1")
        method = scope["method"]
        watch = StatusWatch(send)
        with self.tracer.start_as_current_span(
            method,
            context=context_from_traceparent(traceparent, tracestate),
            kind=SpanKind.SERVER,
            attributes={"http.request.method": method},
            record_exception=False,  # an exception's message may carry personal data
            set_status_on_exception=False,
        ) as span:
            try:
                await self.app(scope, receive, watch)
            finally:
                template = route_template(scope, self.fallback)
                span.update_name(f"{method} {template}")
                span.set_attribute("http.route", template)
                span.set_attribute("http.response.status_code", watch.status)
                request_id = current_request_id()
                if request_id:
                    span.set_attribute("onewindow.request_id", request_id)
                if watch.status >= 500:
                    span.set_status(Status(StatusCode.ERROR))
