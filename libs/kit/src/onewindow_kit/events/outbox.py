"""Publishing: the event and its deliveries are rows in the caller's transaction."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, cast

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


EventPredicate = Callable[[str, Mapping[str, Any]], bool]
"""A route's condition: the event's type and its data as published (JSON values)."""


@dataclass(frozen=True, slots=True)
class Route:
    """A type pattern that holds only for some events: ``Route("intake.case.registered",
    when=referred_by("court"))``. A plain string in a routing table is a route without a condition."""

    pattern: str
    when: EventPredicate | None = None


def referred_by(partner: str) -> EventPredicate:
    """The events of a case a partner referred: ``data.external_ref.partner`` (decision 0006) is ``partner``."""

    def check(event_type: str, data: Mapping[str, Any]) -> bool:
        ref = data.get("external_ref")
        return isinstance(ref, Mapping) and ref.get("partner") == partner

    check.__qualname__ = f"referred_by({partner!r})"
    return check


RouteTable = Mapping[str, Iterable[str | Route]]


@dataclass(frozen=True, slots=True)
class _Receivers:
    """Who receives one event type: ``names`` when no condition applies to it (most types), else
    ``checked``: every matching subscriber in table order with its conditions (None: unconditionally)."""

    names: tuple[str, ...]
    checked: tuple[tuple[str, tuple[EventPredicate, ...] | None], ...] = ()


class EventRoutes:
    """Which subscriber receives which events: ``fnmatch`` patterns such as ``intake.case.*``, or
    ``Route``s whose condition looks at the event's data (decision 0027).

    The publisher owns this table: a service lists who consumes its events, and the peers' URLs
    come from settings, so adding a consumer is a configuration change on the publishing side.
    A subscriber receives an event when any of its routes matches it.
    """

    def __init__(self, routes: RouteTable | None = None) -> None:
        self.routes = {
            name: tuple(r if isinstance(r, Route) else Route(r) for r in entries)
            for name, entries in (routes or {}).items()
        }
        self._memo: dict[str, _Receivers] = {}

    @property
    def subscribers(self) -> tuple[str, ...]:
        return tuple(self.routes)

    def subscribers_for(self, event_type: str, data: Mapping[str, Any]) -> tuple[str, ...]:
        """Who receives an event of ``event_type`` carrying ``data`` (as published)."""
        receivers = self._memo.get(event_type)
        if receivers is None:
            receivers = self._memo[event_type] = self._receivers(event_type)
        if not receivers.checked:
            return receivers.names
        return tuple(
            name
            for name, checks in receivers.checked
            if checks is None or any(check(event_type, data) for check in checks)
        )

    def _receivers(self, event_type: str) -> _Receivers:
        checked: list[tuple[str, tuple[EventPredicate, ...] | None]] = []
        for name, routes in self.routes.items():
            matching = [r for r in routes if fnmatch.fnmatchcase(event_type, r.pattern)]
            if any(r.when is None for r in matching):
                checked.append((name, None))
            elif matching:
                checked.append((name, tuple(r.when for r in matching if r.when is not None)))
        if all(checks is None for _, checks in checked):
            return _Receivers(tuple(name for name, _ in checked))
        return _Receivers((), tuple(checked))


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
    plain: bool = False,
) -> tuple[OutboxEvent, list[str]]:
    """The event ``publish`` would write, and its subscribers, checked but not yet written: for a
    caller that writes it with its own statement (``outbox_ctes``). Marks the relay's wake signal.
    ``plain``: the event's field values on a plain object instead of an ORM instance (a tenth of
    the cost), for a caller that only reads its attributes (``outbox_sql``) and never adds it."""
    routes: EventRoutes = session.info.get("event_routes") or EventRoutes()
    payload = to_jsonable_python(dict(data))
    _check_no_personal_data(payload)
    make: Any = _plain_event if plain else OutboxEvent
    event = make(
        type=type,
        source=session.info.get("service", "unknown"),
        case_id=case_id,
        data=payload,
        schema_version=schema_version,
        request_id=current_request_id(),
        traceparent=current_traceparent(),
    )
    OUTBOX_WAKE.mark(session)  # the relay is woken after the commit
    return event, list(routes.subscribers_for(type, payload))


def _plain_event(**values: Any) -> OutboxEvent:
    return cast(OutboxEvent, SimpleNamespace(**sqltext.row(OutboxEvent, **values)))


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
        proto = SimpleNamespace(**sqltext.row(OutboxDelivery, event_seq=0, subscriber=""))
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


def outbox_sql_many(
    events: Iterable[tuple[OutboxEvent, Iterable[str]]],
) -> tuple[list[Hashable], list[tuple[str, Fragment]], dict[str, Any]]:
    """``outbox_sql`` for several events, named ``event0``, ``event1``…: their shape keys, all their
    CTEs in order and all their parameters, for a caller that writes them in one statement."""
    shapes: list[Hashable] = []
    ctes: list[tuple[str, Fragment]] = []
    params: dict[str, Any] = {}
    for i, (event, subscribers) in enumerate(events):
        shape, parts, values = outbox_sql(event, subscribers, name=f"event{i}")
        shapes.append(shape)
        ctes.extend(parts)
        params |= values
    return shapes, ctes, params


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
