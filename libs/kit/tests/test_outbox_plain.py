"""``prepare_event(..., plain=True)`` holds what the ORM ``OutboxEvent`` would (decision 0032), so
``outbox_sql`` renders the same statement and parameters from either."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from onewindow_kit.events.models import OutboxEvent
from onewindow_kit.events.outbox import outbox_sql, prepare_event


def _prepared(plain: bool) -> tuple[Any, list[str]]:
    session: Any = SimpleNamespace(info={"service": "intake"})
    return prepare_event(session, type="intake.case.registered", case_id="c1", data={"n": 1}, plain=plain)


def test_plain_event_has_the_orm_events_values() -> None:
    orm, orm_subs = _prepared(False)
    plain, plain_subs = _prepared(True)
    assert isinstance(orm, OutboxEvent) and not isinstance(plain, OutboxEvent)
    assert plain_subs == orm_subs
    varying = {"id", "occurred_at"}  # a fresh uuid and timestamp each call
    columns = [c.key for c in OutboxEvent.__table__.columns]  # type: ignore[attr-defined]
    assert {k: getattr(plain, k) for k in columns if k not in varying} == {
        k: getattr(orm, k) for k in columns if k not in varying
    }
    assert type(plain.id) is type(orm.id) and type(plain.occurred_at) is type(orm.occurred_at)
    orm_shape, orm_ctes, orm_params = outbox_sql(orm, ["mediation"], name="e0")
    plain_shape, plain_ctes, plain_params = outbox_sql(plain, ["mediation"], name="e0")
    assert plain_shape == orm_shape
    assert [(n, f.sql) for n, f in plain_ctes] == [(n, f.sql) for n, f in orm_ctes]
    assert plain_params.keys() == orm_params.keys()
