"""``GET /api/openapi``: where each service's OpenAPI document and docs page are, via the gateway."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from gateway.config import ROUTES, SettingsDep

router = APIRouter(tags=["openapi"])


class OpenApiEntry(BaseModel):
    service: str
    openapi_url: str
    docs_url: str


@router.get("/api/openapi", operation_id="list_openapi_documents")
async def list_openapi_documents(settings: SettingsDep) -> list[OpenApiEntry]:
    """The OpenAPI documents of the gateway and of each service, as reachable through the gateway
    (public, like the documents themselves)."""
    upstreams = settings.upstreams
    entries = [OpenApiEntry(service="gateway", openapi_url="/openapi.json", docs_url="/docs")]
    for prefix, name, keep_prefix in ROUTES:
        if not keep_prefix and name in upstreams:
            entries.append(OpenApiEntry(service=name, openapi_url=f"{prefix}/openapi.json", docs_url=f"{prefix}/docs"))
    return entries
