"""The document store as a typed dependency (built once per app)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, FastAPI, Request
from onewindow_kit.dependencies import settings_of
from onewindow_kit.storage import Storage, storage_from_url

from intake.config import IntakeSettings


async def setup_documents(app: FastAPI) -> None:
    """Startup hook: the storage backend of generated documents."""
    app.state.document_storage = storage_from_url(settings_of(app, IntakeSettings).storage_url)


def get_storage(request: Request) -> Storage:
    storage: Storage = request.app.state.document_storage
    return storage


StorageDep = Annotated[Storage, Depends(get_storage)]
