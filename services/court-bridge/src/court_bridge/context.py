"""What the bridge's routes, event handlers and background work share (``app.state.court``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fastapi import Request
from onewindow_kit.crypto import FieldCipher

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
    db: Any = None


def get_context(request: Request) -> CourtContext:
    return request.app.state.court
