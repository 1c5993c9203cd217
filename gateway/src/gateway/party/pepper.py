"""The server secret the parties' one-time codes are hashed with (a keyed HMAC, not a plain hash).

A 6-digit code has a million values: a plain hash of it, even salted with the challenge id, is
brute-forced in milliseconds by anyone who reads the gateway's database. Keyed with a secret that
is not in the database, the stored value tells such a reader nothing.

The keys come from ``GATEWAY_PARTY_CODE_KEYS`` (``{key id: base64 32 bytes}``, the newest listed
active unless ``GATEWAY_PARTY_CODE_KEY_ACTIVE`` names one) or, when that is empty, from the file
``GATEWAY_PARTY_CODE_KEY_FILE`` (default ``<keys_dir>/party-code-keys``, mode 0600, the same JSON
shape under ``"keys"`` and ``"active"``), created with a fresh key on first start like the signing
keys; replicas sharing the folder share it (written aside, then linked into place: two first
starts cannot both write, and nobody reads half a file).

Rotation (docs/decisions/0021): add a new key and make it active, keep the old one listed for at
least ``party_code_ttl_seconds``, then remove it. A code is checked against every listed key, so
codes sent just before the switch keep working until they expire; the stored hash names no key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from pathlib import Path

from gateway.keys.service import write_secret_file


def _decode(kid: str, value: str) -> bytes:
    try:
        raw = base64.b64decode(value, validate=True)
    except ValueError as exc:
        raise ValueError(f"party code key {kid!r} is not base64") from exc
    if len(raw) < 32:
        raise ValueError(f"party code key {kid!r} must be at least 32 bytes")
    return raw


class CodePepper:
    """HMAC-SHA256 of ``challenge id : code`` with the active key; checks against every listed key."""

    def __init__(self, keys: dict[str, str], active: str | None = None) -> None:
        if not keys:
            raise ValueError("no party code key configured")
        self._keys = {kid: _decode(kid, value) for kid, value in keys.items()}
        self.active = active or list(keys)[-1]
        if self.active not in self._keys:
            raise ValueError(f"active party code key {self.active!r} is not among the configured keys")

    @staticmethod
    def _mac(key: bytes, challenge_id: str, code: str) -> str:
        return hmac.new(key, f"party-code\x00{challenge_id}\x00{code}".encode(), hashlib.sha256).hexdigest()

    def hash(self, challenge_id: str, code: str) -> str:
        return self._mac(self._keys[self.active], challenge_id, code)

    def matches(self, stored: str, challenge_id: str, code: str) -> bool:
        found = False
        for key in self._keys.values():  # every key, always: the time does not tell which one matched
            found |= hmac.compare_digest(stored, self._mac(key, challenge_id, code))
        return found


def load_pepper(*, keys: dict[str, str], active: str, key_file: Path) -> CodePepper:
    """The configured keys, else the key file (created with one fresh key when missing)."""
    if keys:
        return CodePepper(keys, active or None)
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        body = json.dumps({"active": "p1", "keys": {"p1": base64.b64encode(secrets.token_bytes(32)).decode()}})
        tmp = key_file.with_name(f".{key_file.name}.{os.getpid()}.tmp")
        write_secret_file(tmp, body)
        try:
            os.link(tmp, key_file)  # fails if it exists: a replica that started first wins, whole
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    data = json.loads(key_file.read_text())
    return CodePepper(dict(data["keys"]), active or data.get("active"))
