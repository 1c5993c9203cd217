"""``GET /health``: the gateway and every upstream at a glance (the kit adds /healthz, /readyz)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from onewindow_kit.dependencies import HttpDep, database_of

from gateway.config import SettingsDep

router = APIRouter(tags=["health"])


async def _check_upstream(http: httpx.AsyncClient, base_url: str, timeout: float) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        response = await http.get(f"{base_url.rstrip('/')}/readyz", timeout=timeout)
    except httpx.TimeoutException:
        return {"status": "down", "error": "timed out"}
    except httpx.HTTPError as exc:
        return {"status": "down", "error": f"unreachable ({type(exc).__name__})"}
    latency = round((time.perf_counter() - started) * 1000, 1)
    if response.status_code != 200:
        return {"status": "down", "error": f"readyz answered {response.status_code}", "latency_ms": latency}
    return {"status": "ok", "latency_ms": latency}


async def _check_gateway(request: Request) -> dict[str, Any]:
    try:
        await database_of(request.app).ping()
    except Exception as exc:  # any driver error means the database is not usable
        return {"status": "down", "error": f"database unreachable ({type(exc).__name__})"}
    return {"status": "ok", "database": "ok", "signing_key": request.app.state.keys.signer.kid}


@router.get(
    "/health",
    operation_id="get_health",
    responses={
        503: {
            "description": "``degraded``: a part is down (the same body as 200, not a problem)",
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    },
)
async def get_health(request: Request, settings: SettingsDep, http: HttpDep) -> JSONResponse:
    """Every part of OneWindow: the gateway (its database) and each service's ``/readyz``, checked
    concurrently with a short timeout. 200 when all are up, 503 (``degraded``) otherwise."""
    names = list(settings.upstreams)
    results = await asyncio.gather(
        _check_gateway(request),
        *(_check_upstream(http, settings.upstreams[name], settings.health_timeout_seconds) for name in names),
    )
    services = {"gateway": results[0], **dict(zip(names, results[1:], strict=True))}
    healthy = all(part["status"] == "ok" for part in services.values())
    return JSONResponse(
        {"status": "ok" if healthy else "degraded", "services": services},
        status_code=200 if healthy else 503,
        headers={"Cache-Control": "no-store"},
    )
