"""The pieces of a streamed put into S3: the incoming chunks gathered into parts, and one multipart
upload whose parts are sent as they fill."""

import asyncio
from collections.abc import AsyncGenerator, AsyncIterable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from files_service.adapters.s3_client import S3Client, error_code

CHECKSUM_ALGORITHM = "CRC32"
NO_SUCH_UPLOAD = frozenset({"NoSuchUpload", "404", "NotFound"})


@dataclass(frozen=True)
class Part:
    data: bytes
    last: bool


async def gather_parts(
    chunks: AsyncIterable[bytes | memoryview], part_size: int
) -> AsyncGenerator[Part, None]:
    """Parts of at least `part_size` bytes, the last one excepted (an empty input is one empty last
    part). To tell a full part from the last one it reads one chunk ahead. A part handed out is not
    referenced here any more, so the caller's memory stays one part while the next one fills."""
    pending: list[bytes | memoryview] = []
    pending_size = 0
    async for chunk in chunks:
        if pending_size >= part_size:
            yield Part(_take(pending), last=False)
            pending_size = 0
        pending.append(chunk)
        pending_size += len(chunk)
    yield Part(_take(pending), last=True)


def _take(pending: list[bytes | memoryview]) -> bytes:
    data = b"".join(pending)
    pending.clear()
    return data


@dataclass
class MultipartUpload:
    """A multipart upload begun under key; complete() makes the object, abort() discards every part."""

    client: S3Client
    bucket: str
    key: str
    upload_id: str
    _completed: list[dict[str, object]] = field(default_factory=list)
    _in_flight: asyncio.Task[dict[str, Any]] | None = None

    @property
    def parts_sent(self) -> int:
        return len(self._completed)

    @classmethod
    async def begin(cls, client: S3Client, bucket: str, key: str) -> "MultipartUpload":
        reply = await client.create_multipart_upload(
            Bucket=bucket, Key=key, ChecksumAlgorithm=CHECKSUM_ALGORITHM
        )
        return cls(client, bucket, key, reply["UploadId"])

    async def send(self, data: bytes) -> None:
        """Shielded: a cancelled send leaves its request to finish, and abort() waits for it, since a
        part stored after the abort would bring the upload back."""
        number = len(self._completed) + 1
        self._in_flight = asyncio.ensure_future(self._upload_part(number, data))
        reply = await asyncio.shield(self._in_flight)
        completed: dict[str, object] = {"PartNumber": number, "ETag": reply["ETag"]}
        if "ChecksumCRC32" in reply:
            completed["ChecksumCRC32"] = reply["ChecksumCRC32"]
        self._completed.append(completed)

    async def complete(self) -> None:
        await self.client.complete_multipart_upload(
            Bucket=self.bucket,
            Key=self.key,
            UploadId=self.upload_id,
            MultipartUpload={"Parts": self._completed},
        )

    async def abort(self) -> None:
        """Once no part is in flight; an upload already gone (completed or aborted) is not an error."""
        if self._in_flight is not None:
            await asyncio.wait([self._in_flight])
        try:
            await self.client.abort_multipart_upload(
                Bucket=self.bucket, Key=self.key, UploadId=self.upload_id
            )
        except ClientError as error:
            if error_code(error) not in NO_SUCH_UPLOAD:
                raise

    async def _upload_part(self, number: int, data: bytes) -> dict[str, Any]:
        return await self.client.upload_part(
            Bucket=self.bucket,
            Key=self.key,
            UploadId=self.upload_id,
            PartNumber=number,
            Body=data,
            ChecksumAlgorithm=CHECKSUM_ALGORITHM,
        )
