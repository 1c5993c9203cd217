"""What the bridge's routes, event handlers and background work share (``app.state.court``)."""

from __future__ import annotations

from fastapi import Request
from onewindow_kit.bridge.context import BridgeContext

from court_bridge.config import CourtBridgeSettings

CourtContext = BridgeContext[CourtBridgeSettings]


def get_context(request: Request) -> CourtContext:
    ctx: CourtContext = request.app.state.court
    return ctx
