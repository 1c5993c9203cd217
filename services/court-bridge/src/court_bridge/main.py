"""The court-bridge service: 法院衔接 (诉调对接)."""

from __future__ import annotations

from fastapi import FastAPI

from onewindow_kit.app import create_service_app
from onewindow_kit.auth import KeySource

from court_bridge.config import CourtBridgeSettings

EVENT_ROUTES: dict[str, list[str]] = {
    "intake": ["court.*"],
    "mediation": ["court.*"],
}


def create_app(settings: CourtBridgeSettings | None = None, *, key_source: KeySource | None = None) -> FastAPI:
    settings = settings or CourtBridgeSettings()
    return create_service_app(
        settings,
        title="OneWindow court-bridge (法院衔接 (诉调对接))",
        description="Referrals from people's courts, results and judicial confirmation.",
        event_routes=EVENT_ROUTES,
        key_source=key_source,
    )
