"""Assembling a bridge process: the service app of the kit plus what every bridge runs beside its
routes — the case-file client towards intake, the webhook dispatcher (fan-out to the partners,
woken after each commit that queued a message), the background worker, and the partner registry's
and webhook outbox's admin routes."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from fastapi import APIRouter, FastAPI

from onewindow_kit.app import create_service_app
from onewindow_kit.auth import KeySource
from onewindow_kit.bridge.casefile import IntakeClient
from onewindow_kit.bridge.context import BridgeContext
from onewindow_kit.bridge.documents import DocumentsClient
from onewindow_kit.bridge.worker import BridgeWorker, Step
from onewindow_kit.dependencies import database_of, http_of, install_webhooks, webhooks_of
from onewindow_kit.events.outbox import RouteTable
from onewindow_kit.events.router import EventHandler
from onewindow_kit.partners.router import partner_admin_router
from onewindow_kit.webhooks.dispatcher import WebhookDispatcher
from onewindow_kit.webhooks.guard import AddressGuard
from onewindow_kit.webhooks.router import webhook_admin_router
from onewindow_kit.worker import WakeSignal


def create_bridge_app(
    ctx: BridgeContext[Any],
    *,
    partner_kind: str,
    wake: WakeSignal,
    steps: Callable[[BridgeContext[Any]], Sequence[Step]],
    title: str,
    description: str,
    routers: Iterable[APIRouter],
    event_handlers: Mapping[str, EventHandler],
    event_routes: RouteTable,
    key_source: KeySource | None = None,
    webhook_guard: AddressGuard | None = None,
) -> FastAPI:
    """The bridge's app; ``app.state.<partner_kind>`` is ``ctx``. ``webhook_guard`` overrides the
    outbound guard built from settings (tests resolve fake hosts)."""
    settings = ctx.settings

    async def startup(app: FastAPI) -> None:
        ctx.db = database_of(app)
        ctx.intake = IntakeClient(
            http=http_of(app),
            base_url=settings.peers.get("intake"),
            tokens=app.state.service_tokens,
            timeout=settings.intake_timeout_seconds,
            peers_setting=f"{settings.env_prefix}PEERS",
        )
        ctx.documents = DocumentsClient(
            http=http_of(app), base_url=settings.peers.get("mediation"), tokens=app.state.service_tokens
        )
        dispatcher = WebhookDispatcher(
            db=ctx.database(),
            service=settings.service_name,
            settings=settings.webhooks,
            cipher=ctx.cipher,
            guard=webhook_guard,
            tracing=app.state.tracing,
        )
        ctx.worker = BridgeWorker(
            name=settings.service_name, db=ctx.database(), settings=settings, wake=wake, steps=steps(ctx)
        )
        install_webhooks(app, dispatcher)
        if settings.webhooks.enabled:
            dispatcher.start()
        if settings.worker_enabled:
            ctx.worker.start()

    async def shutdown(app: FastAPI) -> None:
        if ctx.worker is not None:
            await ctx.worker.stop()
        await webhooks_of(app).stop()

    app = create_service_app(
        settings,
        title=title,
        description=description,
        routers=[*routers, partner_admin_router(kind=partner_kind), webhook_admin_router()],
        event_handlers=dict(event_handlers),
        event_routes=event_routes,
        key_source=key_source,
        on_startup=[startup],
        on_shutdown=[shutdown],
    )
    setattr(app.state, partner_kind, ctx)
    return app
