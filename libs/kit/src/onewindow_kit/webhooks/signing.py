"""Standard Webhooks signatures (https://www.standardwebhooks.com/).

``webhook-signature`` is ``v1,<base64 HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{body}">``;
during a secret rotation the message is signed with every valid secret and the signatures are
space-separated, so the receiver's check passes with either its old or its new secret.
Secrets are ``whsec_`` followed by base64 of random bytes (the key is the decoded bytes).

The HMAC itself is the ``standardwebhooks`` package's (the spec's reference implementation); this
module adds the stricter secret check (prefix, base64, at least 24 bytes) and multi-secret signing.
"""

from __future__ import annotations

import base64
import binascii
import secrets as _secrets
from collections.abc import Iterable
from datetime import UTC, datetime

from standardwebhooks import Webhook

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32


def new_secret() -> str:
    """A fresh ``whsec_`` secret (256 random bits)."""
    return SECRET_PREFIX + base64.b64encode(_secrets.token_bytes(SECRET_BYTES)).decode()


def secret_key(secret: str) -> bytes:
    """The HMAC key of a ``whsec_`` secret; ValueError when it is not one."""
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError("a webhook secret starts with whsec_")
    body = secret[len(SECRET_PREFIX) :]
    try:
        key = base64.b64decode(body + "=" * (-len(body) % 4), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("a webhook secret is whsec_ followed by base64") from exc
    if len(key) < 24:
        raise ValueError("a webhook secret has at least 24 random bytes")
    return key


def signature(*, msg_id: str, timestamp: int, body: bytes | str, secret: str) -> str:
    """One ``v1,<base64>`` signature."""
    text = body if isinstance(body, str) else body.decode()
    return Webhook(secret_key(secret)).sign(msg_id, datetime.fromtimestamp(timestamp, UTC), text)


def sign(*, msg_id: str, timestamp: int, body: bytes | str, secrets: Iterable[str]) -> str:
    """The ``webhook-signature`` header: one signature per valid secret, space-separated."""
    parts = [signature(msg_id=msg_id, timestamp=timestamp, body=body, secret=s) for s in secrets]
    if not parts:
        raise ValueError("no secret to sign with")
    return " ".join(parts)


def signed_headers(*, msg_id: str, timestamp: int, body: bytes | str, secrets: Iterable[str]) -> dict[str, str]:
    """The three Standard Webhooks headers plus the content type."""
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(msg_id=msg_id, timestamp=timestamp, body=body, secrets=secrets),
        "content-type": "application/json",
    }


__all__ = ["SECRET_PREFIX", "new_secret", "secret_key", "sign", "signature", "signed_headers"]
