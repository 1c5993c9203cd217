"""Files under a directory (the default backend; ``var/files/<service>/`` under ``make run``)."""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import AsyncIterable, AsyncIterator
from pathlib import Path
from typing import BinaryIO

import anyio.to_thread

from onewindow_kit.storage import CHUNK_BYTES, ObjectMissing, ObjectTooLarge, StoredObject, check_key

# Chunks are gathered to about this size before one write in a worker thread: the event loop never
# waits on the disk, and a 10 MB upload costs ~10 thread hops rather than ~160.
_WRITE_BATCH = 1024 * 1024


def _finish(handle: BinaryIO, partial: Path, target: Path) -> None:
    handle.flush()
    os.fsync(handle.fileno())
    handle.close()
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(partial, target)


def _discard(handle: BinaryIO, partial: Path) -> None:
    handle.close()
    partial.unlink(missing_ok=True)


class LocalStorage:
    """``root/<key>``; saves go through ``root/.partial/`` (same file system, so the rename is atomic)."""

    backend = "local"

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, key: str) -> Path:
        return self.root / check_key(key)

    async def save(self, key: str, chunks: AsyncIterable[bytes], *, max_bytes: int | None = None) -> StoredObject:
        target = self.path(key)
        partial_dir = self.root / ".partial"
        await anyio.to_thread.run_sync(lambda: partial_dir.mkdir(parents=True, exist_ok=True))
        partial = partial_dir / uuid.uuid4().hex
        handle: BinaryIO = await anyio.to_thread.run_sync(partial.open, "xb")
        digest, size, pending = hashlib.sha256(), 0, bytearray()
        try:
            async for chunk in chunks:
                size += len(chunk)
                if max_bytes is not None and size > max_bytes:
                    raise ObjectTooLarge(max_bytes)
                digest.update(chunk)
                pending += chunk
                if len(pending) >= _WRITE_BATCH:
                    await anyio.to_thread.run_sync(handle.write, bytes(pending))
                    pending.clear()
            if pending:
                await anyio.to_thread.run_sync(handle.write, bytes(pending))
            await anyio.to_thread.run_sync(_finish, handle, partial, target)
        except BaseException:
            # Cancellation included (a client that hangs up mid-upload): the partial file goes.
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(_discard, handle, partial)
            raise
        return StoredObject(key=key, size=size, sha256=digest.hexdigest())

    async def read(self, key: str, *, chunk_bytes: int = CHUNK_BYTES) -> AsyncIterator[bytes]:
        path = self.path(key)
        try:
            handle: BinaryIO = await anyio.to_thread.run_sync(path.open, "rb")
        except FileNotFoundError:
            raise ObjectMissing(key) from None
        try:
            while chunk := await anyio.to_thread.run_sync(handle.read, chunk_bytes):
                yield chunk
        finally:
            handle.close()

    async def exists(self, key: str) -> bool:
        path = self.path(key)
        return await anyio.to_thread.run_sync(path.is_file)

    async def delete(self, key: str) -> None:
        path = self.path(key)
        await anyio.to_thread.run_sync(lambda: path.unlink(missing_ok=True))

    async def aclose(self) -> None:
        return None
