"""The intake client of the documents module as a typed dependency (built once per app; the file
storage is the kit's ``StorageDep``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, FastAPI, Request
from onewindow_kit.bridge.casefile import IntakeClient
from onewindow_kit.dependencies import http_of, settings_of

from mediation.config import MediationSettings


async def setup_documents(app: FastAPI) -> None:
    """Startup hook: the case-file client towards intake (parties' names and addresses)."""
    settings = settings_of(app, MediationSettings)
    app.state.document_intake = IntakeClient(
        http=http_of(app),
        base_url=settings.peers.get("intake"),
        tokens=app.state.service_tokens,
        peers_setting="MEDIATION_PEERS",
    )


def get_intake(request: Request) -> IntakeClient:
    client: IntakeClient = request.app.state.document_intake
    return client


IntakeDep = Annotated[IntakeClient, Depends(get_intake)]
