"""fileuploader.files.v1.FilesService on grpc.aio, delegating to the use cases."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator, AsyncIterator

import grpc

from files_service.domain.errors import FilesError, MetadataMissing, UploadIncomplete
from files_service.domain.model import StoredFile
from files_service.entrypoints.convert import (
    account_usage_response_of,
    claim_outcome_of,
    claim_requests_of,
    download_headers_of,
    download_url_response_of,
    file_info_of,
    file_limits_of,
    owned_file_of,
    refusal_message,
    upload_request_of,
    upload_response_of,
)
from files_service.entrypoints.errors import FILES_ERRORS
from files_service.entrypoints.read_responses import EncodedResponse, chunk_response
from files_service.entrypoints.upload_requests import UploadMessage
from files_service.metrics import TransferMetrics
from files_service.service import FilesService
from fileuploader.files.v1 import files_pb2, files_pb2_grpc
from fileuploader_runtime.request_ids import accepted_or_new, bind_request_id
from fileuploader_runtime.stream_writes import write_all

logger = logging.getLogger(__name__)

OWNED_FILES_PER_MESSAGE = 500
# A whole file in one message stays well under gRPC's default 4 MiB limit on a message received.
MAX_INLINE_BYTES = 1024 * 1024


class FilesServicer(files_pb2_grpc.FilesServiceServicer):
    def __init__(self, service: FilesService, drain_limit_bytes: int, metrics: TransferMetrics) -> None:
        self._service = service
        self._drain_limit_bytes = drain_limit_bytes
        self._metrics = metrics

    async def UploadFile(
        self,
        request_iterator: AsyncIterator[UploadMessage],
        context: grpc.aio.ServicerContext,
    ) -> files_pb2.UploadFileResponse:
        """Its requests are read by upload_requests.upload_message_of (see handlers)."""
        async with FILES_ERRORS.aborting_on_error(context, "UploadFile"):
            with self._metrics.uploads_in_flight.track_inprogress():
                try:
                    request = upload_request_of(await _first_metadata(request_iterator))
                    stored = await self._service.upload_file(request, _chunks(request_iterator))
                except FilesError:
                    await _drain(request_iterator, self._drain_limit_bytes)
                    raise
            self._metrics.stored_bytes.inc(stored.size)
            logger.info("stored file %s (%d bytes)", stored.file_url, stored.size)
            return upload_response_of(stored)

    async def UploadWholeFile(
        self, request: files_pb2.UploadWholeFileRequest, context: grpc.aio.ServicerContext
    ) -> files_pb2.UploadFileResponse:
        async with FILES_ERRORS.aborting_on_error(context, "UploadWholeFile"):
            with self._metrics.uploads_in_flight.track_inprogress():
                stored = await self._service.upload_file(
                    upload_request_of(request.metadata), _whole(request.content)
                )
            self._metrics.stored_bytes.inc(stored.size)
            logger.info("stored file %s (%d bytes)", stored.file_url, stored.size)
            return upload_response_of(stored)

    async def UploadWholeFiles(
        self, request: files_pb2.UploadWholeFilesRequest, context: grpc.aio.ServicerContext
    ) -> files_pb2.UploadWholeFilesResponse:
        """Each upload in a task of its own, together: their writes share the group commit."""
        async with FILES_ERRORS.aborting_on_error(context, "UploadWholeFiles"):
            outcomes = await asyncio.gather(*map(self._upload_batched, request.uploads))
            return files_pb2.UploadWholeFilesResponse(outcomes=outcomes)

    async def _upload_batched(self, upload: files_pb2.BatchedUpload) -> files_pb2.UploadOutcome:
        bind_request_id(accepted_or_new(upload.request_id))
        try:
            with self._metrics.uploads_in_flight.track_inprogress():
                stored = await self._service.upload_file(
                    upload_request_of(upload.file.metadata), _whole(upload.file.content)
                )
        except Exception as error:
            return files_pb2.UploadOutcome(
                refused=refusal_message(FILES_ERRORS.refusal_of(error, "UploadWholeFiles"))
            )
        self._metrics.stored_bytes.inc(stored.size)
        logger.info("stored file %s (%d bytes)", stored.file_url, stored.size)
        return files_pb2.UploadOutcome(uploaded=upload_response_of(stored))

    async def GetFileInfo(
        self, request: files_pb2.GetFileInfoRequest, context: grpc.aio.ServicerContext
    ) -> files_pb2.GetFileInfoResponse:
        async with FILES_ERRORS.aborting_on_error(context, "GetFileInfo"):
            stored = await self._service.get_file_info(request.file_url)
            return files_pb2.GetFileInfoResponse(file=file_info_of(stored))

    async def ReadFile(  # writes its stream itself (stream_writes)
        self, request: files_pb2.ReadFileRequest, context: grpc.aio.ServicerContext
    ) -> None:
        await write_all(context, self._read_file(request, context))

    async def _read_file(
        self, request: files_pb2.ReadFileRequest, context: grpc.aio.ServicerContext
    ) -> AsyncGenerator[files_pb2.ReadFileResponse | EncodedResponse, None]:
        async with FILES_ERRORS.aborting_on_error(context, "ReadFile"):
            length = request.length if request.HasField("length") else None
            stored = await self._service.get_file_info(request.file_url)
            if request.with_info and stored.size <= min(request.inline_up_to, MAX_INLINE_BYTES):
                whole = await _joined(self._service.read_stored_file(stored, 0, None))
                yield files_pb2.ReadFileResponse(chunk=whole, info=file_info_of(stored), inline=True)
                self._metrics.served_bytes.inc(len(whole))
                return
            chunks = self._service.read_stored_file(stored, request.offset, length)
            async with contextlib.aclosing(chunks):
                if request.with_info:
                    yield files_pb2.ReadFileResponse(info=file_info_of(stored))
                async for chunk in chunks:
                    yield chunk_response(chunk)
                    self._metrics.served_bytes.inc(len(chunk))

    async def GetDownloadUrl(
        self, request: files_pb2.GetDownloadUrlRequest, context: grpc.aio.ServicerContext
    ) -> files_pb2.GetDownloadUrlResponse:
        async with FILES_ERRORS.aborting_on_error(context, "GetDownloadUrl"):
            headers = download_headers_of(request)
            download_url = await self._service.get_download_url(request.file_url, headers)
            return download_url_response_of(download_url)

    async def DeleteFile(
        self, request: files_pb2.DeleteFileRequest, context: grpc.aio.ServicerContext
    ) -> files_pb2.DeleteFileResponse:
        async with FILES_ERRORS.aborting_on_error(context, "DeleteFile"):
            await self._service.delete_file(request.file_url, request.delete_key)
            logger.info("deleted file %s", request.file_url)
            return files_pb2.DeleteFileResponse()

    async def ListOwnedFiles(  # writes its stream itself (stream_writes)
        self, request: files_pb2.ListOwnedFilesRequest, context: grpc.aio.ServicerContext
    ) -> None:
        await write_all(context, self._list_owned_files(context))

    async def _list_owned_files(
        self, context: grpc.aio.ServicerContext
    ) -> AsyncGenerator[files_pb2.ListOwnedFilesResponse, None]:
        async with FILES_ERRORS.aborting_on_error(context, "ListOwnedFiles"):
            owned = self._service.list_owned_files()
            async with contextlib.aclosing(_batches(owned, OWNED_FILES_PER_MESSAGE)) as batches:
                async for batch in batches:
                    yield files_pb2.ListOwnedFilesResponse(files=[owned_file_of(stored) for stored in batch])

    async def RepublishFileEvents(
        self, request: files_pb2.RepublishFileEventsRequest, context: grpc.aio.ServicerContext
    ) -> files_pb2.RepublishFileEventsResponse:
        async with FILES_ERRORS.aborting_on_error(context, "RepublishFileEvents"):
            republished = await self._service.republish_file_events(list(request.file_urls))
            return files_pb2.RepublishFileEventsResponse(
                republished=republished.count, unknown_file_urls=republished.unknown_file_urls
            )

    async def ClaimFiles(
        self, request: files_pb2.ClaimFilesRequest, context: grpc.aio.ServicerContext
    ) -> files_pb2.ClaimFilesResponse:
        async with FILES_ERRORS.aborting_on_error(context, "ClaimFiles"):
            outcomes = await self._service.claim_files(request.owner_account_id, claim_requests_of(request))
            return files_pb2.ClaimFilesResponse(outcomes=[claim_outcome_of(outcome) for outcome in outcomes])

    async def GetAccountUsage(
        self, request: files_pb2.GetAccountUsageRequest, context: grpc.aio.ServicerContext
    ) -> files_pb2.GetAccountUsageResponse:
        async with FILES_ERRORS.aborting_on_error(context, "GetAccountUsage"):
            usage, quota = await self._service.get_account_usage(request.owner_account_id)
            return account_usage_response_of(usage, quota)

    async def DeleteAccountFiles(
        self, request: files_pb2.DeleteAccountFilesRequest, context: grpc.aio.ServicerContext
    ) -> files_pb2.DeleteAccountFilesResponse:
        async with FILES_ERRORS.aborting_on_error(context, "DeleteAccountFiles"):
            deleted = await self._service.delete_account_files(request.owner_account_id)
            return files_pb2.DeleteAccountFilesResponse(deleted_files=deleted)

    async def CountDownload(
        self, request: files_pb2.CountDownloadRequest, context: grpc.aio.ServicerContext
    ) -> files_pb2.CountDownloadResponse:
        async with FILES_ERRORS.aborting_on_error(context, "CountDownload"):
            left = await self._service.count_download(request.file_url)
            return files_pb2.CountDownloadResponse(downloads_left=left)

    async def GetFileLimits(
        self, request: files_pb2.GetFileLimitsRequest, context: grpc.aio.ServicerContext
    ) -> files_pb2.GetFileLimitsResponse:
        async with FILES_ERRORS.aborting_on_error(context, "GetFileLimits"):
            served, gone = await self._service.file_limits(list(request.file_urls))
            files = [file_limits_of(file_url, limits) for file_url, limits in served.items()]
            return files_pb2.GetFileLimitsResponse(files=files, gone=gone)


async def _joined(chunks: AsyncGenerator[bytes, None]) -> bytes:
    async with contextlib.aclosing(chunks):
        return b"".join([chunk async for chunk in chunks])


async def _drain(requests: AsyncIterator[UploadMessage], limit_bytes: int) -> None:
    """Reads and drops what the caller still sends, so that the error status reaches it after it has
    half-closed: a grpc.aio client whose write is in flight when the status arrives may report INTERNAL
    instead of the real status (grpc/grpc#36066). A stream past `limit_bytes` is not waited for."""
    drained = 0
    async for request in requests:
        drained += len(request.chunk)
        if drained > limit_bytes:
            return


async def _first_metadata(requests: AsyncIterator[UploadMessage]) -> files_pb2.UploadMetadata:
    first = await anext(requests, None)
    if first is None or first.metadata is None:
        raise MetadataMissing("the first message of an upload must be its metadata")
    return first.metadata


async def _whole(content: bytes) -> AsyncIterator[bytes]:
    if content:
        yield content


async def _chunks(requests: AsyncIterator[UploadMessage]) -> AsyncIterator[memoryview | bytes]:
    """The file's bytes; raises UploadIncomplete (so the blob store keeps nothing) unless the stream
    ends with `complete` for exactly the bytes sent. A cancelled call may look like an ended stream."""
    sent = 0
    async for request in requests:
        kind = request.kind
        if kind == "chunk":
            sent += len(request.chunk)
            yield request.chunk
        elif kind == "complete" and request.completed_size == sent:
            if await anext(requests, None) is None:
                return
            raise UploadIncomplete("nothing may follow the completion message")
        else:
            raise UploadIncomplete(f"unexpected {kind} message after {sent} bytes")
    raise UploadIncomplete(f"the upload stream ended after {sent} bytes without its completion message")


async def _batches(
    files: AsyncGenerator[StoredFile, None], size: int
) -> AsyncGenerator[list[StoredFile], None]:
    """Groups the stream into lists of `size`; closing the groups closes the stream."""
    batch: list[StoredFile] = []
    async with contextlib.aclosing(files):
        async for stored in files:
            batch.append(stored)
            if len(batch) == size:
                yield batch
                batch = []
    if batch:
        yield batch
