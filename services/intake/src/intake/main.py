"""The intake service (一窗受理): the case file of record."""

from __future__ import annotations

from fastapi import FastAPI
from onewindow_kit.app import create_service_app
from onewindow_kit.auth import KeySource
from onewindow_kit.crypto import FieldCipher
from onewindow_kit.dependencies import http_of, settings_of
from onewindow_kit.events import Route, referred_by
from onewindow_kit.sms import build_sms_sender

from intake.attachments.router import router as attachments_router
from intake.cases.router import router as cases_router
from intake.cases.router import stats_router
from intake.cases.service import EVENT_SUMMARY, apply_partner_event
from intake.cases.service.access import EVENT_HANDLERS as ACCESS_HANDLERS
from intake.cases.service.registration import AFTER_REGISTRATION
from intake.centers.router import router as centers_router
from intake.config import IntakeSettings
from intake.desks.router import router as desks_router
from intake.documents.router import router as documents_router
from intake.exports.router import router as exports_router
from intake.ledger import service as ledger
from intake.ledger.router import router as ledger_router
from intake.notices.handlers import EVENT_HANDLERS as NOTICE_HANDLERS
from intake.notices.service import SmsNoticeWorker, registration_notices
from intake.notifications.router import router as notifications_router
from intake.portal.router import applications_router, internal_router, portal_router
from intake.retention.router import router as retention_router
from intake.retention.service import RetentionWorker

# Who consumes intake's events (the publisher owns this table; URLs come from settings.peers).
# Each bridge gets only what its handlers act on (decision 0027): the registration of a case it
# referred (completing a registration whose answer was lost); the arbitration bridge also every
# routing, which creates and updates its case record (centre, number, route) for transfers and reviews.
EVENT_ROUTES: dict[str, list[str | Route]] = {
    "mediation": [
        "intake.center.*",
        "intake.case.routed",
        "intake.case.closed",
        "intake.case.deadline_changed",
        "intake.case.corrected",
    ],
    "court-bridge": [Route("intake.case.registered", when=referred_by("court"))],
    "arbitration-bridge": [Route("intake.case.registered", when=referred_by("arbitration")), "intake.case.routed"],
}
# Everything the other services say about a case lands on its timeline.
# Some also tell the parties by SMS (a session notice, an unpaid instalment): same timeline, plus
# notices; assignments and panels also grant their mediators the case file (decision 0022).
EVENT_HANDLERS = dict.fromkeys(EVENT_SUMMARY, apply_partner_event) | NOTICE_HANDLERS | ACCESS_HANDLERS
# 受理通知: each registration queues an SMS to the applicants in its own transaction.
if registration_notices not in AFTER_REGISTRATION:
    AFTER_REGISTRATION.append(registration_notices)


async def _startup(app: FastAPI) -> None:
    settings = settings_of(app, IntakeSettings)
    app.state.cipher = FieldCipher(settings.data_keys, settings.data_key_active, settings.lookup_key)
    app.state.retention = RetentionWorker(
        db=app.state.db,
        mediated_years=settings.retention_mediated_years,
        awarded_years=settings.retention_awarded_years,
        apply=settings.retention_apply,
        interval=settings.retention_interval_seconds,
        storage=app.state.storage,
    )
    if settings.retention_enabled:
        app.state.retention.start()
    app.state.sms_sender = build_sms_sender(settings.sms, http_of(app))
    app.state.sms_notices = SmsNoticeWorker(
        db=app.state.db,
        sender=app.state.sms_sender,
        cipher=app.state.cipher,
        enabled=settings.sms_notices,
        on_delivered={"document_served": ledger.sms_delivered},
        receipt_poll_seconds=settings.sms_receipt_poll_seconds,
        idle_seconds=settings.worker_idle_seconds,
        poll_seconds=settings.relay_poll_seconds,
    )
    if settings.sms_worker_enabled:
        app.state.sms_notices.start()


async def _shutdown(app: FastAPI) -> None:
    await app.state.retention.stop()
    await app.state.sms_notices.stop()


def create_app(settings: IntakeSettings | None = None, *, key_source: KeySource | None = None) -> FastAPI:
    settings = settings or IntakeSettings()
    return create_service_app(
        settings,
        title="OneWindow intake (一窗受理)",
        description="The case file of record: centres, case registration, triage, lifecycle, timeline, search, statistics.",
        routers=[
            centers_router,
            cases_router,
            attachments_router,
            ledger_router,
            stats_router,
            desks_router,
            notifications_router,
            retention_router,
            portal_router,
            applications_router,
            internal_router,
            documents_router,
            exports_router,
        ],
        event_routes=EVENT_ROUTES,
        event_handlers=EVENT_HANDLERS,
        key_source=key_source,
        on_startup=[_startup],
        on_shutdown=[_shutdown],
        # Uploads take their own limit (plus the multipart framing); every other route keeps max_body_bytes.
        body_limits={r"/cases/[^/]+/attachments": settings.attachment_max_bytes + 64 * 1024},
    )
