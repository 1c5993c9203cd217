"""What a bridge's routes, event handlers and background work share (``app.state.<partner>``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from onewindow_kit.bridge.casefile import IntakeClient
from onewindow_kit.bridge.documents import DocumentsClient
from onewindow_kit.bridge.settings import BridgeSettings
from onewindow_kit.bridge.worker import BridgeWorker
from onewindow_kit.crypto import FieldCipher
from onewindow_kit.db import Database

S = TypeVar("S", bound=BridgeSettings)


@dataclass
class BridgeContext(Generic[S]):
    settings: S
    cipher: FieldCipher
    intake: IntakeClient | None = None  # built in the lifespan (it needs the process's HTTP client)
    documents: DocumentsClient | None = None  # mediation's generated documents (built in the lifespan)
    worker: BridgeWorker | None = None
    db: Any = None  # the process's Database, set in the lifespan

    @classmethod
    def for_settings(cls, settings: S) -> BridgeContext[S]:
        return cls(
            settings=settings, cipher=FieldCipher(settings.data_keys, settings.data_key_active, settings.lookup_key)
        )

    def database(self) -> Database:
        assert self.db is not None, "the bridge has not started"
        db: Database = self.db
        return db
