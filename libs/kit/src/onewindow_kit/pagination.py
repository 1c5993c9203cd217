"""Keyset pagination cursors: an opaque token for "after (instant, id)", never an offset."""

from __future__ import annotations

import base64
import json
from datetime import datetime

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
