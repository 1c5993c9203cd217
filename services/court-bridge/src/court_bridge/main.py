"""The court-bridge service: 法院衔接 (诉调对接).

Courts refer disputes through the partner API (``/partner/court/v1``); the bridge registers each
case at intake, follows mediation's events, and tells the court with signed webhooks; it applies for
司法确认 of agreements and records the rulings. The machinery is the kit's (``onewindow_kit.bridge``).
"""

from __future__ import annotations

from fastapi import FastAPI
from onewindow_kit.auth import KeySource
from onewindow_kit.bridge.app import create_bridge_app
from onewindow_kit.webhooks.guard import AddressGuard

from court_bridge.config import CourtBridgeSettings
from court_bridge.confirmations.router import agreement_router as confirmation_agreement_router
from court_bridge.confirmations.router import partner_router as confirmation_partner_router
from court_bridge.confirmations.router import staff_router as confirmation_staff_router
from court_bridge.context import CourtContext
from court_bridge.enforcement.router import admin_router as court_admin_router
from court_bridge.enforcement.router import router as enforcement_router
from court_bridge.handlers import event_handlers
from court_bridge.payment_orders.router import partner_router as payment_order_partner_router
from court_bridge.payment_orders.router import staff_router as payment_order_staff_router
from court_bridge.referrals.router import admin_router as referral_admin_router
from court_bridge.referrals.router import partner_router as referral_partner_router
from court_bridge.referrals.router import staff_router as referral_staff_router
from court_bridge.worker import WORK_WAKE, steps

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
    ctx = CourtContext.for_settings(settings or CourtBridgeSettings())
    return create_bridge_app(
        ctx,
        partner_kind="court",
        wake=WORK_WAKE,
        steps=steps,
        title="OneWindow court-bridge (法院衔接 (诉调对接))",
        description="Referrals from people's courts (court partner API v1), results by signed webhooks, "
        "judicial confirmation (司法确认) of any centre agreement, payment orders (支付令), the court partner registry.",
        routers=[
            referral_partner_router,
            confirmation_partner_router,
            payment_order_partner_router,
            referral_staff_router,
            confirmation_staff_router,
            enforcement_router,
            confirmation_agreement_router,
            payment_order_staff_router,
            referral_admin_router,
            court_admin_router,
        ],
        event_handlers=event_handlers(ctx),
        event_routes=EVENT_ROUTES,
        key_source=key_source,
        webhook_guard=webhook_guard,
    )
