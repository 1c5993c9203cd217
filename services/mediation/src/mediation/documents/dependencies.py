"""The document store and the intake client as typed dependencies (built once per app)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, FastAPI, Request
from onewindow_kit.bridge.casefile import IntakeClient
from onewindow_kit.dependencies import http_of, settings_of
from onewindow_kit.storage import Storage, storage_from_url

from mediation.config import MediationSettings


async def setup_documents(app: FastAPI) -> None:
    """Startup hook: the storage backend and the case-file client towards intake."""
    settings = settings_of(app, MediationSettings)
    app.state.document_storage = storage_from_url(settings.storage_url)
    app.state.document_intake = IntakeClient(
        http=http_of(app),
        base_url=settings.peers.get("intake"),
        tokens=app.state.service_tokens,
        peers_setting="MEDIATION_PEERS",
    )


def get_storage(request: Request) -> Storage:
    storage: Storage = request.app.state.document_storage
    return storage


def get_intake(request: Request) -> IntakeClient:
    client: IntakeClient = request.app.state.document_intake
    return client


StorageDep = Annotated[Storage, Depends(get_storage)]
IntakeDep = Annotated[IntakeClient, Depends(get_intake)]
