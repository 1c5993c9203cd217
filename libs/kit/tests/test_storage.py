"""The storage interface on both backends: local files, and an S3 API server (moto) on a free port."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from onewindow_kit.settings import ServiceSettings
from onewindow_kit.storage import (
    ObjectMissing,
    ObjectTooLarge,
    Storage,
    build_storage,
    check_key,
    iterate,
    read_all,
)
from onewindow_kit.storage.local import LocalStorage
from onewindow_kit.storage.s3 import S3Storage
from onewindow_kit.testing import s3_settings

MiB = 1024 * 1024
pytestmark = pytest.mark.anyio


@pytest.fixture(params=["local", "s3"])
def storage(request, tmp_path: Path) -> Iterator[Storage]:
    if request.param == "local":
        yield LocalStorage(tmp_path / "files")
        return
    endpoint = request.getfixturevalue("s3_endpoint")
    settings = ServiceSettings(**s3_settings(endpoint), storage_s3_prefix="intake/")
    built = build_storage(settings)
    assert isinstance(built, S3Storage)
    yield built


async def _chunks(total: int, *, fail_after: int | None = None) -> AsyncIterator[bytes]:
    sent = 0
    while sent < total:
        size = min(256 * 1024, total - sent)
        if fail_after is not None and sent >= fail_after:
            raise ConnectionResetError("client went away")
        yield bytes([sent % 251]) * size
        sent += size


def _expected(total: int) -> bytes:
    out = bytearray()
    sent = 0
    while sent < total:
        size = min(256 * 1024, total - sent)
        out += bytes([sent % 251]) * size
        sent += size
    return bytes(out)


def _leftovers(storage: Storage) -> list[str]:
    """What the backend holds besides finished objects (partial files, open multipart uploads)."""
    if isinstance(storage, LocalStorage):
        partial = storage.root / ".partial"
        return [p.name for p in partial.iterdir()] if partial.exists() else []
    assert isinstance(storage, S3Storage)
    answer = storage._client.list_multipart_uploads(Bucket=storage.bucket)
    return [u["Key"] for u in answer.get("Uploads", [])]


async def test_save_read_digest_small(storage: Storage) -> None:
    stored = await storage.save("cases/c1/a1", iterate(b"%PDF-1.7 hello"))
    assert stored.size == 14
    assert stored.sha256 == hashlib.sha256(b"%PDF-1.7 hello").hexdigest()
    assert await read_all(storage, "cases/c1/a1") == b"%PDF-1.7 hello"
    assert await storage.exists("cases/c1/a1")
    await storage.delete("cases/c1/a1")
    assert not await storage.exists("cases/c1/a1")


async def test_large_save_streams_in_parts(storage: Storage) -> None:
    """12 MiB: three multipart parts on S3, several batched writes locally; the bytes come back."""
    total = 12 * MiB + 123
    stored = await storage.save("cases/c1/big", _chunks(total))
    data = await read_all(storage, "cases/c1/big")
    assert len(data) == total == stored.size
    assert data == _expected(total)
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert _leftovers(storage) == []


async def test_too_large_leaves_nothing(storage: Storage) -> None:
    with pytest.raises(ObjectTooLarge):
        await storage.save("cases/c1/huge", _chunks(11 * MiB), max_bytes=10 * MiB)
    assert not await storage.exists("cases/c1/huge")
    assert _leftovers(storage) == []


async def test_failed_upload_leaves_nothing(storage: Storage) -> None:
    """The client hangs up after 7 MiB (one S3 part already uploaded): no object, no open upload."""
    with pytest.raises(ConnectionResetError):
        await storage.save("cases/c1/cut", _chunks(12 * MiB, fail_after=7 * MiB))
    assert not await storage.exists("cases/c1/cut")
    assert _leftovers(storage) == []


async def test_replacing_keeps_the_old_object_until_the_new_one_is_complete(storage: Storage) -> None:
    await storage.save("k", iterate(b"old"))
    with pytest.raises(ConnectionResetError):
        await storage.save("k", _chunks(MiB, fail_after=512 * 1024))
    assert await read_all(storage, "k") == b"old"


async def test_missing_object(storage: Storage) -> None:
    with pytest.raises(ObjectMissing):
        await read_all(storage, "cases/none")
    assert not await storage.exists("cases/none")


@pytest.mark.parametrize("key", ["../etc/passwd", "/abs", "a//b", "a/../b", "", "a b", "名字.pdf", "a/./b"])
def test_keys_cannot_escape_the_root(key: str) -> None:
    with pytest.raises(ValueError):
        check_key(key)


def test_default_local_root_is_per_service() -> None:
    built = build_storage(ServiceSettings(service_name="intake"))
    assert isinstance(built, LocalStorage)
    assert built.root == Path("var/files/intake")


def test_production_s3_needs_a_bucket() -> None:
    with pytest.raises(ValueError, match="storage_s3_bucket"):
        ServiceSettings(
            environment="production",
            service_client_secret="a-real-secret",
            database_url="postgresql+asyncpg://x/y",
            storage_backend="s3",
        )
