"""The mediation service: organisations, mediators, assignment, proceedings."""

from __future__ import annotations

from fastapi import FastAPI

from onewindow_kit.app import create_service_app
from onewindow_kit.auth import KeySource

from mediation.centers.router import router as centers_router
from mediation.centers.service import EVENT_HANDLERS as CENTER_EVENTS
from mediation.config import MediationSettings

EVENT_ROUTES: dict[str, list[str]] = {
    "intake": ["mediation.*"],
    "court-bridge": ["mediation.proceeding.*"],
    "arbitration-bridge": ["mediation.proceeding.*"],
}


def create_app(settings: MediationSettings | None = None, *, key_source: KeySource | None = None) -> FastAPI:
    settings = settings or MediationSettings()
    return create_service_app(
        settings,
        title="OneWindow mediation (联合调解)",
        description="Mediation organisations, mediators, assignment and proceedings.",
        routers=[centers_router],
        event_handlers={**CENTER_EVENTS},
        event_routes=EVENT_ROUTES,
        key_source=key_source,
    )
