"""Small uploads sent to files together. A whole small file goes at once when fewer than
`max_calls_out` UploadWholeFiles calls are out; while they are, the uploads finished meanwhile wait and
go together in the next call (up to `max_batch_bytes`): each call costs both services ~0.3-0.5 ms of
CPU whatever it carries, so under load a few uploads share one call's cost, and a lone upload waits
for nothing.

An upload that stops waiting (its request ended, or its step bound passed) before its call went out is
never sent; after, it may still be stored (files stores each upload of a call on its own): a call whose
every upload stopped waiting is cancelled. A files service older than UploadWholeFiles (UNIMPLEMENTED)
is sent each upload in an UploadWholeFile call of its own from then on."""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import grpc

from fileuploader.files.v1 import files_pb2
from fileuploader_runtime.protobuf_wire import encoded_repeated_field, field_tag, varint
from gateway import errors
from gateway.clients.upload_messages import EncodedRequest

logger = logging.getLogger(__name__)

MAX_CALLS_OUT = 2
# Well under the 8 MiB a gateway sends in one message (clients.rpc.MAX_MESSAGE_BYTES).
MAX_BATCH_BYTES = 4 * 1024 * 1024

SendBatch = Callable[[bytes], grpc.aio.UnaryUnaryCall]
SendOne = Callable[[EncodedRequest, str | None], Awaitable[files_pb2.UploadFileResponse]]

_UPLOADS_TAG = field_tag(files_pb2.UploadWholeFilesRequest, "uploads")
_FILE_TAG = bytes((field_tag(files_pb2.BatchedUpload, "file"),))
_REQUEST_ID_TAG = bytes((field_tag(files_pb2.BatchedUpload, "request_id"),))


@dataclass(eq=False)
class _Upload:
    request: EncodedRequest  # a serialised UploadWholeFileRequest
    request_id: str | None
    answer: asyncio.Future[files_pb2.UploadOutcome]
    call: "_Call | None" = None


@dataclass(eq=False)
class _Call:
    uploads: list[_Upload]
    sent: grpc.aio.UnaryUnaryCall | None = None
    abandoned: int = 0


@dataclass
class WholeFileBatcher:
    """`send_batch` starts an UploadWholeFiles call of a serialised request; `send_one` is the
    UploadWholeFile call of one upload (with its request id) for a files service without batches."""

    service: str
    send_batch: SendBatch
    send_one: SendOne
    max_calls_out: int = MAX_CALLS_OUT
    max_batch_bytes: int = MAX_BATCH_BYTES
    _queued: list[_Upload] = field(default_factory=list)
    _calls_out: int = 0
    _settling: set[asyncio.Task[None]] = field(default_factory=set)
    _batches_unimplemented: bool = False

    async def upload(self, request: EncodedRequest, request_id: str | None) -> files_pb2.UploadOutcome:
        """The outcome of storing the file: uploaded, or refused as UploadWholeFile's status would
        refuse it; raises grpc.aio.AioRpcError when the call failed."""
        if self._batches_unimplemented:
            return files_pb2.UploadOutcome(uploaded=await self.send_one(request, request_id))
        upload = _Upload(request, request_id, asyncio.get_running_loop().create_future())
        self._queued.append(upload)
        self._send_queued()
        try:
            return await asyncio.shield(upload.answer)
        except asyncio.CancelledError:
            self._abandon(upload)
            raise

    def _abandon(self, upload: _Upload) -> None:
        call = upload.call
        if call is None:
            self._queued.remove(upload)
            return
        call.abandoned += 1
        if call.abandoned == len(call.uploads) and call.sent is not None:
            call.sent.cancel()

    def _send_queued(self) -> None:
        while self._queued and self._calls_out < self.max_calls_out:
            call = _Call(self._take_batch())
            for upload in call.uploads:
                upload.call = call
            call.sent = self.send_batch(
                encoded_repeated_field(_UPLOADS_TAG, [_batched(upload) for upload in call.uploads])
            )
            self._calls_out += 1
            settling = asyncio.create_task(self._settle(call), name="upload-batch")
            self._settling.add(settling)
            settling.add_done_callback(self._settling.discard)

    def _take_batch(self) -> list[_Upload]:
        """The oldest queued uploads, as many as fit max_batch_bytes (the first whatever its size)."""
        size = len(self._queued[0].request)
        taken = 1
        while taken < len(self._queued) and size + len(self._queued[taken].request) <= self.max_batch_bytes:
            size += len(self._queued[taken].request)
            taken += 1
        batch, self._queued = self._queued[:taken], self._queued[taken:]
        return batch

    async def _settle(self, call: _Call) -> None:
        assert call.sent is not None
        try:
            reply: files_pb2.UploadWholeFilesResponse = await call.sent
            if len(reply.outcomes) != len(call.uploads):
                logger.error(
                    "UploadWholeFiles answered %d outcomes for %d uploads",
                    len(reply.outcomes),
                    len(call.uploads),
                )
                _fail(call, errors.UpstreamFailure(self.service))
                return
            for upload, outcome in zip(call.uploads, reply.outcomes, strict=True):
                _answer(upload, outcome)
        except grpc.aio.AioRpcError as error:
            if error.code() == grpc.StatusCode.UNIMPLEMENTED:
                await self._send_each(call)
            else:
                _fail(call, error)
        except asyncio.CancelledError:
            _fail(call, None)
            raise
        finally:
            self._calls_out -= 1
            self._send_queued()

    async def _send_each(self, call: _Call) -> None:
        if not self._batches_unimplemented:
            self._batches_unimplemented = True
            logger.warning("files has no UploadWholeFiles (an older version): small uploads go one per call")
        outcomes = await asyncio.gather(
            *(self.send_one(upload.request, upload.request_id) for upload in call.uploads),
            return_exceptions=True,
        )
        for upload, outcome in zip(call.uploads, outcomes, strict=True):
            if isinstance(outcome, BaseException):
                _fail_one(upload, outcome)
            else:
                _answer(upload, files_pb2.UploadOutcome(uploaded=outcome))


def _batched(upload: _Upload) -> bytes:
    """The serialised BatchedUpload(file=<the request>, request_id=...)."""
    request_id = (upload.request_id or "").encode()
    parts = [_FILE_TAG, varint(len(upload.request)), upload.request]
    if request_id:
        parts += [_REQUEST_ID_TAG, varint(len(request_id)), request_id]
    return b"".join(parts)


def _answer(upload: _Upload, outcome: files_pb2.UploadOutcome) -> None:
    if not upload.answer.done():
        upload.answer.set_result(outcome)


def _fail(call: _Call, error: BaseException | None) -> None:
    for upload in call.uploads:
        _fail_one(upload, error)


def _fail_one(upload: _Upload, error: BaseException | None) -> None:
    """`error` None or a cancellation: the upload's wait is cancelled."""
    if upload.answer.done():
        return
    if error is None or isinstance(error, asyncio.CancelledError):
        upload.answer.cancel()
    else:
        upload.answer.set_exception(error)
