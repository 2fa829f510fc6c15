"""write_all: a server stream's messages written in order; a write meeting the end of the call ends the
handler as cancelled (what grpc does once it hears of the cancellation), the messages' generator closed."""

import asyncio

import grpc
import pytest

from fileuploader_runtime.stream_writes import write_all


class RecordingContext:
    def __init__(self, refuse_from: int | None = None) -> None:
        self.written: list[str] = []
        self._refuse_from = refuse_from

    async def write(self, message: str) -> None:
        if self._refuse_from is not None and len(self.written) >= self._refuse_from:
            raise grpc.aio.InternalError('Failed "execute_batch"')  # as grpc's ExecuteBatchError is one
        self.written.append(message)


class Messages:
    def __init__(self, count: int) -> None:
        self.count = count
        self.closed = False

    async def __call__(self):
        try:
            for number in range(self.count):
                yield f"message {number}"
        finally:
            self.closed = True


async def test_every_message_is_written_in_order():
    context, messages = RecordingContext(), Messages(3)

    await write_all(context, messages())

    assert context.written == ["message 0", "message 1", "message 2"] and messages.closed


async def test_a_write_refused_because_the_call_ended_ends_the_handler_as_cancelled():
    context, messages = RecordingContext(refuse_from=1), Messages(5)

    with pytest.raises(asyncio.CancelledError) as cancelled:
        await write_all(context, messages())

    assert context.written == ["message 0"] and messages.closed
    assert isinstance(cancelled.value.__cause__, grpc.aio.InternalError)


async def test_an_error_of_the_messages_themselves_is_not_taken_for_a_cancellation():
    context = RecordingContext()

    async def failing():
        yield "message 0"
        raise ValueError("the file went missing")

    with pytest.raises(ValueError, match="went missing"):
        await write_all(context, failing())
    assert context.written == ["message 0"]
