"""The intake service (一窗受理): the case file of record."""

from __future__ import annotations

from fastapi import FastAPI
from onewindow_kit.app import create_service_app
from onewindow_kit.auth import KeySource
from onewindow_kit.crypto import FieldCipher
from onewindow_kit.dependencies import settings_of

from intake.cases.router import router as cases_router
from intake.cases.router import stats_router
from intake.cases.service import EVENT_SUMMARY, apply_partner_event
from intake.centers.router import router as centers_router
from intake.config import IntakeSettings
from intake.desks.router import router as desks_router
from intake.notifications.router import router as notifications_router
from intake.portal.router import applications_router, internal_router, portal_router
from intake.retention.router import router as retention_router
from intake.retention.service import RetentionWorker

# Who consumes intake's events (the publisher owns this table; URLs come from settings.peers).
EVENT_ROUTES = {
    "mediation": ["intake.center.*", "intake.case.routed", "intake.case.closed", "intake.case.deadline_changed"],
    "court-bridge": ["intake.case.*"],
    "arbitration-bridge": ["intake.case.*"],
}
# Everything the other services say about a case lands on its timeline.
EVENT_HANDLERS = dict.fromkeys(EVENT_SUMMARY, apply_partner_event)


async def _startup(app: FastAPI) -> None:
    settings = settings_of(app, IntakeSettings)
    app.state.cipher = FieldCipher(settings.data_keys, settings.data_key_active, settings.lookup_key)
    app.state.retention = RetentionWorker(
        db=app.state.db,
        mediated_years=settings.retention_mediated_years,
        awarded_years=settings.retention_awarded_years,
        apply=settings.retention_apply,
        interval=settings.retention_interval_seconds,
    )
    if settings.retention_enabled:
        app.state.retention.start()


async def _shutdown(app: FastAPI) -> None:
    await app.state.retention.stop()


def create_app(settings: IntakeSettings | None = None, *, key_source: KeySource | None = None) -> FastAPI:
    settings = settings or IntakeSettings()
    return create_service_app(
        settings,
        title="OneWindow intake (一窗受理)",
        description="The case file of record: centres, case registration, triage, lifecycle, timeline, search, statistics.",
        routers=[
            centers_router,
            cases_router,
            stats_router,
            desks_router,
            notifications_router,
            retention_router,
            portal_router,
            applications_router,
            internal_router,
        ],
        event_routes=EVENT_ROUTES,
        event_handlers=EVENT_HANDLERS,
        key_source=key_source,
        on_startup=[_startup],
        on_shutdown=[_shutdown],
    )
