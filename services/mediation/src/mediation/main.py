"""The mediation service (联合调解): organisations, mediators, assignment, proceedings, agreements."""

from __future__ import annotations

import gc

from fastapi import FastAPI
from onewindow_kit.app import create_service_app
from onewindow_kit.auth import KeySource
from onewindow_kit.dependencies import database_of, settings_of
from onewindow_kit.metrics import add_scrape_collector

from mediation.agreements.handlers import EVENT_HANDLERS as AGREEMENT_EVENTS
from mediation.agreements.router import router as agreements_router
from mediation.assignment.router import router as assignment_router
from mediation.calculators.router import router as calculators_router
from mediation.cases.service import event_handlers as case_event_handlers
from mediation.centers.handlers import EVENT_HANDLERS as CENTER_EVENTS
from mediation.centers.router import router as centers_router
from mediation.config import MediationSettings
from mediation.documents.dependencies import setup_documents
from mediation.documents.router import router as documents_router
from mediation.portal.router import router as portal_router
from mediation.proceedings.metrics import clocks_at_risk_collector
from mediation.proceedings.router import router as proceedings_router
from mediation.registry.router import router as registry_router
from mediation.scheduler.service import Scheduler
from mediation.sessions.router import router as sessions_router
from mediation.subsidies.router import router as subsidies_router

# Who consumes mediation's events (the publisher owns this table; URLs come from settings.peers).
EVENT_ROUTES: dict[str, list[str]] = {
    "intake": ["mediation.*"],
    "court-bridge": ["mediation.proceeding.*", "mediation.agreement.*"],
    "arbitration-bridge": ["mediation.proceeding.*", "mediation.agreement.*"],
}

OPENAPI_TAGS = [
    {
        "name": "registry",
        "description": "调解组织与调解员名册：等级、专长、语言、街道、容量、休假、利益冲突申报；变更留痕",
    },
    {"name": "proceedings", "description": "调解程序：法定期限、状态、延期（须双方同意）、终结、撤回"},
    {"name": "assignment", "description": "自动分派及其理由、中心负责人指定（须填写理由）、挂起重试"},
    {"name": "sessions", "description": "调解会：现场或在线，调解员不得重复预约"},
    {"name": "agreements", "description": "调解协议及履行：分期支付、逾期提醒、履行完毕"},
    {"name": "subsidies", "description": "以案定补：按结果和复杂程度计补，按月汇总"},
    {
        "name": "documents",
        "description": "文书：调解协议书、调解终结书、无争议事实确认书、调解通知书、确认申请书、送达回证（PDF，带摘要，版本留存）",
    },
    {
        "name": "calculators",
        "description": "经济补偿、赔偿金、二倍工资、加班费、年休假工资、代通知金、终局裁决判断、职工月平均工资",
    },
]


async def _start_scheduler(app: FastAPI) -> None:
    settings = settings_of(app, MediationSettings)
    app.state.scheduler = Scheduler(db=database_of(app), settings=settings)
    if settings.scheduler_enabled:
        app.state.scheduler.start()


async def _freeze_heap(app: FastAPI) -> None:
    """``gc.freeze()`` once the app is built (settings.gc_freeze; decision 0031)."""
    settings = settings_of(app, MediationSettings)
    wanted = settings.gc_freeze if settings.gc_freeze is not None else settings.environment != "test"
    if wanted:
        gc.collect()
        gc.freeze()


async def _stop_scheduler(app: FastAPI) -> None:
    scheduler: Scheduler | None = getattr(app.state, "scheduler", None)
    if scheduler is not None:
        await scheduler.stop()


def create_app(settings: MediationSettings | None = None, *, key_source: KeySource | None = None) -> FastAPI:
    settings = settings or MediationSettings()
    app = create_service_app(
        settings,
        title="OneWindow mediation (联合调解)",
        description="Mediation organisations and mediators, explainable assignment, proceedings with statutory "
        "clocks, sessions, agreements and their performance, the subsidy ledger, calculators.",
        routers=[
            centers_router,
            registry_router,
            proceedings_router,
            assignment_router,
            sessions_router,
            agreements_router,
            subsidies_router,
            calculators_router,
            portal_router,
            documents_router,
        ],
        event_handlers={**CENTER_EVENTS, **AGREEMENT_EVENTS, **case_event_handlers(settings)},
        event_routes=EVENT_ROUTES,
        key_source=key_source,
        on_startup=[setup_documents, _start_scheduler, _freeze_heap],
        on_shutdown=[_stop_scheduler],
        openapi_tags=OPENAPI_TAGS,
    )
    add_scrape_collector(app, clocks_at_risk_collector)
    return app
