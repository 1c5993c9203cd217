"""Where a service keeps files (evidence scans, generated documents): one interface, two backends.

- :class:`LocalStorage` (the default): files under ``var/files/<service>/``, so ``make run`` needs
  nothing else. A save streams into a temporary file beside the target, fsyncs it and renames it into
  place, so a reader never sees half a file and a failed or refused upload leaves nothing behind.
- :class:`S3Storage` (``<PREFIX>STORAGE_BACKEND=s3``): any S3-compatible object store (MinIO, Ceph,
  Aliyun OSS, Tencent COS, AWS). A save of more than one part is a multipart upload that is aborted
  on any failure; a single-part save is one ``PutObject``, atomic by itself.

Both count the bytes and compute the SHA-256 digest while streaming: no backend holds a whole file
in memory (the S3 one holds one part, ``storage_s3_part_bytes``), and ``max_bytes`` is enforced as
the bytes arrive (:class:`ObjectTooLarge`, after cleaning up). The databases keep the key, the size
and the digest; never the bytes. ``docs/decisions/0020-attachments-storage-service-ledger.md``.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from fastapi import FastAPI

from onewindow_kit.settings import ServiceSettings

CHUNK_BYTES = 64 * 1024
# Keys are chosen by the services (ids, never names a person typed): a narrow alphabet keeps them
# valid as file paths and object keys alike, and no key can climb out of the storage root.
_KEY = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9_.-]*(/[A-Za-z0-9_-][A-Za-z0-9_.-]*)*$")


class StorageError(Exception):
    """A storage operation failed (the backend is down, or refused the request)."""


class ObjectTooLarge(StorageError):
    """More than ``max_bytes`` arrived; nothing was kept."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"object larger than {limit} bytes")
        self.limit = limit


class ObjectMissing(StorageError):
    """No object has this key."""


@dataclass(frozen=True)
class StoredObject:
    """What a save wrote: the key, its size in bytes and the SHA-256 of its content (hex)."""

    key: str
    size: int
    sha256: str


def check_key(key: str) -> str:
    """The key itself, or ``ValueError`` for one that is not a plain relative path of safe names."""
    if len(key) > 512 or not _KEY.match(key) or any(part in (".", "..") for part in key.split("/")):
        raise ValueError(f"invalid storage key: {key!r}")
    return key


@runtime_checkable
class Storage(Protocol):
    """The one interface every backend implements."""

    backend: str

    async def save(self, key: str, chunks: AsyncIterable[bytes], *, max_bytes: int | None = None) -> StoredObject:
        """Stream ``chunks`` into ``key`` (replacing it), all or nothing; ``ObjectTooLarge`` past ``max_bytes``."""
        ...

    def read(self, key: str, *, chunk_bytes: int = CHUNK_BYTES) -> AsyncIterator[bytes]:
        """The object's bytes in chunks; ``ObjectMissing`` (on the first iteration) if there is none."""
        ...

    async def exists(self, key: str) -> bool:
        """Whether an object has this key."""
        ...

    async def delete(self, key: str) -> None:
        """Remove the object if it exists."""
        ...

    async def aclose(self) -> None:
        """Release connections (called by the lifespan)."""
        ...


async def read_all(storage: Storage, key: str) -> bytes:
    """The whole object (small objects and tests only)."""
    parts = [chunk async for chunk in storage.read(key)]
    return b"".join(parts)


async def iterate(data: bytes, chunk_bytes: int = CHUNK_BYTES) -> AsyncIterator[bytes]:
    """``data`` as an async stream of chunks (to save bytes already in memory, e.g. a rendered PDF)."""
    for start in range(0, len(data), chunk_bytes):
        yield data[start : start + chunk_bytes]


def build_storage(settings: ServiceSettings) -> Storage:
    """The backend the settings name (``storage_backend``)."""
    if settings.storage_backend == "s3":
        from onewindow_kit.storage.s3 import S3Storage  # boto3 is imported only when it is used

        return S3Storage(
            bucket=settings.storage_s3_bucket,
            prefix=settings.storage_s3_prefix,
            endpoint_url=settings.storage_s3_endpoint_url,
            region=settings.storage_s3_region,
            access_key_id=settings.storage_s3_access_key_id,
            secret_access_key=settings.storage_s3_secret_access_key,
            addressing_style=settings.storage_s3_addressing_style,
            part_bytes=settings.storage_s3_part_bytes,
        )
    from onewindow_kit.storage.local import LocalStorage

    root = Path(settings.storage_dir) if settings.storage_dir else Path("var/files") / settings.service_name
    return LocalStorage(root)


def storage_of(app: FastAPI) -> Storage:
    """The process's storage (built in the lifespan)."""
    storage = getattr(app.state, "storage", None)
    if not isinstance(storage, Storage):
        raise RuntimeError("app.state.storage is not set: the lifespan has not run")
    return storage


__all__ = [
    "CHUNK_BYTES",
    "ObjectMissing",
    "ObjectTooLarge",
    "Storage",
    "StorageError",
    "StoredObject",
    "build_storage",
    "check_key",
    "iterate",
    "read_all",
    "storage_of",
]
