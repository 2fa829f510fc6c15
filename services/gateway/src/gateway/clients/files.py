"""The files service's gRPC API as the gateway uses it: metadata, deletes, and the two streams."""

import asyncio
import logging
from collections.abc import AsyncGenerator, Awaitable, Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NoReturn, cast

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from fileuploader.files.v1 import files_pb2, files_pb2_grpc
from fileuploader_runtime.request_ids import current_request_id
from gateway import errors
from gateway.clients.read_messages import ReadMessage, read_message_of
from gateway.clients.rpc import (
    ErrorFactory,
    call_metadata,
    error_reason,
    metadata_with,
    translate,
    translate_refusal,
    translated_errors,
)
from gateway.clients.stream_steps import StepBound
from gateway.clients.upload_batches import WholeFileBatcher
from gateway.clients.upload_messages import EncodedRequest, encoded_chunk, encoded_whole_file, serialized
from gateway.models import (
    AccountUsage,
    ClaimItem,
    ClaimOutcome,
    DownloadHeaders,
    FileLimits,
    StoredFile,
    UploadedFile,
    UploadRequest,
)

logger = logging.getLogger(__name__)

SERVICE = "Files"
# What files takes in one GetFileLimits.
LIMITS_PER_CALL = 1000
DOMAIN = "files.fileuploader"
_FILES_SERVICE = files_pb2.DESCRIPTOR.services_by_name["FilesService"]
UPLOAD_FILE_METHOD = f"/{_FILES_SERVICE.full_name}/{_FILES_SERVICE.methods_by_name['UploadFile'].name}"
UPLOAD_WHOLE_FILE_METHOD = (
    f"/{_FILES_SERVICE.full_name}/{_FILES_SERVICE.methods_by_name['UploadWholeFile'].name}"
)
UPLOAD_WHOLE_FILES_METHOD = (
    f"/{_FILES_SERVICE.full_name}/{_FILES_SERVICE.methods_by_name['UploadWholeFiles'].name}"
)
READ_FILE_METHOD = f"/{_FILES_SERVICE.full_name}/{_FILES_SERVICE.methods_by_name['ReadFile'].name}"

REASONS: dict[str, ErrorFactory] = {
    "FILE_NOT_FOUND": errors.FileNotFound,
    "INVALID_DELETE_KEY": errors.InvalidDeleteKey,
    "BAD_EXTENSION": errors.BadFileExtension,
    "FILE_TOO_LARGE": errors.FileTooLarge,
    "STORAGE_FULL": errors.StorageFull,
    "BAD_FILENAME": errors.BadFileName,
    "IDEMPOTENCY_KEY_REUSED": errors.IdempotencyKeyReused,
    "CONTENT_BLOCKED": errors.ContentBlocked,
    "QUOTA_BYTES_EXCEEDED": errors.QuotaBytesExceeded,
    "QUOTA_FILES_EXCEEDED": errors.QuotaFilesExceeded,
}


# Why a file was not claimed, as the public API names it (None: claimed).
_CLAIM_REASONS = {
    files_pb2.CLAIMED: None,
    files_pb2.UNKNOWN_FILE: "unknown_file",
    files_pb2.WRONG_KEY: "wrong_key",
    files_pb2.OWNED_BY_ANOTHER_ACCOUNT: "owned_by_another_account",
    files_pb2.ALREADY_YOURS: "already_yours",
    files_pb2.OVER_QUOTA: "over_quota",
}


def _translated() -> AbstractContextManager[None]:
    return translated_errors(SERVICE, DOMAIN, REASONS)


class FilesClient:
    """`timeout_seconds` bounds a unary call; a stream has `transfer_timeout_seconds` in all and
    `step_timeout_seconds` for each message sent or received, and for its answer."""

    def __init__(
        self,
        channel: grpc.aio.Channel,
        timeout_seconds: float,
        transfer_timeout_seconds: float,
        step_timeout_seconds: float,
        token: str | None = None,
    ) -> None:
        self._stub = files_pb2_grpc.FilesServiceStub(channel)
        # The stub's UploadFile, UploadWholeFile and UploadWholeFiles, taking requests already encoded
        # (see upload_messages and upload_batches).
        self._upload_file = channel.stream_unary(
            UPLOAD_FILE_METHOD,
            request_serializer=serialized,
            response_deserializer=files_pb2.UploadFileResponse.FromString,
        )
        self._upload_whole_file = channel.unary_unary(
            UPLOAD_WHOLE_FILE_METHOD,
            request_serializer=serialized,
            response_deserializer=files_pb2.UploadFileResponse.FromString,
        )
        self._upload_whole_files = channel.unary_unary(
            UPLOAD_WHOLE_FILES_METHOD,
            request_serializer=serialized,
            response_deserializer=files_pb2.UploadWholeFilesResponse.FromString,
        )
        self._whole_files = WholeFileBatcher(SERVICE, self._send_whole_files, self._send_whole_file)
        # The stub's ReadFile, its chunks read as views of the received messages (see read_messages).
        self._read_file = channel.unary_stream(
            READ_FILE_METHOD,
            request_serializer=files_pb2.ReadFileRequest.SerializeToString,
            response_deserializer=read_message_of,
        )
        self._token = token
        self._timeout = timeout_seconds
        self._transfer_timeout = transfer_timeout_seconds
        self._step = StepBound(SERVICE, step_timeout_seconds)
        self._warned_about_streaming = False

    def _metadata(self) -> tuple[tuple[str, str], ...]:
        return call_metadata(self._token)

    async def get_file_info(self, file_url: str) -> StoredFile:
        request = files_pb2.GetFileInfoRequest(file_url=file_url)
        with _translated():
            reply = await self._stub.GetFileInfo(request, timeout=self._timeout, metadata=self._metadata())
        return _stored_file(reply.file)

    async def delete_file(self, file_url: str, delete_key: str) -> None:
        request = files_pb2.DeleteFileRequest(file_url=file_url, delete_key=delete_key)
        with _translated():
            await self._stub.DeleteFile(request, timeout=self._timeout, metadata=self._metadata())

    async def count_download(self, file_url: str) -> None:
        """Counts one download of a limited file; FileNotFound when none is left (or it expired)."""
        request = files_pb2.CountDownloadRequest(file_url=file_url)
        with _translated():
            await self._stub.CountDownload(request, timeout=self._timeout, metadata=self._metadata())

    async def file_limits(self, file_urls: Sequence[str]) -> tuple[dict[str, FileLimits], set[str]]:
        """The expiry and download limit of each named file that has either and is still served, and the
        file_urls of those that have either and are no longer served (expired, used up); files without
        limits are in neither. Asked LIMITS_PER_CALL at a time. A files service older than GetFileLimits
        (mid rolling update) has no limits."""
        limits: dict[str, FileLimits] = {}
        gone: set[str] = set()
        for start in range(0, len(file_urls), LIMITS_PER_CALL):
            request = files_pb2.GetFileLimitsRequest(file_urls=file_urls[start : start + LIMITS_PER_CALL])
            try:
                reply = await self._stub.GetFileLimits(
                    request, timeout=self._timeout, metadata=self._metadata()
                )
            except grpc.aio.AioRpcError as error:
                if error.code() == grpc.StatusCode.UNIMPLEMENTED:
                    return {}, set()
                raise translate(error, SERVICE, DOMAIN, REASONS) from error
            for message in reply.files:
                limits[message.file_url] = FileLimits(
                    expires_at=_moment(message, "expires_at"),
                    max_downloads=message.max_downloads if message.HasField("max_downloads") else None,
                    downloads_left=message.downloads_left if message.HasField("downloads_left") else None,
                )
            gone.update(reply.gone)
        return limits, gone

    async def claim_files(self, owner_account_id: str, items: Sequence[ClaimItem]) -> list[ClaimOutcome]:
        """Moves the anonymous files whose keys are right into the account: one outcome per item, in order."""
        request = files_pb2.ClaimFilesRequest(
            owner_account_id=owner_account_id,
            items=[files_pb2.ClaimItem(file_url=item.file_url, delete_key=item.delete_key) for item in items],
        )
        with _translated():
            reply = await self._stub.ClaimFiles(request, timeout=self._timeout, metadata=self._metadata())
        if len(reply.outcomes) != len(items):
            logger.error("ClaimFiles answered %d outcomes for %d items", len(reply.outcomes), len(items))
            raise errors.UpstreamFailure(SERVICE)
        return [_claim_outcome(outcome, owner_account_id) for outcome in reply.outcomes]

    async def delete_account_files(self, owner_account_id: str) -> int:
        """Every file of the account, deleted in batches: bounded by the transfer timeout, as an account
        may own many files. Answers how many this call deleted."""
        request = files_pb2.DeleteAccountFilesRequest(owner_account_id=owner_account_id)
        with _translated():
            reply = await self._stub.DeleteAccountFiles(
                request, timeout=self._transfer_timeout, metadata=self._metadata()
            )
        return reply.deleted_files

    async def get_account_usage(self, owner_account_id: str) -> AccountUsage:
        request = files_pb2.GetAccountUsageRequest(owner_account_id=owner_account_id)
        with _translated():
            reply = await self._stub.GetAccountUsage(
                request, timeout=self._timeout, metadata=self._metadata()
            )
        return AccountUsage(
            files=reply.files,
            bytes=reply.bytes,
            quota_bytes=reply.quota_bytes if reply.HasField("quota_bytes") else None,
            quota_files=reply.quota_files if reply.HasField("quota_files") else None,
        )

    async def get_download_url(self, file_url: str, headers: DownloadHeaders) -> str | None:
        """A short-lived URL of the file in the object store; None when files cannot make one (its
        storage is local disk, it predates GetDownloadUrl, or a header value is too long for a URL):
        the caller streams the file instead."""
        request = files_pb2.GetDownloadUrlRequest(
            file_url=file_url,
            content_type=headers.content_type,
            content_disposition=headers.content_disposition,
            cache_control=headers.cache_control,
        )
        try:
            reply = await self._stub.GetDownloadUrl(request, timeout=self._timeout, metadata=self._metadata())
        except grpc.aio.AioRpcError as error:
            if _cannot_presign(error):
                self._note_streaming(error)
                return None
            raise translate(error, SERVICE, DOMAIN, REASONS) from error
        return reply.url

    async def read_file(self, file_url: str, offset: int = 0, length: int | None = None) -> "FileStream":
        """Opens the stream and waits for its first message, so a failure is known before any byte is sent."""
        request = files_pb2.ReadFileRequest(file_url=file_url, offset=offset, length=length)
        call, first = await self._open_read(request)
        if first is None:
            return FileStream(call, self._step, ended=True)
        return FileStream(call, self._step, first.chunk)

    async def open_file(self, file_url: str, inline_up_to: int, *, stream: bool = True) -> "OpenedFile":
        """The file's metadata, and its whole bytes when it is no larger than `inline_up_to`; else, with
        `stream`, the stream of all its bytes, to be read or cancelled (OpenedFile.stream)."""
        request = files_pb2.ReadFileRequest(
            file_url=file_url, with_info=True, inline_up_to=inline_up_to, length=None if stream else 0
        )
        call, first = await self._open_read(request)
        if first is None or first.info is None:
            # A files service older than `with_info` (mid rolling update): ask for the metadata apart.
            call.cancel()
            return OpenedFile(await self.get_file_info(file_url), None, None)
        info = _stored_file(first.info)
        if first.inline or not stream:
            await self._finish(call)
            return OpenedFile(info, bytes(first.chunk) if first.inline else None, None)
        return OpenedFile(info, None, FileStream(call, self._step, first.chunk))

    async def _finish(self, call: grpc.aio.UnaryStreamCall) -> None:
        """Reads a call whose answer is complete to its end, so that it ends OK rather than cancelled."""
        try:
            with _translated():
                last = await self._step(call, call.read(), "the end of a download")
        finally:
            call.cancel()
        if last is not grpc.aio.EOF:
            raise errors.UpstreamFailure(SERVICE)

    async def _open_read(
        self, request: files_pb2.ReadFileRequest
    ) -> tuple[grpc.aio.UnaryStreamCall, ReadMessage | None]:
        call = self._read_file(request, timeout=self._transfer_timeout, metadata=self._metadata())
        try:
            with _translated():
                first = await self._step(call, call.read(), "the first message of a download")
        except BaseException:
            call.cancel()
            raise
        return call, _response_or_end(first)

    async def start_upload(self, request: UploadRequest) -> "FilesUpload":
        """An upload whose file's bytes follow through FilesUpload.send; files hears of it with its first
        message of bytes but one (see FilesUpload)."""
        metadata = files_pb2.UploadMetadata(
            user_filename=request.user_filename,
            include_ext=request.include_ext,
            owner_account_id=request.owner_account_id,
            idempotency_key=request.idempotency_key,
            idempotency_scope=request.idempotency_scope,
            size_bound=request.size_bound,
            expires_in_seconds=request.expires_in_seconds,
            max_downloads=request.max_downloads,
        )
        return FilesUpload(metadata, self._open_upload_stream, self._upload_whole, self._step)

    def _open_upload_stream(self) -> grpc.aio.StreamUnaryCall:
        return self._upload_file(timeout=self._transfer_timeout, metadata=self._metadata())

    def _upload_whole(self, request: EncodedRequest) -> Awaitable[files_pb2.UploadOutcome]:
        return self._whole_files.upload(request, current_request_id())

    def _send_whole_files(self, request: bytes) -> grpc.aio.UnaryUnaryCall:
        """A call on behalf of several requests: each upload in it carries its own request id."""
        return self._upload_whole_files(
            request, timeout=self._transfer_timeout, metadata=metadata_with(None, self._token)
        )

    async def _send_whole_file(
        self, request: EncodedRequest, request_id: str | None
    ) -> files_pb2.UploadFileResponse:
        reply: files_pb2.UploadFileResponse = await self._upload_whole_file(
            request, timeout=self._transfer_timeout, metadata=metadata_with(request_id, self._token)
        )
        return reply

    def _note_streaming(self, error: grpc.aio.AioRpcError) -> None:
        """Said once at WARNING (a setting that cannot work), then at DEBUG."""
        level = logging.DEBUG if self._warned_about_streaming else logging.WARNING
        self._warned_about_streaming = True
        logger.log(
            level,
            "files made no download URL (%s %s): the file is streamed",
            error.code().name,
            error.details(),
        )


_NO_DOWNLOAD_URL = frozenset({"DOWNLOAD_URL_UNSUPPORTED", "INVALID_DOWNLOAD_HEADERS"})


def _cannot_presign(error: grpc.aio.AioRpcError) -> bool:
    return error.code() == grpc.StatusCode.UNIMPLEMENTED or error_reason(error, DOMAIN) in _NO_DOWNLOAD_URL


class FileStream:
    """The bytes of a ReadFile call; iterating ends (or cancels) the call."""

    def __init__(
        self,
        call: grpc.aio.UnaryStreamCall,
        step: StepBound,
        first_chunk: bytes | memoryview = b"",
        ended: bool = False,
    ) -> None:
        self._call = call
        self._first_chunk = first_chunk
        self._ended = ended
        self._step = step

    async def chunks(self) -> AsyncGenerator[bytes | memoryview, None]:
        try:
            if self._first_chunk:
                yield self._first_chunk
            if self._ended:
                return
            while True:
                with _translated():
                    message = _response_or_end(
                        await self._step(self._call, self._call.read(), "a message of a download")
                    )
                if message is None:
                    return
                yield message.chunk
        finally:
            self._call.cancel()

    async def prefetch(self) -> None:
        """Waits for the first bytes (when none came with the first message), so that a files service
        that sends none is known before the answer starts."""
        if self._first_chunk or self._ended:
            return
        try:
            with _translated():
                message = _response_or_end(
                    await self._step(self._call, self._call.read(), "the first bytes of a download")
                )
        except BaseException:
            self._call.cancel()
            raise
        if message is None:
            self._ended = True
        else:
            self._first_chunk = message.chunk

    def cancel(self) -> None:
        self._call.cancel()


@dataclass(frozen=True)
class OpenedFile:
    """A download's first answer: the metadata, then either the whole file or the stream of its bytes."""

    info: StoredFile
    content: bytes | None
    stream: FileStream | None


class FilesUpload:
    """One upload. Its first message of bytes is held until a second one comes, which opens an
    UploadFile stream (metadata, then each message as it comes, each write waiting for the call to take
    it: backpressure); or until finish(), which sends the whole file in one message, in an
    UploadWholeFiles call it may share with other small uploads (upload_batches). Only finish() marks the
    upload complete: an upload that ends any other way keeps nothing."""

    def __init__(
        self,
        metadata: files_pb2.UploadMetadata,
        open_stream: Callable[[], grpc.aio.StreamUnaryCall],
        send_whole: Callable[[EncodedRequest], Awaitable[files_pb2.UploadOutcome]],
        step: StepBound,
    ) -> None:
        self._metadata = metadata
        self._open_stream = open_stream
        self._send_whole = send_whole
        self._step = step
        self._call: grpc.aio.StreamUnaryCall | None = None
        self._held: Sequence[memoryview | bytes] | None = None
        self._sent = 0

    async def send(self, parts: Sequence[memoryview | bytes]) -> None:
        """Sends the parts as one chunk message (the first is held: see the class)."""
        if self._call is None:
            if self._held is None:
                self._held = list(parts)
                return
            await self._open()
        await self._send_chunk(parts)

    async def finish(self) -> UploadedFile:
        if self._call is None:
            reply = await self._finish_whole()
        else:
            reply = await self._finish_stream(self._call)
        return UploadedFile(
            file=_stored_file(reply.file),
            delete_key=reply.delete_key,
            owner_account_id=reply.owner_account_id,
        )

    def cancel(self) -> None:
        self._held = None
        if self._call is not None:
            self._call.cancel()

    async def _open(self) -> None:
        call = self._call = self._open_stream()
        held, self._held = self._held or (), None
        try:
            await self._write(call, files_pb2.UploadFileRequest(metadata=self._metadata))
            await self._send_chunk(held)
        except BaseException:
            call.cancel()
            raise

    async def _send_chunk(self, parts: Sequence[memoryview | bytes]) -> None:
        assert self._call is not None
        await self._write(self._call, encoded_chunk(parts))
        self._sent += sum(len(part) for part in parts)

    async def _write(
        self, call: grpc.aio.StreamUnaryCall, message: files_pb2.UploadFileRequest | EncodedRequest
    ) -> None:
        try:
            await self._step(call, call.write(message), "a message of an upload")
        except (grpc.aio.AioRpcError, asyncio.InvalidStateError):
            await self._raise_final_status(call)

    async def _finish_whole(self) -> files_pb2.UploadFileResponse:
        held, self._held = self._held or (), None
        answer = self._send_whole(encoded_whole_file(self._metadata, held))
        with _translated():
            outcome = await self._step.wait(answer, "the answer to an upload")
        if outcome.HasField("refused"):
            refused = outcome.refused
            raise translate_refusal(
                refused.code, refused.message, refused.reason, refused.facts, SERVICE, REASONS
            )
        return outcome.uploaded

    async def _finish_stream(self, call: grpc.aio.StreamUnaryCall) -> files_pb2.UploadFileResponse:
        complete = files_pb2.UploadComplete(size=self._sent)
        await self._write(call, files_pb2.UploadFileRequest(complete=complete))
        with _translated():
            await self._step(call, call.done_writing(), "the end of an upload")
            reply: files_pb2.UploadFileResponse = await self._step(call, call, "the answer to an upload")
        return reply

    async def _raise_final_status(self, call: grpc.aio.StreamUnaryCall) -> NoReturn:
        """A write failed because files ended the call (say, it refused the metadata): answer its status."""
        with _translated():
            await self._step(call, call, "the answer to an upload")
        raise errors.UpstreamFailure(SERVICE)


def _stored_file(message: files_pb2.FileInfo) -> StoredFile:
    return StoredFile(
        file_url=message.file_url,
        ext=message.ext,
        user_filename=message.user_filename,
        size=message.size,
        sha256=message.sha256,
        created_at=message.created_at.ToDatetime(tzinfo=UTC),
        expires_at=_moment(message, "expires_at"),
        max_downloads=message.max_downloads if message.HasField("max_downloads") else None,
        downloads_left=message.downloads_left if message.HasField("downloads_left") else None,
    )


def _moment(message: files_pb2.FileInfo | files_pb2.FileLimits, field: str) -> datetime | None:
    if not message.HasField(field):
        return None
    timestamp: Timestamp = getattr(message, field)
    return timestamp.ToDatetime(tzinfo=UTC)


def _claim_outcome(message: files_pb2.ClaimOutcome, owner_account_id: str) -> ClaimOutcome:
    if message.result not in _CLAIM_REASONS:
        logger.error("ClaimFiles answered an unknown result %d", message.result)
        raise errors.UpstreamFailure(SERVICE)
    reason = _CLAIM_REASONS[message.result]
    claimed = None
    if reason is None:
        claimed = UploadedFile(_stored_file(message.file), message.delete_key, owner_account_id)
    return ClaimOutcome(file_url=message.file_url, reason=reason, claimed=claimed)


def _response_or_end(message: object) -> ReadMessage | None:
    """None at the stream's end: grpc's stubs type what read() returns as `object` for its EOF."""
    return None if message is grpc.aio.EOF else cast(ReadMessage, message)
