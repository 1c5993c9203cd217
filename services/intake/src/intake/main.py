"""The intake service (一窗受理): the case file of record."""

from __future__ import annotations

from fastapi import FastAPI

from onewindow_kit.app import create_service_app
from onewindow_kit.auth import KeySource

from intake.centers.router import router as centers_router
from intake.config import IntakeSettings

# Who consumes intake's events (the publisher owns this table; URLs come from settings.peers).
EVENT_ROUTES = {
    "mediation": ["intake.center.*", "intake.case.*"],
}


def create_app(settings: IntakeSettings | None = None, *, key_source: KeySource | None = None) -> FastAPI:
    settings = settings or IntakeSettings()
    return create_service_app(
        settings,
        title="OneWindow intake (一窗受理)",
        description="The case file of record: centres, cases, triage, the case timeline.",
        routers=[centers_router],
        event_routes=EVENT_ROUTES,
        key_source=key_source,
    )
