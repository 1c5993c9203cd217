"""The arbitration-bridge service: 仲裁衔接 (裁调对接)."""

from __future__ import annotations

from fastapi import FastAPI

from onewindow_kit.app import create_service_app
from onewindow_kit.auth import KeySource

from arbitration_bridge.config import ArbitrationBridgeSettings

EVENT_ROUTES: dict[str, list[str]] = {
    "intake": ["arbitration.*"],
    "mediation": ["arbitration.*"],
}


def create_app(settings: ArbitrationBridgeSettings | None = None, *, key_source: KeySource | None = None) -> FastAPI:
    settings = settings or ArbitrationBridgeSettings()
    return create_service_app(
        settings,
        title="OneWindow arbitration-bridge (仲裁衔接 (裁调对接))",
        description="Referrals from arbitration commissions, transfers to them, and review of agreements.",
        event_routes=EVENT_ROUTES,
        key_source=key_source,
    )
