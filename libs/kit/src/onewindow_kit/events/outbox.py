"""Publishing: the event and its deliveries are rows in the caller's transaction."""

from __future__ import annotations

import fnmatch
from collections.abc import Hashable, Iterable, Mapping
from typing import Any

from pydantic_core import to_jsonable_python
from sqlalchemy import insert, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from onewindow_kit import sqltext
from onewindow_kit.events.models import OutboxDelivery, OutboxEvent
from onewindow_kit.logs import redact
from onewindow_kit.requestid import current_request_id
from onewindow_kit.sqltext import Fragment
from onewindow_kit.tracing import current_traceparent
from onewindow_kit.worker import WakeSignal

OUTBOX_WAKE = WakeSignal("outbox")  # marked by publish(); wakes the relay once the commit is done


class EventRoutes:
    """Which subscriber receives which event types (``fnmatch`` patterns such as ``intake.case.*``).

    The publisher owns this table: a service lists who consumes its events, and the peers' URLs
    come from settings, so adding a consumer is a configuration change on the publishing side.
    """

    def __init__(self, routes: Mapping[str, Iterable[str]] | None = None) -> None:
        self.routes = {name: tuple(patterns) for name, patterns in (routes or {}).items()}
        self._memo: dict[str, tuple[str, ...]] = {}

    @property
    def subscribers(self) -> tuple[str, ...]:
        return tuple(self.routes)

    def subscribers_for(self, event_type: str) -> tuple[str, ...]:
        hit = self._memo.get(event_type)
        if hit is None:
            hit = tuple(
                name
                for name, patterns in self.routes.items()
                if any(fnmatch.fnmatchcase(event_type, p) for p in patterns)
            )
            self._memo[event_type] = hit
        return hit


class PersonalDataInEvent(ValueError):
    """Raised when an event payload carries something shaped like an ID or phone number."""


def _check_no_personal_data(value: Any, path: str = "data") -> None:
    if isinstance(value, str):
        if redact(value) != value:
            raise PersonalDataInEvent(f"{path} looks like personal data; events carry ids, not ID or phone numbers")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_no_personal_data(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_no_personal_data(item, f"{path}[{index}]")


def prepare_event(
    session: AsyncSession,
    *,
    type: str,
    data: Mapping[str, Any],
    case_id: str | None = None,
    schema_version: int = 1,
) -> tuple[OutboxEvent, list[str]]:
    """The event ``publish`` would write, and its subscribers, checked but not yet written: for a
    caller that writes it with its own statement (``outbox_ctes``). Marks the relay's wake signal."""
    routes: EventRoutes = session.info.get("event_routes") or EventRoutes()
    payload = to_jsonable_python(dict(data))
    _check_no_personal_data(payload)
    event = OutboxEvent(
        type=type,
        source=session.info.get("service", "unknown"),
        case_id=case_id,
        data=payload,
        schema_version=schema_version,
        request_id=current_request_id(),
        traceparent=current_traceparent(),
    )
    OUTBOX_WAKE.mark(session)  # the relay is woken after the commit
    return event, list(routes.subscribers_for(type))


def outbox_ctes(event: OutboxEvent, subscribers: Iterable[str], *, name: str) -> list[Any]:
    """Data-modifying CTEs (PostgreSQL) that write ``event`` and its deliveries: the caller adds
    them to one statement of its own (``select(...).add_cte(*ctes)``), saving two round trips."""
    events = OutboxEvent.__table__  # type: ignore[attr-defined]
    deliveries = OutboxDelivery.__table__  # type: ignore[attr-defined]
    values = {c.name: getattr(event, c.key) for c in events.columns if c.name != "seq"}
    written = insert(events).values(values).returning(events.c.seq).cte(name)
    ctes: list[Any] = [written]
    subs = list(subscribers)
    if subs:
        proto = OutboxDelivery(event_seq=0, subscriber="")
        rest = {c.name: c for c in deliveries.columns if c.name not in ("id", "event_seq", "subscriber")}
        rows = [
            select(
                written.c.seq,
                literal(sub, deliveries.c.subscriber.type),
                *(literal(getattr(proto, c.key), c.type) for c in rest.values()),
            )
            for sub in subs
        ]
        source = rows[0] if len(rows) == 1 else union_all(*rows)
        ctes.append(
            insert(deliveries).from_select(["event_seq", "subscriber", *rest], source).cte(f"{name}_deliveries")
        )
    return ctes


def outbox_sql(
    event: OutboxEvent, subscribers: Iterable[str], *, name: str
) -> tuple[Hashable, list[tuple[str, Fragment]], dict[str, Any]]:
    """``outbox_ctes`` as text (``onewindow_kit.sqltext``): the shape key, the named CTEs (the
    event ``RETURNING seq``, then its deliveries ``SELECT``-ed from it) and their parameters."""
    events = OutboxEvent.__table__  # type: ignore[attr-defined]
    deliveries = OutboxDelivery.__table__  # type: ignore[attr-defined]
    values = {c.name: getattr(event, c.key) for c in events.columns if c.name != "seq"}
    ctes = [(name, sqltext.insert_values(events, values, name, returning="seq"))]
    out = sqltext.params(values, name)
    subs = list(subscribers)
    if subs:
        proto = OutboxDelivery(event_seq=0, subscriber="")
        rest = [c for c in deliveries.columns if c.name not in ("id", "event_seq", "subscriber")]
        selects: list[str] = []
        binds: list[Any] = []
        for i, sub in enumerate(subs):
            row = [sqltext.typed(deliveries.c.subscriber, f"{name}_d{i}_subscriber")]
            row += [sqltext.typed(c, f"{name}_d{i}_{c.name}") for c in rest]
            selects.append(f"SELECT {name}.seq, {', '.join(r[0] for r in row)} FROM {name}")
            binds.extend(r[1] for r in row)
            out[f"{name}_d{i}_subscriber"] = sub
            out.update({f"{name}_d{i}_{c.name}": getattr(proto, c.key) for c in rest})
        columns = ", ".join(sqltext.quote(c) for c in ["event_seq", "subscriber", *(c.name for c in rest)])
        sql = f"INSERT INTO {sqltext.quote(deliveries.name)} ({columns}) " + " UNION ALL ".join(selects)
        ctes.append((f"{name}_deliveries", sqltext.Fragment(sql, binds)))
    return (name, tuple(values), len(subs)), ctes, out


_PUBLISH = sqltext.StatementCache()


async def publish(
    session: AsyncSession,
    *,
    type: str,
    data: Mapping[str, Any],
    case_id: str | None = None,
    schema_version: int = 1,
) -> OutboxEvent:
    """Write an event to the outbox in the current transaction (it leaves only if this commits).

    On PostgreSQL the event and its deliveries are one statement (``outbox_sql``, rendered once per
    shape); elsewhere two flushes (SQLite has no data-modifying CTEs)."""
    event, subscribers = prepare_event(session, type=type, data=data, case_id=case_id, schema_version=schema_version)
    if session.get_bind().dialect.name == "postgresql":
        shape, ctes, values = outbox_sql(event, subscribers, name="published")

        def build() -> Any:
            sql = "WITH " + ", ".join(f"{name} AS ({f.sql})" for name, f in ctes) + " SELECT seq FROM published"
            return sqltext.statement(sql, [b for _, f in ctes for b in f.binds])

        # What the caller has pending is written first, as the flush below always did: sessions run
        # without autoflush, and callers read their rows back after publishing.
        await session.flush()
        event.seq = (await session.execute(_PUBLISH.get(shape, build), values)).scalar_one()
        return event
    session.add(event)
    await session.flush()
    assert event.seq is not None  # assigned by the flush
    for subscriber in subscribers:
        session.add(OutboxDelivery(event_seq=event.seq, subscriber=subscriber))
    await session.flush()
    return event
