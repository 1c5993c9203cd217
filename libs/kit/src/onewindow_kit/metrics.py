"""Prometheus metrics of every OneWindow process, with ``prometheus-client``.

There is one registry, :data:`REGISTRY`, and every metric the kit or a service defines lives in it
(define a new one here, or with ``registry=REGISTRY``; never in prometheus-client's global default
registry, so a scrape shows exactly OneWindow's metrics). ``GET /internal/metrics`` (under
``/internal/``, so the gateway never exposes it; scraped inside the network) renders it together
with the gauges read from the database at scrape time (outbox depth and age, and what a service
adds with :func:`add_scrape_collector`).

Metric names are part of the operations contract: ``deploy/prometheus/alerts.yml`` and
``deploy/grafana/onewindow.json`` use them, and ``libs/kit/tests/test_metrics.py`` fails when a rule
names a metric that is not defined here.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request, Response
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, disable_created_metrics
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from starlette.types import ASGIApp, Receive, Scope, Send

from onewindow_kit.asgi import StatusWatch, route_template

# No `*_created` series: they double every counter's lines and nothing here reads them.
disable_created_metrics()  # type: ignore[no-untyped-call]  # untyped in prometheus-client
REGISTRY = CollectorRegistry(auto_describe=True)

HTTP_REQUESTS = Counter(
    "onewindow_http_requests",
    "HTTP requests answered, by route template and status code.",
    ["service", "method", "route", "status"],
    registry=REGISTRY,
)
HTTP_DURATION = Histogram(
    "onewindow_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template.",
    ["service", "method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=REGISTRY,
)
EVENT_DELIVERY_ATTEMPTS = Counter(
    "onewindow_event_delivery_attempts",
    "Outbox deliveries attempted by the relay, by subscriber and outcome (delivered, retry, dead).",
    ["service", "subscriber", "outcome"],
    registry=REGISTRY,
)
WEBHOOK_ATTEMPTS = Counter(
    "onewindow_webhook_attempts",
    "Webhook deliveries attempted to partner systems, by partner and outcome (delivered, retry, failed).",
    ["service", "partner", "outcome"],
    registry=REGISTRY,
)
WORKER_LAG = Gauge(
    "onewindow_worker_lag_seconds",
    "How long the oldest due item of a background worker has been waiting when the worker last looked.",
    ["service", "worker"],
    registry=REGISTRY,
)

# Scrape-time gauges: (async) functions adding samples read from the database. Each gets the app and
# a fresh registry for this one scrape (so a label set that is gone from the database is gone here).
ScrapeCollector = Callable[[Any, CollectorRegistry], Awaitable[None]]


def add_scrape_collector(app: Any, collector: ScrapeCollector) -> None:
    """Register ``collector`` to run at every scrape of ``app``'s ``/internal/metrics``."""
    collectors: list[ScrapeCollector] | None = getattr(app.state, "scrape_collectors", None)
    if collectors is None:
        collectors = []
        app.state.scrape_collectors = collectors
    collectors.append(collector)


def scrape_collectors(app: Any) -> list[ScrapeCollector]:
    return list(getattr(app.state, "scrape_collectors", None) or [])


def worker_stats(registry: CollectorRegistry) -> None:
    """The kit Workers' in-memory counters (``onewindow_kit.worker.default_metrics``), as they are now."""
    from onewindow_kit.worker import default_metrics  # here: the worker module imports the database layer

    passes = Counter("onewindow_worker_passes", "Passes of a background worker.", ["worker"], registry=registry)
    failures = Counter("onewindow_worker_failures", "Passes that raised.", ["worker"], registry=registry)
    running = Gauge("onewindow_worker_running", "1 while the worker's loop runs.", ["worker"], registry=registry)
    for name, stats in default_metrics.stats.items():
        passes.labels(name).inc(stats.passes)
        failures.labels(name).inc(stats.failures)
        running.labels(name).set(1 if stats.running else 0)


async def render(app: Any) -> tuple[bytes, str]:
    """The exposition text of the process registry and of this scrape's database gauges."""
    scrape = CollectorRegistry(auto_describe=True)
    worker_stats(scrape)
    for collector in scrape_collectors(app):
        await collector(app, scrape)
    return generate_latest(REGISTRY) + generate_latest(scrape), CONTENT_TYPE_LATEST


def proxied_route(path: str) -> str:
    """A bounded label for a path that has no route template (the gateway's proxied lane):
    ``/api/<service>/…`` or ``/partner/<kind>/<version>/…``; anything else is ``(unmatched)``."""
    parts = path.split("/")
    if len(parts) > 2 and parts[1] == "api" and parts[2].isidentifier():
        return f"/api/{parts[2]}/…"
    if len(parts) > 3 and parts[1] == "partner" and parts[2].isidentifier():
        return f"/partner/{parts[2]}/{parts[3][:8]}/…"
    return "(unmatched)"


class MetricsMiddleware:
    """Pure ASGI: counts each HTTP request and times it, labelled by the route *template* (the
    matched route's path, e.g. ``/cases/{case_id}``, never the raw path: no ids in labels)."""

    def __init__(self, app: ASGIApp, service: str, fallback: Callable[[str], str] = proxied_route) -> None:
        self.app = app
        self.service = service
        self.fallback = fallback

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        watch = StatusWatch(send)
        try:
            await self.app(scope, receive, watch)
        finally:
            template = route_template(scope, self.fallback)
            method = scope.get("method", "GET")
            HTTP_REQUESTS.labels(self.service, method, template, str(watch.status)).inc()
            HTTP_DURATION.labels(self.service, method, template).observe(time.perf_counter() - started)


router = APIRouter(tags=["metrics"])


@router.get("/internal/metrics", operation_id="get_metrics", include_in_schema=False)
async def get_metrics(request: Request) -> Response:
    """Prometheus text: request counts and latencies per route, relay and webhook attempts, worker
    lag, and what the scrape collectors read now (the outbox's depth and oldest pending age). Under
    ``/internal/`` so the gateway never exposes it; scraped inside the network."""
    body, content_type = await render(request.app)
    return Response(body, media_type=content_type)
