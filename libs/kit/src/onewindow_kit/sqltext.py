"""Hot-path PostgreSQL statements written once per shape, as text with typed bound parameters.

A SQLAlchemy Core statement is rebuilt, coerced and cache-keyed on every call (and a multi-row
``VALUES`` is not cacheable at all): for a registration's two large statements that was most of
intake's CPU. Here the SQL of a *shape* (which tables, which columns, how many rows) is rendered
once from the table metadata and kept; a call only fills a dict of parameters. The parameters
stay typed (``bindparam(type_=column.type)``), so JSON, ``UtcDateTime`` and the rest are processed
exactly as the ORM would, and every value travels as a bound parameter, never in the SQL text.
Decision 0024.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any

from pydantic_core import PydanticUndefined
from sqlalchemy import Column, Table, bindparam, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql.elements import BindParameter, TextClause

_PG = postgresql.dialect()  # type: ignore[no-untyped-call]
_quote = _PG.identifier_preparer.quote


def quote(name: str) -> str:
    return _quote(name)


_TYPE_SQL: dict[Column[Any], str] = {}  # a column's type as PostgreSQL DDL, rendered once per column


def typed(column: Column[Any], key: str) -> tuple[str, BindParameter[Any]]:
    """``CAST(:key AS <column type>)`` and its bound parameter of the column's type."""
    type_sql = _TYPE_SQL.get(column)
    if type_sql is None:
        # Compiling a type costs ~20 µs; a publisher calls this for every column of every event
        # and delivery it writes (outbox_sql renders its fragments on each call), so keep it.
        type_sql = _TYPE_SQL[column] = column.type.compile(dialect=_PG)
    return f"CAST(:{key} AS {type_sql})", bindparam(key, type_=column.type)


class Fragment:
    """A piece of SQL text with the bound parameters it names."""

    def __init__(self, sql: str, binds: Iterable[BindParameter[Any]] = ()) -> None:
        self.sql = sql
        self.binds = list(binds)


def insert_values(table: Table, columns: Iterable[str], prefix: str, *, returning: str = "") -> Fragment:
    """``INSERT INTO table (columns) VALUES (...)`` with parameters ``<prefix>_<column>``."""
    cols = [table.c[name] for name in columns]
    rendered = [typed(c, f"{prefix}_{c.name}") for c in cols]
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(c.name) for c in cols)}) "
        f"VALUES ({', '.join(r[0] for r in rendered)})"
    )
    if returning:
        sql += f" RETURNING {returning}"
    return Fragment(sql, (r[1] for r in rendered))


def params(values: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    """The parameters of ``insert_values(..., prefix)`` for one row."""
    return {f"{prefix}_{name}": value for name, value in values.items()}


_DEFAULTS: dict[type[Any], dict[str, tuple[Any, Callable[[], Any] | None]]] = {}


def row(model: type[Any], **values: Any) -> dict[str, Any]:
    """The field values ``model(**values)`` would hold (a SQLModel table model: its defaults and
    default factories filled in), as a plain dict — for a hot path that writes the row with a
    statement of this module and has no use for the ORM instance (building one costs ~0.1 ms).
    A field the model lacks, or a required one missing, fails at once, as the constructor would."""
    spec = _DEFAULTS.get(model)
    if spec is None:
        spec = _DEFAULTS[model] = {
            name: (field.default, field.default_factory) for name, field in model.model_fields.items()
        }
    unknown = values.keys() - spec.keys()
    if unknown:
        raise TypeError(f"{model.__name__} has no field {sorted(unknown)}")
    out: dict[str, Any] = {}
    for name, (default, factory) in spec.items():
        if name in values:
            out[name] = values[name]
        elif factory is not None:
            out[name] = factory()
        elif default is PydanticUndefined:
            raise TypeError(f"{model.__name__}.{name} is required")
        else:
            out[name] = copy.copy(default) if isinstance(default, (dict, list, set)) else default
    return out


def statement(sql: str, binds: Iterable[BindParameter[Any]]) -> TextClause:
    return text(sql).bindparams(*binds)


class StatementCache:
    """Statements by shape key, built on first use (bounded: a shape is a count of rows, so a
    handful in practice; past ``size`` the oldest is dropped)."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._items: dict[Hashable, TextClause] = {}

    def get(self, key: Hashable, build: Callable[[], TextClause]) -> TextClause:
        hit = self._items.get(key)
        if hit is None:
            if len(self._items) >= self.size:
                self._items.pop(next(iter(self._items)))
            hit = self._items[key] = build()
        return hit

    def __len__(self) -> int:
        return len(self._items)
