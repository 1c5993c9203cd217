"""Waiting on an event with a timeout, without ever swallowing a cancellation.

``asyncio.wait_for`` in Python 3.11 can lose a ``cancel()`` that races with the awaited event
completing (fixed in 3.12): a background loop then keeps running and its ``stop()`` waits forever —
seen as a test run hanging in fixture teardown. ``asyncio.timeout`` tells the two apart.
"""

from __future__ import annotations

import asyncio


async def wait_event(event: asyncio.Event, timeout: float) -> bool:
    """Wait until ``event`` is set or ``timeout`` seconds pass; True when it was set."""
    try:
        async with asyncio.timeout(max(0.0, timeout)):
            await event.wait()
        return True
    except TimeoutError:
        return False
