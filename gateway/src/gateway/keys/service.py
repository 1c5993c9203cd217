"""The gateway's signing keys: one JSON file per RSA key in ``keys_dir``.

A key file is ``<kid>.json`` = ``{"kid", "created_at", "retired_at", "private_key_pem"}`` with mode
0600. The active key is the newest one not retired. ``rotate`` writes a new key and then marks the
others retired, so a reader in between still sees the new key as the newest; retired keys stay in
the JWKS until every token they signed has expired (``access_token_ttl + margin``) and are then
deleted. Writers take an ``flock`` on ``.lock`` so replicas sharing the folder (and the CLI) never
both create a first key; readers need no lock because every file is replaced atomically.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from onewindow_kit.auth import KeySource, Signer, generate_private_key_pem, public_jwk

log = logging.getLogger("gateway.keys")


@dataclass(frozen=True, slots=True)
class StoredKey:
    kid: str
    created_at: datetime
    retired_at: datetime | None
    private_key_pem: str

    @property
    def public_jwk(self) -> dict[str, str]:
        return public_jwk(self.private_key_pem)


def _parse_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def write_secret_file(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` (created or truncated, mode 0600) and flush it to disk."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, text.encode())
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_key(directory: Path, key: StoredKey) -> None:
    body = json.dumps(
        {
            "kid": key.kid,
            "created_at": key.created_at.isoformat(),
            "retired_at": key.retired_at.isoformat() if key.retired_at else None,
            "private_key_pem": key.private_key_pem,
        },
        indent=2,
    )
    tmp = directory / f".{key.kid}.{os.getpid()}.tmp"
    write_secret_file(tmp, body)
    os.replace(tmp, directory / f"{key.kid}.json")


def read_keys(directory: Path) -> list[StoredKey]:
    """Every readable key file in ``directory``, oldest first."""
    keys: list[StoredKey] = []
    if not directory.is_dir():
        return keys
    for path in directory.glob("*.json"):
        try:
            data = json.loads(path.read_text())
            keys.append(
                StoredKey(
                    kid=data["kid"],
                    created_at=datetime.fromisoformat(data["created_at"]),
                    retired_at=_parse_time(data.get("retired_at")),
                    private_key_pem=data["private_key_pem"],
                )
            )
        except (OSError, ValueError, KeyError) as exc:
            log.warning("ignoring unreadable key file %s: %s", path.name, type(exc).__name__)
    keys.sort(key=lambda k: (k.created_at, k.kid))
    return keys


def active_key(keys: list[StoredKey]) -> StoredKey | None:
    live = [k for k in keys if k.retired_at is None]
    return live[-1] if live else None


@contextmanager
def _locked(directory: Path) -> Iterator[None]:
    directory.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(OSError):  # a shared volume we do not own; the files are 0600 anyway
        os.chmod(directory, 0o700)
    fd = os.open(directory / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _new_key(now: datetime) -> StoredKey:
    pem = generate_private_key_pem()
    return StoredKey(kid=public_jwk(pem)["kid"], created_at=now, retired_at=None, private_key_pem=pem)


def ensure_key(directory: Path) -> StoredKey:
    """The active key, generating a first one when the folder has none."""
    current = active_key(read_keys(directory))
    if current is not None:
        return current
    with _locked(directory):
        current = active_key(read_keys(directory))  # another replica may have won the race
        if current is None:
            current = _new_key(datetime.now(UTC))
            _write_key(directory, current)
            log.info("generated signing key %s", current.kid)
        return current


def rotate(directory: Path, *, retire_after_seconds: int) -> StoredKey:
    """Make a new key active, retire the others, delete those retired long enough ago."""
    with _locked(directory):
        now = datetime.now(UTC)
        new = _new_key(now)
        _write_key(directory, new)
        for key in read_keys(directory):
            if key.kid != new.kid and key.retired_at is None:
                _write_key(directory, StoredKey(key.kid, key.created_at, now, key.private_key_pem))
        _prune_locked(directory, now, retire_after_seconds)
        log.info("rotated signing key: %s is active", new.kid)
        return new


def prune(directory: Path, *, retire_after_seconds: int) -> list[str]:
    """Delete keys retired more than ``retire_after_seconds`` ago; returns their kids."""
    with _locked(directory):
        return _prune_locked(directory, datetime.now(UTC), retire_after_seconds)


def _prune_locked(directory: Path, now: datetime, retire_after_seconds: int) -> list[str]:
    removed = []
    for key in read_keys(directory):
        if key.retired_at is not None and key.retired_at + timedelta(seconds=retire_after_seconds) < now:
            (directory / f"{key.kid}.json").unlink(missing_ok=True)
            removed.append(key.kid)
            log.info("pruned retired signing key %s", key.kid)
    return removed


class KeyRing(KeySource):
    """The keys as a running gateway sees them: the active signer, the published JWKS, and the
    public keys for verification. The folder is re-read every ``reload_seconds`` and when an
    unknown ``kid`` shows up (at most once a second), so a rotation made by the CLI or by another
    replica is picked up without a restart."""

    def __init__(self, directory: Path, *, retire_after_seconds: int, reload_seconds: float = 5.0) -> None:
        self.directory = directory
        self.retire_after_seconds = retire_after_seconds
        self.reload_seconds = reload_seconds
        self._keys: list[StoredKey] = []
        self._public: dict[str, dict[str, Any]] = {}
        self._signers: dict[str, Signer] = {}
        self._signer: Signer | None = None
        self._loaded_at = float("-inf")
        self._snapshot: tuple[Any, ...] | None = None

    def load(self) -> None:
        """Read the folder now, generating a first key if there is none."""
        ensure_key(self.directory)
        self._reload(force=True)

    def _reload(self, *, force: bool = False) -> None:
        self._loaded_at = time.monotonic()
        try:
            snapshot = tuple(sorted((e.name, e.stat().st_mtime_ns) for e in os.scandir(self.directory)))
        except FileNotFoundError:
            snapshot = ()
        if not force and snapshot == self._snapshot:
            return
        keys = read_keys(self.directory)
        now = datetime.now(UTC)
        expired = [
            k
            for k in keys
            if k.retired_at is not None and k.retired_at + timedelta(seconds=self.retire_after_seconds) < now
        ]
        if expired:
            prune(self.directory, retire_after_seconds=self.retire_after_seconds)
            keys = [k for k in keys if k not in expired]
        if active_key(keys) is None:
            ensure_key(self.directory)
            keys = read_keys(self.directory)
        self._keys = keys
        self._public = {k.kid: k.public_jwk for k in keys}
        active = active_key(keys)
        assert active is not None
        if active.kid not in self._signers:
            self._signers = {active.kid: Signer(active.private_key_pem)}
        self._signer = self._signers[active.kid]
        self._snapshot = tuple(sorted((e.name, e.stat().st_mtime_ns) for e in os.scandir(self.directory)))

    def _maybe_reload(self) -> None:
        if time.monotonic() - self._loaded_at >= self.reload_seconds:
            self._reload()

    @property
    def signer(self) -> Signer:
        self._maybe_reload()
        assert self._signer is not None, "KeyRing.load() was not called"
        return self._signer

    def jwks(self) -> dict[str, list[dict[str, Any]]]:
        """The published key set: the active key and the retired ones still in their grace time."""
        self._maybe_reload()
        return {"keys": [self._public[k.kid] for k in reversed(self._keys)]}

    async def get(self, kid: str) -> dict[str, Any] | None:
        key = self._public.get(kid)
        if key is None and time.monotonic() - self._loaded_at >= 1.0:
            self._reload()
            key = self._public.get(kid)
        elif key is not None:
            self._maybe_reload()
            key = self._public.get(kid)
        return key
