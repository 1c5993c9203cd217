"""The court-bridge service: 法院衔接 (诉调对接).

Courts refer disputes through the partner API (``/partner/court/v1``); the bridge registers each
case at intake, follows mediation's events, and tells the court with signed webhooks; it applies for
司法确认 of agreements and records the rulings.
"""

from __future__ import annotations

from fastapi import FastAPI
from onewindow_kit.app import create_service_app
from onewindow_kit.auth import KeySource
from onewindow_kit.crypto import FieldCipher
from onewindow_kit.dependencies import database_of, http_of, install_webhooks, webhooks_of
from onewindow_kit.partners.router import partner_admin_router
from onewindow_kit.webhooks.dispatcher import WebhookDispatcher
from onewindow_kit.webhooks.guard import AddressGuard
from onewindow_kit.webhooks.router import webhook_admin_router

from court_bridge.casefile.client import IntakeClient
from court_bridge.config import CourtBridgeSettings
from court_bridge.confirmations.router import partner_router as confirmation_partner_router
from court_bridge.confirmations.router import staff_router as confirmation_staff_router
from court_bridge.context import CourtContext
from court_bridge.handlers import event_handlers
from court_bridge.referrals.router import admin_router as referral_admin_router
from court_bridge.referrals.router import partner_router as referral_partner_router
from court_bridge.referrals.router import staff_router as referral_staff_router
from court_bridge.worker import BridgeWorker

# Who consumes this bridge's events (the publisher owns this table; URLs come from settings.peers):
# intake puts them on the case timeline; mediation stops a proceeding whose referral was withdrawn.
EVENT_ROUTES: dict[str, list[str]] = {
    "intake": ["court.*"],
    "mediation": ["court.*"],
}


def create_app(
    settings: CourtBridgeSettings | None = None,
    *,
    key_source: KeySource | None = None,
    webhook_guard: AddressGuard | None = None,
) -> FastAPI:
    """``webhook_guard`` overrides the outbound guard built from settings (tests resolve fake hosts)."""
    settings = settings or CourtBridgeSettings()
    ctx = CourtContext(
        settings=settings, cipher=FieldCipher(settings.data_keys, settings.data_key_active, settings.lookup_key)
    )

    async def startup(app: FastAPI) -> None:
        db = database_of(app)
        ctx.database = db
        ctx.intake = IntakeClient(
            http=http_of(app),
            base_url=settings.peers.get("intake"),
            tokens=app.state.service_tokens,
            timeout=settings.intake_timeout_seconds,
        )
        dispatcher = WebhookDispatcher(
            db=db,
            service=settings.service_name,
            settings=settings.webhooks,
            cipher=ctx.cipher,
            guard=webhook_guard,
        )
        ctx.worker = BridgeWorker(ctx)
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
        title="OneWindow court-bridge (法院衔接 (诉调对接))",
        description="Referrals from people's courts (court partner API v1), results by signed webhooks, "
        "judicial confirmation (司法确认), the court partner registry.",
        routers=[
            referral_partner_router,
            confirmation_partner_router,
            referral_staff_router,
            confirmation_staff_router,
            referral_admin_router,
            partner_admin_router(kind="court"),
            webhook_admin_router(),
        ],
        event_handlers=event_handlers(ctx),
        event_routes=EVENT_ROUTES,
        key_source=key_source,
        on_startup=[startup],
        on_shutdown=[shutdown],
    )
    app.state.court = ctx
    return app
