"""Events between services: transactional outbox, relay, inbox.

- ``publish(session, type=…, data=…)`` writes the event and one delivery row per subscriber in the
  caller's transaction, so the event exists if and only if the state change committed.
- ``Relay`` delivers pending rows to each subscriber's ``POST /internal/events`` with a service
  token, in order per subscriber, retrying with exponential backoff; nothing is dropped.
- The ``/internal/events`` endpoint records each event id in the inbox in the same transaction as
  the handler's effect, so a redelivered event has no second effect.
"""

from onewindow_kit.events.models import EventEnvelope, InboxEvent, OutboxDelivery, OutboxEvent
from onewindow_kit.events.outbox import OUTBOX_WAKE, EventRoutes, Route, RouteTable, publish, referred_by
from onewindow_kit.events.relay import Relay

__all__ = [
    "OUTBOX_WAKE",
    "EventEnvelope",
    "EventRoutes",
    "InboxEvent",
    "OutboxDelivery",
    "OutboxEvent",
    "Relay",
    "Route",
    "RouteTable",
    "publish",
    "referred_by",
]
