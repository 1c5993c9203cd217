"""Personal data at rest: AES-256-GCM for values, HMAC-SHA256 for exact look-ups.

ID numbers and phone numbers are stored encrypted (readable only through the service, with the
access logged) and as a keyed hash, so "find the case of ID number X" is an index look-up, never a
scan that decrypts every row. Keys are 32 random bytes, base64-encoded, from settings; the key id is
stored with each ciphertext so keys can be rotated (old ones stay listed for decryption).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets

from cryptography.hazmat.primitives.ciphers.aead import AESGCM


def new_key() -> str:
    """A fresh 256-bit key, base64-encoded (what ``<PREFIX>DATA_KEYS`` and ``LOOKUP_KEY`` hold)."""
    return base64.b64encode(secrets.token_bytes(32)).decode()


def _decode_key(value: str) -> bytes:
    raw = base64.b64decode(value)
    if len(raw) != 32:
        raise ValueError("keys are 32 bytes, base64-encoded")
    return raw


class FieldCipher:
    """Encrypts short strings; ``keys`` is ``{key_id: base64 key}``, ``active`` signs new values."""

    def __init__(self, keys: dict[str, str], active: str, lookup_key: str) -> None:
        if active not in keys:
            raise ValueError(f"active data key {active!r} is not among the configured keys")
        self._keys = {kid: AESGCM(_decode_key(k)) for kid, k in keys.items()}
        self._active = active
        self._lookup = _decode_key(lookup_key)

    def encrypt(self, plaintext: str, *, context: str = "") -> str:
        """``kid:base64(nonce|ciphertext)``; ``context`` (e.g. the column) is bound as associated data."""
        nonce = os.urandom(12)
        ct = self._keys[self._active].encrypt(nonce, plaintext.encode(), context.encode())
        return f"{self._active}:{base64.b64encode(nonce + ct).decode()}"

    def decrypt(self, token: str, *, context: str = "") -> str:
        kid, _, body = token.partition(":")
        raw = base64.b64decode(body)
        return self._keys[kid].decrypt(raw[:12], raw[12:], context.encode()).decode()

    def lookup_hash(self, value: str, *, context: str = "") -> str:
        """Deterministic keyed hash of a normalised value, for equality look-ups."""
        return hmac.new(self._lookup, f"{context}\x00{value}".encode(), hashlib.sha256).hexdigest()
