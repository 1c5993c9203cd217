"""``/healthz`` (the process is alive) and ``/readyz`` (its database answers)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

router = APIRouter(tags=["health"])


@router.get("/healthz", operation_id="get_liveness")
async def get_liveness(request: Request) -> dict[str, str]:
    """Alive: answers as long as the process serves requests."""
    return {"status": "ok", "service": request.app.state.settings.service_name}


@router.get("/readyz", operation_id="get_readiness")
async def get_readiness(request: Request) -> JSONResponse:
    """Ready: the service's database is reachable."""
    name = request.app.state.settings.service_name
    try:
        await request.app.state.db.ping()
    except Exception as exc:  # any driver error means "not ready"; the detail says which
        return JSONResponse(
            {"status": "unavailable", "service": name, "database": f"unreachable: {type(exc).__name__}"},
            status_code=503,
        )
    return JSONResponse({"status": "ok", "service": name, "database": "ok"})
