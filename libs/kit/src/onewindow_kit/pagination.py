"""Keyset pagination: an opaque cursor for "after (instant, id)", never an offset, and the page it
continues (:func:`keyset_page`)."""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from onewindow_kit.errors import ValidationFailed


def encode_cursor(at: datetime, key: str) -> str:
    """The cursor that continues after the row ordered at ``(at, key)``."""
    return base64.urlsafe_b64encode(json.dumps([at.isoformat(), key]).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """``(at, key)`` of a cursor made by :func:`encode_cursor`; a 422 on the ``cursor`` field otherwise."""
    try:
        at, key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        instant = datetime.fromisoformat(at)
        if instant.tzinfo is None:
            raise ValueError("naive instant")
        return instant, str(key)
    except (ValueError, TypeError) as exc:  # json.JSONDecodeError and binascii.Error are ValueErrors
        raise ValidationFailed.field("cursor", "翻页游标无效") from exc


async def keyset_page(
    session: AsyncSession,
    query: Select[Any],
    at: InstrumentedAttribute[datetime],
    key: InstrumentedAttribute[str],
    *,
    cursor: str | None,
    limit: int,
    newest_first: bool = True,
) -> tuple[list[Any], str | None]:
    """One page of ``query``'s rows in ``(at, key)`` order — newest first, or oldest first with
    ``newest_first=False`` — continuing after ``cursor``: the rows and the next page's cursor (None on
    the last page). ``query`` selects one ORM entity and has no ORDER BY or LIMIT of its own."""
    if newest_first:
        query = query.order_by(at.desc(), key.desc())
    else:
        query = query.order_by(at, key)
    query = query.limit(limit + 1)
    if cursor:
        instant, last = decode_cursor(cursor)
        if newest_first:
            query = query.where(or_(at < instant, and_(at == instant, key < last)))
        else:
            query = query.where(or_(at > instant, and_(at == instant, key > last)))
    rows = list((await session.execute(query)).scalars())
    page = rows[:limit]
    if len(rows) <= limit:
        return page, None
    return page, encode_cursor(getattr(page[-1], at.key), getattr(page[-1], key.key))
