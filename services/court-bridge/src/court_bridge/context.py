"""What the bridge's routes, event handlers and background work share (``app.state.court``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from fastapi import Request
from onewindow_kit.crypto import FieldCipher
from onewindow_kit.db import Database

from court_bridge.casefile.client import IntakeClient
from court_bridge.config import CourtBridgeSettings

if TYPE_CHECKING:
    from court_bridge.worker import BridgeWorker


@dataclass
class CourtContext:
    settings: CourtBridgeSettings
    cipher: FieldCipher
    intake: IntakeClient | None = None  # built in the lifespan (it needs the process's HTTP client)
    worker: BridgeWorker | None = None
    database: Database | None = None  # the process's Database, set in the lifespan (use ``db``)

    @property
    def db(self) -> Database:
        if self.database is None:
            raise RuntimeError("the bridge's database is set in the startup hook; the lifespan has not run")
        return self.database


def get_context(request: Request) -> CourtContext:
    return request.app.state.court
