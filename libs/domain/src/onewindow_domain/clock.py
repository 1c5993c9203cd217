"""The product's one clock: "now" is an instant, "today" is always Beijing's date (Asia/Shanghai).

Legal periods are dates in China, whatever the host's time zone: at 23:30 UTC it is already
07:30 the next day in Beijing, and a clerk who enters that date as 知道权利受侵害之日 is not
entering a future date. Every "today" in the product comes from ``today()`` and every "now" from
``now()``; nothing calls ``date.today()`` or a naive ``datetime.now()`` (ruff's DTZ rules).

Tests freeze the clock with ``frozen(instant)`` (a context manager; the instant must be aware).
China has one time zone and no daylight saving, so a fixed +08:00 offset needs no tz database.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta, timezone

__all__ = ["CHINA_TZ", "china_date", "frozen", "now", "today"]

CHINA_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")

_frozen: datetime | None = None


def now() -> datetime:
    """The current instant, aware, in UTC."""
    return _frozen if _frozen is not None else datetime.now(UTC)


def today() -> date:
    """Today's date in Beijing (Asia/Shanghai)."""
    return china_date(now())


def china_date(instant: datetime) -> date:
    """The date in Beijing of an aware instant."""
    if instant.tzinfo is None:
        raise ValueError("china_date needs an aware datetime")
    return instant.astimezone(CHINA_TZ).date()


@contextmanager
def frozen(instant: datetime) -> Iterator[datetime]:
    """Within the block, ``now()`` is ``instant`` (aware) and ``today()`` its Beijing date."""
    global _frozen
    if instant.tzinfo is None:
        raise ValueError("frozen needs an aware datetime")
    previous, _frozen = _frozen, instant.astimezone(UTC)
    try:
        yield _frozen
    finally:
        _frozen = previous
