"""``/healthz`` (the process is alive) and ``/readyz`` (its database answers)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from onewindow_kit.dependencies import DatabaseDep, settings_dependency
from onewindow_kit.settings import BaseServiceSettings

# The gateway mounts these routes too: only what every process's settings have.
SettingsDep = Annotated[BaseServiceSettings, Depends(settings_dependency(BaseServiceSettings))]

router = APIRouter(tags=["health"])


@router.get("/healthz", operation_id="get_liveness")
async def get_liveness(settings: SettingsDep) -> dict[str, str]:
    """Alive: answers as long as the process serves requests."""
    return {"status": "ok", "service": settings.service_name}


@router.get("/readyz", operation_id="get_readiness")
async def get_readiness(settings: SettingsDep, db: DatabaseDep) -> JSONResponse:
    """Ready: the service's database is reachable."""
    name = settings.service_name
    try:
        await db.ping()
    except Exception as exc:  # any driver error means "not ready"; the detail says which
        return JSONResponse(
            {"status": "unavailable", "service": name, "database": f"unreachable: {type(exc).__name__}"},
            status_code=503,
        )
    return JSONResponse({"status": "ok", "service": name, "database": "ok"})
