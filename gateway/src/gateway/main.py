"""``create_app``: the gateway (identities, tokens, JWKS, routing, limits, SPA)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
from fastapi import Depends, FastAPI
from onewindow_kit.auth import TokenVerifier
from onewindow_kit.db import Database
from onewindow_kit.dependencies import install_settings
from onewindow_kit.errors import install_error_handlers
from onewindow_kit.health import router as kit_health_router
from onewindow_kit.http import build_client
from onewindow_kit.inputs import reject_control_characters
from onewindow_kit.logs import configure_logging
from onewindow_kit.metrics import MetricsMiddleware, proxied_route
from onewindow_kit.metrics import router as metrics_router
from onewindow_kit.openapi import install_openapi
from onewindow_kit.requestid import RequestIdMiddleware
from onewindow_kit.sms import build_sms_sender
from onewindow_kit.tracing import Tracing, TracingMiddleware
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.config import ROUTES, GatewaySettings
from gateway.health.router import router as health_router
from gateway.identity.router import router as admin_router
from gateway.identity.service import configure_hashing
from gateway.keys.router import router as keys_router
from gateway.keys.service import KeyRing
from gateway.limits.service import TokenBuckets
from gateway.party.pepper import load_pepper
from gateway.party.router import dev_router as dev_sms_router
from gateway.party.router import router as party_router
from gateway.proxy.middleware import GatewayMiddleware, Route
from gateway.proxy.router import router as openapi_router
from gateway.proxy.upstream import UpstreamPool
from gateway.spa.router import router as spa_router
from gateway.tokens.router import router as token_router
from gateway.tokens.service import TokenPolicy

DESCRIPTION = """The front door of OneWindow (一站式劳动纠纷调处平台).

* `POST /auth/token` issues access tokens (OAuth 2.0: `password`, `refresh_token`,
  `client_credentials`); `/.well-known/jwks.json` publishes the keys that verify them.
* `/api/<service>/…` and `/partner/<court|arbitration>/v1/…` are forwarded to the services after the
  token is checked; `/api/openapi` lists each service's own API document.
* `/admin/…` manages staff users and partner/service clients (role `admin`).
"""


class GatewayApp(FastAPI):
    """FastAPI with a fast lane: proxied paths (``/api/<svc>/…``, ``/partner/…``) go straight to
    the proxy through the request-id (and CORS) middleware only, skipping the per-request work
    of FastAPI's own stack (telemetry checks, error and body-limit wrappers, exception middleware)
    that the gateway's forwarding does not need. Every other path is plain FastAPI."""

    front: GatewayMiddleware | None = None
    fast_lane: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and self.fast_lane is not None
            and self.front is not None
            and self.front.route_for(scope["path"]) is not None
        ):
            await self.fast_lane(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    """Build the gateway; tests pass their own settings."""
    settings = settings or GatewaySettings()
    configure_hashing(
        time_cost=settings.argon2_time_cost,
        memory_kib=settings.argon2_memory_kib,
        parallelism=settings.argon2_parallelism,
        threads=settings.hashing_threads,
    )
    keys = KeyRing(
        settings.keys_dir,
        retire_after_seconds=settings.access_token_ttl_seconds + settings.key_retire_margin_seconds,
        reload_seconds=settings.keys_reload_seconds,
    )
    verifier = TokenVerifier(keys, issuer=settings.jwt_issuer, audience=settings.jwt_audience, algorithms=["RS256"])
    pools: dict[str, UpstreamPool] = {}  # filled in lifespan: pools belong to the running loop
    tracing = Tracing(settings.service_name, settings.otel_exporter)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(settings.service_name, settings.log_level)
        await anyio.to_thread.run_sync(keys.load)  # may generate the first RSA key
        app.state.party_pepper = await anyio.to_thread.run_sync(
            lambda: load_pepper(
                keys=settings.party_code_keys,
                active=settings.party_code_key_active,
                key_file=settings.resolved_party_code_key_file,
            )
        )
        db = Database(settings.database_url, echo=settings.database_echo)
        http = build_client(timeout=settings.health_timeout_seconds)
        for name, base_url in settings.upstreams.items():
            pools[name] = UpstreamPool(
                name,
                base_url,
                max_connections=settings.upstream_max_connections,
                connect_timeout=settings.upstream_connect_timeout_seconds,
                timeout=settings.upstream_timeout_seconds,
                keepalive_expiry=settings.upstream_keepalive_seconds,
            )
        app.state.db = db
        app.state.http = http
        app.state.sms = build_sms_sender(settings.sms, http)
        try:
            yield
        finally:
            for pool in pools.values():
                await pool.aclose()
            pools.clear()
            await http.aclose()
            await db.dispose()
            tracing.flush()

    app = GatewayApp(
        dependencies=[Depends(reject_control_characters)],
        title="OneWindow gateway",
        description=DESCRIPTION,
        version="0.1.0",
        lifespan=lifespan,
        openapi_tags=[
            {"name": "auth", "description": "Tokens and the keys that verify them"},
            {"name": "admin", "description": "Staff users and clients (role admin)"},
            {"name": "health", "description": "Liveness, readiness, and the health of every service"},
            {"name": "openapi", "description": "Where each service's API document is"},
        ],
    )
    install_settings(app, settings)
    app.state.keys = keys
    app.state.verifier = verifier
    app.state.pools = pools
    app.state.tracing = tracing
    app.state.token_policy = TokenPolicy(
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        access_ttl=settings.access_token_ttl_seconds,
        refresh_ttl=settings.refresh_token_ttl_seconds,
    )
    app.state.login_failures = TokenBuckets(
        rate=settings.login_ip_failures_per_minute / 60.0, burst=settings.login_ip_failure_burst
    )
    app.state.party_code_requests = TokenBuckets(
        rate=settings.party_code_requests_per_minute / 60.0, burst=settings.party_code_requests_burst
    )
    install_error_handlers(app)
    install_openapi(app)

    front_options: dict[str, Any] = {
        "routes": [
            Route(prefix=prefix, upstream=name, keep_prefix=keep, public_docs=not keep) for prefix, name, keep in ROUTES
        ],
        "pools": pools,
        "verifier": verifier,
        "rate_limiter": (
            TokenBuckets(rate=settings.rate_limit_per_second, burst=settings.rate_limit_burst)
            if settings.rate_limit_enabled
            else None
        ),
        "max_body_bytes": settings.max_body_bytes,
        "body_limits": settings.body_limits,
        "trust_forwarded_headers": settings.trust_forwarded_headers,
    }
    cors_options: dict[str, Any] = {
        "allow_origins": settings.cors_origins,
        "allow_methods": ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
        "allow_headers": ["Authorization", "Content-Type", "Idempotency-Key", "X-Request-ID"],
        "expose_headers": ["X-Request-ID", "Retry-After", "Location"],
        "max_age": 600,
    }
    # The gateway's own paths: CORS (if any) -> request id -> span -> limits -> FastAPI routes.
    app.add_middleware(GatewayMiddleware, **front_options)
    app.add_middleware(TracingMiddleware, tracing=tracing, fallback=proxied_route)
    app.add_middleware(RequestIdMiddleware)
    app.add_middleware(MetricsMiddleware, service=settings.service_name)
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, **cors_options)
    # The proxied paths: the same chain, without FastAPI around it. Both share the limiter state.
    front = GatewayMiddleware(app.router, **front_options)
    # The proxy writes the span's traceparent into the upstream request by hand (its own HTTP/1.1).
    traced = TracingMiddleware(front.proxy, tracing, fallback=proxied_route)
    lane: ASGIApp = MetricsMiddleware(RequestIdMiddleware(traced), service=settings.service_name)
    if settings.cors_origins:
        lane = CORSMiddleware(lane, **cors_options)
    app.front, app.fast_lane = front, lane

    app.include_router(kit_health_router)
    app.include_router(metrics_router)
    app.include_router(health_router)
    app.include_router(token_router)
    app.include_router(party_router)
    if settings.sms.provider == "memory" and settings.environment != "production":
        app.include_router(dev_sms_router)
    app.include_router(keys_router)
    app.include_router(admin_router)
    app.include_router(openapi_router)
    app.include_router(spa_router)  # last: its catch-all route answers what nothing else does
    return app
