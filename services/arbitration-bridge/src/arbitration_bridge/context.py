"""What the bridge's routes, event handlers and background work share (``app.state.arbitration``)."""

from __future__ import annotations

from fastapi import Request
from onewindow_kit.bridge.context import BridgeContext

from arbitration_bridge.config import ArbitrationBridgeSettings

ArbitrationContext = BridgeContext[ArbitrationBridgeSettings]


def get_context(request: Request) -> ArbitrationContext:
    ctx: ArbitrationContext = request.app.state.arbitration
    return ctx
