"""Where file bytes live (never in a database): a small ``Storage`` protocol and the local-file
backend under ``var/`` that ``make run`` uses.

Minimal on purpose: issue #14 part B brings the S3-compatible backend behind the same names; the
integrator keeps one module. Keys are opaque relative paths chosen by the caller
(``documents/<id>.pdf``); a key never contains personal data.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path
from typing import Protocol


class StoredObjectMissing(Exception):
    """The key names no stored object."""


class Storage(Protocol):
    async def put(self, key: str, data: bytes) -> None: ...

    async def get(self, key: str) -> bytes: ...

    async def delete(self, key: str) -> None: ...


class LocalFileStorage:
    """Files under a root folder; writes go to a temporary file renamed into place, so a reader never
    sees half a file and a crash leaves no partial object."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root.resolve()) or key.startswith("/"):
            raise ValueError(f"storage key escapes the root: {key!r}")
        return path

    def _put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".part-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def _get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError as exc:
            raise StoredObjectMissing(key) from exc

    async def put(self, key: str, data: bytes) -> None:
        await asyncio.to_thread(self._put, key, data)

    async def get(self, key: str) -> bytes:
        return await asyncio.to_thread(self._get, key)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(lambda: self._path(key).unlink(missing_ok=True))


def storage_from_url(url: str) -> Storage:
    """``file:///abs/path`` or a plain folder path → local files (part B adds ``s3://…``)."""
    if url.startswith("file://"):
        url = url.removeprefix("file://")
    return LocalFileStorage(url)
