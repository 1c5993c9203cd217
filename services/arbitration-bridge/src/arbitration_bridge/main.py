"""The arbitration-bridge service: 仲裁衔接 (裁调对接).

Arbitration commissions refer disputes for mediation before filing through the partner API
(``/partner/arbitration/v1``); the bridge registers each case at intake, follows mediation's events
and tells the commission with signed webhooks. When a window mediation fails and the worker chooses
arbitration, it transfers the case to the commission and watches the 5-day acceptance clock; it asks
the commission to review agreements (仲裁审查确认) and records the decisions.
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

from arbitration_bridge.casefile.client import IntakeClient
from arbitration_bridge.config import ArbitrationBridgeSettings
from arbitration_bridge.context import ArbitrationContext
from arbitration_bridge.handlers import event_handlers
from arbitration_bridge.referrals.router import admin_router as referral_admin_router
from arbitration_bridge.referrals.router import partner_router as referral_partner_router
from arbitration_bridge.referrals.router import staff_router as referral_staff_router
from arbitration_bridge.reviews.router import partner_router as review_partner_router
from arbitration_bridge.reviews.router import staff_router as review_staff_router
from arbitration_bridge.transfers.router import partner_router as transfer_partner_router
from arbitration_bridge.transfers.router import staff_router as transfer_staff_router
from arbitration_bridge.worker import BridgeWorker

# Who consumes this bridge's events (the publisher owns this table; URLs come from settings.peers):
# intake puts them on the case timeline (a transfer accepted moves the case to
# transferred_to_arbitration); mediation stops a proceeding whose referral was withdrawn.
EVENT_ROUTES: dict[str, list[str]] = {
    "intake": ["arbitration.*"],
    "mediation": ["arbitration.*"],
}


def create_app(
    settings: ArbitrationBridgeSettings | None = None,
    *,
    key_source: KeySource | None = None,
    webhook_guard: AddressGuard | None = None,
) -> FastAPI:
    """``webhook_guard`` overrides the outbound guard built from settings (tests resolve fake hosts)."""
    settings = settings or ArbitrationBridgeSettings()
    ctx = ArbitrationContext(
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
        title="OneWindow arbitration-bridge (仲裁衔接 (裁调对接))",
        description="Referrals from arbitration commissions (arbitration partner API v1: 暂缓立案、先行调解), "
        "transfers to arbitration when window mediation fails (调解不成转仲裁) with the 5-day "
        "acceptance clock, review of agreements (仲裁审查确认), signed webhooks, the commission registry.",
        routers=[
            referral_partner_router,
            transfer_partner_router,
            review_partner_router,
            referral_staff_router,
            transfer_staff_router,
            review_staff_router,
            referral_admin_router,
            partner_admin_router(kind="arbitration"),
            webhook_admin_router(),
        ],
        event_handlers=event_handlers(ctx),
        event_routes=EVENT_ROUTES,
        key_source=key_source,
        on_startup=[startup],
        on_shutdown=[shutdown],
    )
    app.state.arbitration = ctx
    return app
