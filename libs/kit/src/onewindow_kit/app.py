"""``create_service_app``: what every domain service shares (lifespan, auth, errors, events)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, Depends, FastAPI

from onewindow_kit.auth import JwksClient, KeySource, StaticKeySource, TokenVerifier
from onewindow_kit.db import Database
from onewindow_kit.dependencies import install_settings
from onewindow_kit.errors import install_error_handlers
from onewindow_kit.events.outbox import EventRoutes, RouteTable
from onewindow_kit.events.relay import Relay
from onewindow_kit.events.router import EventHandlers, admin_router, internal_router, outbox_collector
from onewindow_kit.health import router as health_router
from onewindow_kit.http import ServiceTokenProvider, build_client
from onewindow_kit.inputs import BodyLimitMiddleware, reject_control_characters
from onewindow_kit.logs import configure_logging
from onewindow_kit.metrics import MetricsMiddleware, add_scrape_collector
from onewindow_kit.metrics import router as metrics_router
from onewindow_kit.openapi import install_openapi
from onewindow_kit.requestid import RequestIdMiddleware
from onewindow_kit.settings import ServiceSettings
from onewindow_kit.storage import build_storage
from onewindow_kit.tracing import Tracing, TracingMiddleware

Hook = Callable[[FastAPI], Awaitable[None]]


def create_service_app(
    settings: ServiceSettings,
    *,
    title: str,
    description: str,
    routers: Iterable[APIRouter] = (),
    event_handlers: EventHandlers | None = None,
    event_routes: RouteTable | None = None,
    key_source: KeySource | None = None,
    on_startup: Iterable[Hook] = (),
    on_shutdown: Iterable[Hook] = (),
    version: str = "0.1.0",
    openapi_tags: list[dict[str, Any]] | None = None,
    body_limits: Mapping[str, int] | None = None,
) -> FastAPI:
    """Build a service app; ``key_source`` overrides the JWKS client (tests pin their own keys);
    ``body_limits`` gives the POST/PUT routes whose path matches a regex their own body limit
    (uploads) instead of ``settings.max_body_bytes``."""
    routes = EventRoutes(event_routes)
    tracing = Tracing(settings.service_name, settings.otel_exporter)
    startup_hooks, shutdown_hooks = list(on_startup), list(on_shutdown)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(settings.service_name, settings.log_level)
        db = Database(
            settings.database_url,
            echo=settings.database_echo,
            info={"event_routes": routes, "service": settings.service_name},
        )
        http = build_client(timeout=settings.relay_timeout_seconds)
        if key_source is not None:
            keys: KeySource = key_source
        elif settings.jwks_json:
            keys = StaticKeySource(settings.jwks_json)
        else:
            keys = JwksClient(settings.resolved_jwks_url, http=http)
        tokens = ServiceTokenProvider(
            token_url=f"{settings.gateway_url.rstrip('/')}/auth/token",
            client_id=settings.service_client_id,
            client_secret=settings.service_client_secret,
            http=http,
        )
        relay = Relay(
            db=db,
            service=settings.service_name,
            routes=routes,
            peers=settings.peers,
            http=http,
            token=tokens.token,
            invalidate_token=tokens.invalidate,
            poll_seconds=settings.relay_poll_seconds,
            idle_seconds=settings.worker_idle_seconds,
            batch_size=settings.relay_batch_size,
            backoff_base=settings.relay_backoff_base_seconds,
            backoff_max=settings.relay_backoff_max_seconds,
            timeout=settings.relay_timeout_seconds,
            tracing=tracing,
        )
        app.state.db = db
        app.state.http = http
        app.state.storage = storage = build_storage(settings)
        app.state.service_tokens = tokens
        app.state.relay = relay
        app.state.verifier = TokenVerifier(
            keys, issuer=settings.jwt_issuer, audience=settings.jwt_audience, algorithms=settings.jwt_algorithms
        )
        for hook in startup_hooks:
            await hook(app)
        if settings.relay_enabled and routes.subscribers:
            relay.start()
        try:
            yield
        finally:
            await relay.stop()
            for hook in shutdown_hooks:
                await hook(app)
            await http.aclose()
            await storage.aclose()
            await db.dispose()
            tracing.flush()

    app = FastAPI(
        title=title,
        description=description,
        version=version,
        lifespan=lifespan,
        openapi_tags=openapi_tags,
        dependencies=[Depends(reject_control_characters)],
    )
    install_settings(app, settings)
    app.state.event_handlers = dict(event_handlers or {})
    app.state.event_routes = routes
    app.state.tracing = tracing
    install_error_handlers(app)
    install_openapi(app)
    app.add_middleware(BodyLimitMiddleware, max_body_bytes=settings.max_body_bytes, overrides=body_limits)
    app.add_middleware(TracingMiddleware, tracing=tracing)  # inside RequestId: spans carry the id
    app.add_middleware(RequestIdMiddleware)
    app.add_middleware(MetricsMiddleware, service=settings.service_name)
    add_scrape_collector(app, outbox_collector)
    app.include_router(health_router)
    app.include_router(internal_router)
    app.include_router(metrics_router)
    app.include_router(admin_router)
    for router in routers:
        app.include_router(router)
    return app
