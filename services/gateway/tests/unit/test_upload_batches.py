import asyncio

import grpc
import pytest

from fileuploader.files.v1 import files_pb2
from gateway import errors
from gateway.clients.upload_batches import WholeFileBatcher


def whole(name: str, size: int = 10) -> bytes:
    return files_pb2.UploadWholeFileRequest(
        metadata=files_pb2.UploadMetadata(user_filename=name), content=b"x" * size
    ).SerializeToString()


def stored(name: str) -> files_pb2.UploadOutcome:
    return files_pb2.UploadOutcome(
        uploaded=files_pb2.UploadFileResponse(file=files_pb2.FileInfo(file_url=name))
    )


class FakeCall:
    """An UploadWholeFiles call that answers when the test says."""

    def __init__(self, request: bytes) -> None:
        self.uploads = files_pb2.UploadWholeFilesRequest.FromString(request).uploads
        self.names = [upload.file.metadata.user_filename for upload in self.uploads]
        self._reply: asyncio.Future[files_pb2.UploadWholeFilesResponse] = (
            asyncio.get_running_loop().create_future()
        )
        self.cancelled = False

    def answer(self, *outcomes: files_pb2.UploadOutcome) -> None:
        self._reply.set_result(files_pb2.UploadWholeFilesResponse(outcomes=outcomes))

    def answer_each(self) -> None:
        self.answer(*(stored(name) for name in self.names))

    def fail(self, error: BaseException) -> None:
        self._reply.set_exception(error)

    def cancel(self) -> bool:
        self.cancelled = True
        return self._reply.cancel()

    def __await__(self):
        return self._reply.__await__()


class FakeFiles:
    def __init__(self) -> None:
        self.calls: list[FakeCall] = []
        self.single: list[tuple[str, str | None]] = []

    def send_batch(self, request: bytes) -> FakeCall:
        call = FakeCall(request)
        self.calls.append(call)
        return call

    async def send_one(self, request: bytes, request_id: str | None) -> files_pb2.UploadFileResponse:
        name = files_pb2.UploadWholeFileRequest.FromString(request).metadata.user_filename
        self.single.append((name, request_id))
        return stored(name).uploaded


@pytest.fixture
def files() -> FakeFiles:
    return FakeFiles()


def batcher_of(files: FakeFiles, **options) -> WholeFileBatcher:
    return WholeFileBatcher("Files", files.send_batch, files.send_one, **options)  # type: ignore[arg-type]


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_a_lone_upload_goes_at_once_in_a_call_of_its_own(files):
    batcher = batcher_of(files)

    upload = asyncio.create_task(batcher.upload(whole("a.txt"), "req-a"))
    await settle()

    assert [call.names for call in files.calls] == [["a.txt"]]
    assert files.calls[0].uploads[0].request_id == "req-a"
    files.calls[0].answer_each()
    assert (await upload).uploaded.file.file_url == "a.txt"


async def test_uploads_finished_while_calls_are_out_go_together_each_answered_with_its_own_outcome(files):
    batcher = batcher_of(files, max_calls_out=1)
    first = asyncio.create_task(batcher.upload(whole("first.txt"), None))
    await settle()
    waiting = [asyncio.create_task(batcher.upload(whole(f"{n}.txt"), f"req-{n}")) for n in range(3)]
    await settle()

    assert [call.names for call in files.calls] == [["first.txt"]]
    files.calls[0].answer_each()
    await settle()

    assert [call.names for call in files.calls] == [["first.txt"], ["0.txt", "1.txt", "2.txt"]]
    assert [upload.request_id for upload in files.calls[1].uploads] == ["req-0", "req-1", "req-2"]
    refusal = files_pb2.UploadRefusal(code=grpc.StatusCode.INVALID_ARGUMENT.value[0], reason="BAD_EXTENSION")
    files.calls[1].answer(stored("0.txt"), files_pb2.UploadOutcome(refused=refusal), stored("2.txt"))
    outcomes = await asyncio.gather(first, *waiting)
    assert [outcome.WhichOneof("outcome") for outcome in outcomes] == [
        "uploaded",
        "uploaded",
        "refused",
        "uploaded",
    ]
    assert outcomes[3].uploaded.file.file_url == "2.txt"


async def test_a_call_takes_no_more_than_its_byte_bound_the_rest_go_in_the_next(files):
    batcher = batcher_of(files, max_calls_out=1, max_batch_bytes=2500)
    first = asyncio.create_task(batcher.upload(whole("first.txt"), None))
    await settle()
    waiting = [asyncio.create_task(batcher.upload(whole(f"{n}.txt", 1000), None)) for n in range(3)]
    await settle()
    files.calls[0].answer_each()
    await settle()
    files.calls[1].answer_each()
    await settle()

    assert [call.names for call in files.calls] == [["first.txt"], ["0.txt", "1.txt"], ["2.txt"]]
    files.calls[2].answer_each()
    await asyncio.gather(first, *waiting)


async def test_an_upload_that_stops_waiting_before_its_call_goes_is_never_sent(files):
    batcher = batcher_of(files, max_calls_out=1)
    first = asyncio.create_task(batcher.upload(whole("first.txt"), None))
    await settle()
    gone = asyncio.create_task(batcher.upload(whole("gone.txt"), None))
    kept = asyncio.create_task(batcher.upload(whole("kept.txt"), None))
    await settle()

    gone.cancel()
    await settle()
    files.calls[0].answer_each()
    await settle()

    assert [call.names for call in files.calls] == [["first.txt"], ["kept.txt"]]
    files.calls[1].answer_each()
    await asyncio.gather(first, kept)


async def test_a_call_is_cancelled_once_every_upload_in_it_stopped_waiting_and_not_before(files):
    batcher = batcher_of(files, max_calls_out=1)
    first = asyncio.create_task(batcher.upload(whole("first.txt"), None))
    await settle()
    waiting = [asyncio.create_task(batcher.upload(whole(f"{n}.txt"), None)) for n in range(2)]
    await settle()
    files.calls[0].answer_each()
    await first
    await settle()
    call = files.calls[1]

    waiting[0].cancel()
    await settle()
    assert not call.cancelled
    waiting[1].cancel()
    await settle()
    assert call.cancelled


async def test_a_failed_call_fails_each_of_its_uploads_and_the_queued_ones_go_on(files):
    batcher = batcher_of(files, max_calls_out=1)
    first = asyncio.create_task(batcher.upload(whole("first.txt"), None))
    await settle()
    failing = [asyncio.create_task(batcher.upload(whole(f"{n}.txt"), None)) for n in range(2)]
    await settle()
    files.calls[0].answer_each()
    await first
    await settle()
    later = asyncio.create_task(batcher.upload(whole("later.txt"), None))
    await settle()
    unavailable = grpc.aio.AioRpcError(grpc.StatusCode.UNAVAILABLE, grpc.aio.Metadata(), grpc.aio.Metadata())

    files.calls[1].fail(unavailable)
    await settle()

    for upload in failing:
        with pytest.raises(grpc.aio.AioRpcError):
            await upload
    assert [call.names for call in files.calls] == [["first.txt"], ["0.txt", "1.txt"], ["later.txt"]]
    files.calls[2].answer_each()
    assert (await later).uploaded.file.file_url == "later.txt"


async def test_a_files_service_without_batches_is_sent_each_upload_alone_from_then_on(files):
    batcher = batcher_of(files)
    first = asyncio.create_task(batcher.upload(whole("first.txt"), "req-1"))
    await settle()
    unimplemented = grpc.aio.AioRpcError(
        grpc.StatusCode.UNIMPLEMENTED, grpc.aio.Metadata(), grpc.aio.Metadata()
    )

    files.calls[0].fail(unimplemented)

    assert (await first).uploaded.file.file_url == "first.txt"
    assert (await batcher.upload(whole("next.txt"), "req-2")).uploaded.file.file_url == "next.txt"
    assert files.single == [("first.txt", "req-1"), ("next.txt", "req-2")]
    assert len(files.calls) == 1


async def test_an_answer_with_another_number_of_outcomes_fails_its_uploads(files):
    batcher = batcher_of(files)
    upload = asyncio.create_task(batcher.upload(whole("a.txt"), None))
    await settle()

    files.calls[0].answer()

    with pytest.raises(errors.UpstreamFailure):
        await upload
