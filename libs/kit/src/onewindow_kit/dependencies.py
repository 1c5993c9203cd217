"""The one typed way to reach what a process keeps on ``app.state``.

Routes take these as dependencies (``settings: SettingsDep``, ``db: DatabaseDep``…); code that
holds the app rather than a request (startup hooks, tests) uses the ``…_of(app)`` accessors. Each
checks the type of what it finds, so a missing startup step fails here with a clear message instead
of an ``AttributeError`` deep in a handler, and callers get a typed object instead of ``Any``.

A service narrows the settings type once, next to its settings class::

    SettingsDep = Annotated[MediationSettings, Depends(settings_dependency(MediationSettings))]
"""

# No `from __future__ import annotations`: FastAPI must see the Annotated dependencies as objects.

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated, TypeVar

import httpx
from fastapi import Depends, FastAPI, Request
from pydantic_settings import BaseSettings

from onewindow_kit.db import Database, SessionDep, database_of
from onewindow_kit.settings import ServiceSettings
from onewindow_kit.storage import Storage, storage_of

if TYPE_CHECKING:
    # Imported lazily: the dispatcher's module brings the partner and webhook tables into the
    # metadata, which only the bridges have (intake's Alembic autogenerate must not see them).
    from onewindow_kit.webhooks.dispatcher import WebhookDispatcher

S = TypeVar("S", bound=BaseSettings)


def install_settings(app: FastAPI, settings: BaseSettings) -> None:
    """Put the process's settings on the app (``create_app`` does this before anything runs)."""
    app.state.settings = settings


def settings_of(app: FastAPI, cls: type[S]) -> S:
    """The app's settings, checked to be a ``cls`` (a service passes its own settings class)."""
    settings = getattr(app.state, "settings", None)
    if not isinstance(settings, cls):
        raise RuntimeError(f"app.state.settings is {type(settings).__name__}, expected {cls.__name__}")
    return settings


def settings_dependency(cls: type[S]) -> Callable[[Request], Awaitable[S]]:
    """A dependency answering the app's settings as a ``cls``. The dependencies here are ``async``
    though they never await: FastAPI runs a plain ``def`` dependency in its thread pool, a thread
    hop per dependency per request (decision 0032)."""

    async def get_settings(request: Request) -> S:
        return settings_of(request.app, cls)

    get_settings.__name__ = f"get_{cls.__name__}"
    return get_settings


get_service_settings = settings_dependency(ServiceSettings)
# The settings every domain service has; a service's own fields need its SettingsDep (above).
SettingsDep = Annotated[ServiceSettings, Depends(get_service_settings)]


async def get_db(request: Request) -> Database:
    return database_of(request.app)


DatabaseDep = Annotated[Database, Depends(get_db)]


def http_of(app: FastAPI) -> httpx.AsyncClient:
    """The process's shared outbound HTTP client (built in the lifespan)."""
    http = getattr(app.state, "http", None)
    if not isinstance(http, httpx.AsyncClient):
        raise RuntimeError("app.state.http is not set: the lifespan has not run")
    return http


async def get_http(request: Request) -> httpx.AsyncClient:
    return http_of(request.app)


HttpDep = Annotated[httpx.AsyncClient, Depends(get_http)]


async def get_storage(request: Request) -> Storage:
    return storage_of(request.app)


# The process's file storage (``onewindow_kit.storage``: local files or an S3-compatible store).
StorageDep = Annotated[Storage, Depends(get_storage)]


def webhooks_of(app: FastAPI) -> "WebhookDispatcher":
    """The bridge's webhook dispatcher (its cipher, guard and settings: the partner context)."""
    from onewindow_kit.webhooks.dispatcher import WebhookDispatcher

    runtime = getattr(app.state, "webhooks", None)
    if not isinstance(runtime, WebhookDispatcher):
        raise RuntimeError("app.state.webhooks is not set: build the WebhookDispatcher in the startup hook")
    return runtime


def install_webhooks(app: FastAPI, dispatcher: "WebhookDispatcher") -> None:
    app.state.webhooks = dispatcher


async def get_webhooks(request: Request) -> "WebhookDispatcher":
    return webhooks_of(request.app)


WebhooksDep = Annotated["WebhookDispatcher", Depends(get_webhooks)]

__all__ = [
    "DatabaseDep",
    "HttpDep",
    "SessionDep",
    "SettingsDep",
    "WebhooksDep",
    "database_of",
    "get_db",
    "get_http",
    "get_service_settings",
    "get_webhooks",
    "http_of",
    "install_settings",
    "install_webhooks",
    "settings_dependency",
    "settings_of",
    "webhooks_of",
]
