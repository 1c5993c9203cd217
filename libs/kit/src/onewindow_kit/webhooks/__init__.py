"""Signed webhooks to partners (Standard Webhooks), never lost.

- ``enqueue(session, partner_id=…, stream_key=…, event_type=…, data=…)`` writes the message in the
  caller's transaction (it leaves only if that commits); ``webhook-id`` is fixed then.
- ``WebhookDispatcher`` delivers: per partner, in order per stream, signed with every valid secret,
  retried on the configured schedule, then kept as ``failed`` for an administrator to replay.
- ``AddressGuard`` refuses URLs that lead into internal networks (checked again at connect time).
- ``webhook_admin_router()``: deliveries, attempt logs, replay.

Names are imported lazily: the partner registry (``onewindow_kit.partners``) uses the signing module
and the dispatcher uses the registry, so an eager import here would be circular.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "DEFAULT_RETRY_SCHEDULE": "settings",
    "WebhookSettings": "settings",
    "AddressGuard": "guard",
    "UrlRefused": "guard",
    "WebhookAttempt": "models",
    "WebhookMessage": "models",
    "WebhookDispatcher": "dispatcher",
    "enqueue": "outbox",
    "WEBHOOKS_WAKE": "outbox",
    "new_secret": "signing",
    "sign": "signing",
    "signed_headers": "signing",
    "webhook_admin_router": "router",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
