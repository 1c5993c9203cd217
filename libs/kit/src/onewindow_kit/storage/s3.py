"""An S3-compatible object store through boto3 (its blocking calls run in worker threads).

Why boto3 rather than aioboto3 or a hand-written client: see ``docs/decisions/0020-…``. In short:
it signs (SigV4) and retries correctly for every S3-compatible store we may meet, its client is
thread-safe, and the few calls a save makes are cheap to hop to a thread; aioboto3 pins exact
botocore versions, and a home-made signer could not be verified by the test server (moto accepts
any signature).
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import AsyncIterable, AsyncIterator
from typing import Any

import anyio.to_thread

from onewindow_kit.storage import (
    CHUNK_BYTES,
    ObjectMissing,
    ObjectTooLarge,
    StorageError,
    StoredObject,
    check_key,
)

MIN_PART_BYTES = 5 * 1024 * 1024  # S3's smallest part (but the last)


class S3Storage:
    """Objects ``<prefix><key>`` in one bucket."""

    backend = "s3"

    def __init__(
        self,
        *,
        bucket: str,
        prefix: str = "",
        endpoint_url: str | None = None,
        region: str = "us-east-1",
        access_key_id: str = "",
        secret_access_key: str = "",
        addressing_style: str = "auto",
        part_bytes: int = 8 * 1024 * 1024,
    ) -> None:
        import boto3
        from botocore.config import Config

        if not bucket:
            raise ValueError("storage_s3_bucket must be set for the s3 storage backend")
        self.bucket = bucket
        self.prefix = prefix
        self.part_bytes = max(part_bytes, MIN_PART_BYTES)
        self._client: Any = boto3.session.Session().client(
            "s3",
            endpoint_url=endpoint_url or None,
            region_name=region,
            aws_access_key_id=access_key_id or None,
            aws_secret_access_key=secret_access_key or None,
            config=Config(
                s3={"addressing_style": addressing_style},
                retries={"max_attempts": 3, "mode": "standard"},
                connect_timeout=5,
                read_timeout=60,
            ),
        )

    def _key(self, key: str) -> str:
        return self.prefix + check_key(key)

    async def _call(self, name: str, **kwargs: Any) -> Any:
        method = getattr(self._client, name)
        try:
            return await anyio.to_thread.run_sync(lambda: method(**kwargs))
        except Exception as exc:  # botocore's errors are many; the caller needs one
            code = getattr(exc, "response", {}).get("Error", {}).get("Code")
            if code in ("NoSuchKey", "404", "NotFound"):
                raise ObjectMissing(kwargs.get("Key", "")) from exc
            raise StorageError(f"s3 {name} failed: {type(exc).__name__} {code or ''}".strip()) from exc

    async def _upload_part(self, object_key: str, upload_id: str, number: int, body: bytes) -> dict[str, Any]:
        """Upload part ``number`` of a multipart upload; its entry for ``complete_multipart_upload``."""
        answer = await self._call(
            "upload_part", Bucket=self.bucket, Key=object_key, UploadId=upload_id, PartNumber=number, Body=body
        )
        return {"PartNumber": number, "ETag": answer["ETag"]}

    async def save(self, key: str, chunks: AsyncIterable[bytes], *, max_bytes: int | None = None) -> StoredObject:
        object_key = self._key(key)
        digest, size, buffer = hashlib.sha256(), 0, bytearray()
        upload_id: str | None = None
        parts: list[dict[str, Any]] = []
        try:
            async for chunk in chunks:
                size += len(chunk)
                if max_bytes is not None and size > max_bytes:
                    raise ObjectTooLarge(max_bytes)
                digest.update(chunk)
                buffer += chunk
                if len(buffer) >= self.part_bytes:
                    if upload_id is None:
                        started = await self._call("create_multipart_upload", Bucket=self.bucket, Key=object_key)
                        upload_id = started["UploadId"]
                    body, buffer = bytes(buffer), bytearray()
                    parts.append(await self._upload_part(object_key, upload_id, len(parts) + 1, body))
            sha = digest.hexdigest()
            if upload_id is None:
                await self._call(
                    "put_object", Bucket=self.bucket, Key=object_key, Body=bytes(buffer), Metadata={"sha256": sha}
                )
            else:
                if buffer:
                    parts.append(await self._upload_part(object_key, upload_id, len(parts) + 1, bytes(buffer)))
                await self._call(
                    "complete_multipart_upload",
                    Bucket=self.bucket,
                    Key=object_key,
                    UploadId=upload_id,
                    MultipartUpload={"Parts": parts},
                )
        except BaseException:
            if upload_id is not None:
                # The parts uploaded so far are billed and invisible until aborted.
                # If aborting fails too, a bucket lifecycle rule for incomplete uploads is the backstop.
                with anyio.CancelScope(shield=True), contextlib.suppress(StorageError):
                    await self._call("abort_multipart_upload", Bucket=self.bucket, Key=object_key, UploadId=upload_id)
            raise
        return StoredObject(key=key, size=size, sha256=sha)

    async def read(self, key: str, *, chunk_bytes: int = CHUNK_BYTES) -> AsyncIterator[bytes]:
        answer = await self._call("get_object", Bucket=self.bucket, Key=self._key(key))
        body = answer["Body"]
        try:
            while chunk := await anyio.to_thread.run_sync(body.read, chunk_bytes):
                yield chunk
        finally:
            body.close()

    async def exists(self, key: str) -> bool:
        try:
            await self._call("head_object", Bucket=self.bucket, Key=self._key(key))
        except ObjectMissing:
            return False
        return True

    async def delete(self, key: str) -> None:
        await self._call("delete_object", Bucket=self.bucket, Key=self._key(key))

    async def aclose(self) -> None:
        self._client.close()
