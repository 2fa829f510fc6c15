"""S3BlobStore: blobs as objects named by their key in one bucket (AWS S3 or an S3-compatible store).

A put of less than a part is one PutObject; a larger one is a multipart upload whose parts are sent as
they fill, so an upload holds at most about two parts in memory; it is aborted on any failure or
cancellation. The store's temp data are the incomplete multipart uploads (named "<key>/<upload id>")."""

import asyncio
import contextlib
import logging
import re
from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator
from datetime import UTC, datetime, timedelta

from aiobotocore.response import AioStreamingBody as StreamingBody
from botocore.exceptions import ClientError

from files_service.adapters.s3_client import S3Client, error_code, storage_errors
from files_service.adapters.s3_multipart import NO_SUCH_UPLOAD, MultipartUpload, gather_parts
from files_service.domain.model import DownloadHeaders
from files_service.domain.ports import BlobNotFound, StorageEntry

logger = logging.getLogger(__name__)

_KEY = re.compile(r"[0-9a-f]{8,64}")
_NO_SUCH_KEY = {"NoSuchKey", "404", "NotFound"}
_NO_SUCH_BUCKET = {"NoSuchBucket", "404", "NotFound"}
_BUCKET_ALREADY_OURS = {"BucketAlreadyOwnedByYou"}
_AWS_DEFAULT_REGION = "us-east-1"
ABORT_WAIT_SECONDS = 10.0


def _checked(key: str) -> str:
    if not _KEY.fullmatch(key):
        raise ValueError(f"not a blob key: {key!r}")
    return key


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


async def _read_up_to(body: StreamingBody, size: int) -> bytes:
    """`size` bytes of the body, fewer only where it ends: whole chunks, whatever the network delivers."""
    parts = [await body.read(size)]
    received = len(parts[0])
    while parts[-1] and received < size:
        parts.append(await body.read(size - received))
        received += len(parts[-1])
    return parts[0] if len(parts) == 1 else b"".join(parts)


class S3BlobStore:
    def __init__(
        self,
        client: S3Client,
        bucket: str,
        *,
        part_size: int,
        read_chunk_size: int,
        signer: S3Client | None = None,
        create_bucket: bool = False,
    ) -> None:
        """`signer` makes the download URLs (a client of the endpoint clients see); by default `client`.
        `create_bucket`: prepare() creates the bucket when it is missing."""
        self._client = client
        self._signer = signer or client
        self._bucket = bucket
        self._part_size = part_size
        self._read_chunk_size = read_chunk_size
        self._create_bucket_if_missing = create_bucket
        self._aborts: set[asyncio.Task[None]] = set()

    async def prepare(self) -> None:
        """Checks that the bucket is there and ours to use; creates it when missing if told to."""
        with storage_errors("looking for the bucket"):
            try:
                await self._client.head_bucket(Bucket=self._bucket)
                return
            except ClientError as error:
                if error_code(error) not in _NO_SUCH_BUCKET:
                    raise
            if not self._create_bucket_if_missing:
                raise LookupError(f"bucket {self._bucket!r} does not exist (create it, or let the service)")
            await self._create_bucket()

    async def wait_for_aborts(self) -> None:
        """Lets aborts that outlived their cancelled puts finish (before the client is closed)."""
        if self._aborts:
            await asyncio.wait(self._aborts, timeout=ABORT_WAIT_SECONDS)

    async def put(self, key: str, chunks: AsyncIterable[bytes | memoryview]) -> None:
        _checked(key)
        with storage_errors("storing a blob"):
            async with contextlib.aclosing(gather_parts(chunks, self._part_size)) as parts:
                first = await anext(parts)
                if first.last:
                    await self._client.put_object(Bucket=self._bucket, Key=key, Body=first.data)
                    return
                upload = await self._begin(key)
                try:
                    await upload.send(first.data)
                    del first  # each part's memory is freed before the next one fills
                    async for part in parts:
                        await upload.send(part.data)
                        del part
                    await upload.complete()
                except BaseException:
                    await self._abort(upload)
                    raise

    async def open_range(self, key: str, offset: int, length: int) -> AsyncGenerator[bytes, None]:
        if length == 0:
            if await self.stat(key) is None:
                raise BlobNotFound(key)
            return
        with storage_errors("reading a blob"):
            body = await self._open_body(_checked(key), offset, length)
            async with body:
                remaining = length
                while remaining > 0:
                    chunk = await _read_up_to(body, min(self._read_chunk_size, remaining))
                    if not chunk:
                        raise EOFError(f"blob {key} ends {remaining} bytes before the requested range")
                    remaining -= len(chunk)
                    yield chunk

    async def delete(self, key: str) -> None:
        with storage_errors("deleting a blob"):
            await self._client.delete_object(Bucket=self._bucket, Key=_checked(key))

    async def iter_keys(self) -> AsyncIterator[str]:
        async with contextlib.aclosing(self.iter_blobs()) as blobs:
            async for blob in blobs:
                yield blob.name

    async def iter_blobs(self) -> AsyncGenerator[StorageEntry, None]:
        """ListObjectsV2 page by page: S3 lists keys in ascending UTF-8 byte order, which for blob keys
        (hex digits) is code point order. Objects not named like a blob key are not ours and are skipped."""
        with storage_errors("listing blobs"):
            async for page in self._client.get_paginator("list_objects_v2").paginate(Bucket=self._bucket):
                for item in page.get("Contents", []):
                    if _KEY.fullmatch(item["Key"]):
                        yield StorageEntry(item["Key"], item["Size"], _utc(item["LastModified"]))

    async def stat(self, key: str) -> StorageEntry | None:
        with storage_errors("looking at a blob"):
            try:
                reply = await self._client.head_object(Bucket=self._bucket, Key=_checked(key))
            except ClientError as error:
                if error_code(error) in _NO_SUCH_KEY:
                    return None
                raise
        return StorageEntry(key, reply["ContentLength"], _utc(reply["LastModified"]))

    async def iter_temp(self) -> AsyncGenerator[StorageEntry, None]:
        """Every incomplete multipart upload of a blob key, with its parts' size and last write."""
        with storage_errors("listing incomplete uploads"):
            pages = self._client.get_paginator("list_multipart_uploads").paginate(Bucket=self._bucket)
            async for page in pages:
                for upload in page.get("Uploads", []):
                    if _KEY.fullmatch(upload["Key"]):
                        entry = await self._temp_entry(upload["Key"], upload["UploadId"], upload["Initiated"])
                        if entry is not None:
                            yield entry

    async def delete_temp(self, name: str) -> None:
        key, _, upload_id = name.partition("/")
        if not _KEY.fullmatch(key) or not upload_id:
            raise ValueError(f"not an incomplete upload's name: {name!r}")
        with storage_errors("aborting an incomplete upload"):
            try:
                await self._client.abort_multipart_upload(Bucket=self._bucket, Key=key, UploadId=upload_id)
            except ClientError as error:
                if error_code(error) not in NO_SUCH_UPLOAD:
                    raise

    async def presigned_get_url(self, key: str, headers: DownloadHeaders, expires_in: timedelta) -> str:
        params = {"Bucket": self._bucket, "Key": _checked(key)}
        overrides = {
            "ResponseContentType": headers.content_type,
            "ResponseContentDisposition": headers.content_disposition,
            "ResponseCacheControl": headers.cache_control,
        }
        params |= {name: value for name, value in overrides.items() if value}
        seconds = max(1, int(expires_in.total_seconds()))
        return await self._signer.generate_presigned_url("get_object", Params=params, ExpiresIn=seconds)

    async def _open_body(self, key: str, offset: int, length: int) -> StreamingBody:
        try:
            reply = await self._client.get_object(
                Bucket=self._bucket, Key=key, Range=f"bytes={offset}-{offset + length - 1}"
            )
        except ClientError as error:
            if error_code(error) in _NO_SUCH_KEY:
                raise BlobNotFound(key) from error
            if error_code(error) == "InvalidRange":
                raise EOFError(f"blob {key} ends before byte {offset}") from error
            raise
        return reply["Body"]

    async def _temp_entry(self, key: str, upload_id: str, initiated: datetime) -> StorageEntry | None:
        """None when the upload ended (completed or aborted) since it was listed."""
        size, last_written = 0, _utc(initiated)
        try:
            pages = self._client.get_paginator("list_parts").paginate(
                Bucket=self._bucket, Key=key, UploadId=upload_id
            )
            async for page in pages:
                for part in page.get("Parts", []):
                    size += part["Size"]
                    last_written = max(last_written, _utc(part["LastModified"]))
        except ClientError as error:
            if error_code(error) in NO_SUCH_UPLOAD:
                return None
            raise
        return StorageEntry(f"{key}/{upload_id}", size, last_written)

    async def _begin(self, key: str) -> MultipartUpload:
        """Shielded: a put cancelled while its upload begins aborts that upload once it has begun."""
        begin = asyncio.ensure_future(MultipartUpload.begin(self._client, self._bucket, key))
        try:
            return await asyncio.shield(begin)
        except asyncio.CancelledError:
            await asyncio.wait([begin])
            if not begin.cancelled() and begin.exception() is None:
                await self._abort(begin.result())
            raise

    async def _abort(self, upload: MultipartUpload) -> None:
        """Shielded: a cancelled put still aborts its upload (in the background if cancelled again)."""
        task = asyncio.ensure_future(self._abort_quietly(upload))
        self._aborts.add(task)
        task.add_done_callback(self._aborts.discard)
        await asyncio.shield(task)

    @staticmethod
    async def _abort_quietly(upload: MultipartUpload) -> None:
        """A failed abort leaves an incomplete upload, which the start-up cleanup or reconcile removes."""
        try:
            await upload.abort()
        except Exception:
            logger.exception("could not abort the upload of blob %s (%s)", upload.key, upload.upload_id)
            return
        logger.info("aborted the upload of blob %s after %d part(s)", upload.key, upload.parts_sent)

    async def _create_bucket(self) -> None:
        region = self._client.meta.region_name
        location = (
            {}
            if region == _AWS_DEFAULT_REGION
            else {"CreateBucketConfiguration": {"LocationConstraint": region}}
        )
        try:
            await self._client.create_bucket(Bucket=self._bucket, **location)
        except ClientError as error:
            if error_code(error) not in _BUCKET_ALREADY_OURS:
                raise
            return
        logger.info("created bucket %s", self._bucket)
