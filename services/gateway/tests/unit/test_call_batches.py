"""CallBatcher's choices beyond what the upload batches show (tests/unit/test_upload_batches.py): no byte
bound, and a batch whose answer was too large asked for again one item a call."""

import asyncio

import grpc
import pytest

from gateway.clients.call_batches import CallBatcher


class FakeCall:
    """A batch call of some names that answers when the test says."""

    def __init__(self, names: list[str]) -> None:
        self.names = names
        self._reply: asyncio.Future[list[str]] = asyncio.get_running_loop().create_future()

    def answer_each(self) -> None:
        self._reply.set_result([f"listed {name}" for name in self.names])

    def fail(self, code: grpc.StatusCode) -> None:
        self._reply.set_exception(grpc.aio.AioRpcError(code, grpc.aio.Metadata(), grpc.aio.Metadata()))

    def cancel(self) -> bool:
        return self._reply.cancel()

    def __await__(self):
        return self._reply.__await__()


class FakeService:
    def __init__(self) -> None:
        self.calls: list[FakeCall] = []
        self.single: list[str] = []

    def send_batch(self, names: list[str]) -> FakeCall:
        call = FakeCall(names)
        self.calls.append(call)
        return call

    async def send_one(self, name: str) -> str:
        self.single.append(name)
        return f"alone {name}"


@pytest.fixture
def service() -> FakeService:
    return FakeService()


def batcher_of(service: FakeService, **options) -> CallBatcher[str, str]:
    return CallBatcher("Auth", "ListAccountFilesBatch", service.send_batch, list, service.send_one, **options)  # type: ignore[arg-type]


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_without_a_byte_bound_everything_queued_goes_in_the_next_call(service):
    batcher = batcher_of(service)
    asked = [asyncio.create_task(batcher.call(f"n{n}")) for n in range(12)]
    await settle()
    assert [call.names for call in service.calls] == [["n0"], ["n1"]]

    service.calls[0].answer_each()
    await settle()

    assert service.calls[2].names == [f"n{n}" for n in range(2, 12)]
    service.calls[1].answer_each()
    service.calls[2].answer_each()
    assert await asyncio.gather(*asked) == [f"listed n{n}" for n in range(12)]


async def test_a_batch_answered_too_large_is_asked_again_one_item_a_call(service):
    batcher = batcher_of(service, max_calls_out=1, split_too_large=True)
    asked = [asyncio.create_task(batcher.call(name)) for name in ("a", "b", "c")]
    await settle()
    service.calls[0].answer_each()
    await settle()
    assert service.calls[1].names == ["b", "c"]

    service.calls[1].fail(grpc.StatusCode.RESOURCE_EXHAUSTED)

    assert await asyncio.gather(*asked) == ["listed a", "alone b", "alone c"]
    assert service.single == ["b", "c"]
    later = asyncio.create_task(batcher.call("d"))
    await settle()
    assert service.calls[-1].names == ["d"], "the next listings share calls again"
    service.calls[-1].answer_each()
    assert await later == "listed d"


async def test_a_lone_item_answered_too_large_fails(service):
    batcher = batcher_of(service, split_too_large=True)
    alone = asyncio.create_task(batcher.call("huge"))
    await settle()

    service.calls[0].fail(grpc.StatusCode.RESOURCE_EXHAUSTED)

    with pytest.raises(grpc.aio.AioRpcError) as failed:
        await alone
    assert failed.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED and service.single == []


async def test_without_split_too_large_a_batch_answered_too_large_fails_every_item(service):
    batcher = batcher_of(service, max_calls_out=1)
    asked = [asyncio.create_task(batcher.call(name)) for name in ("a", "b", "c")]
    await settle()
    service.calls[0].answer_each()
    await settle()

    service.calls[1].fail(grpc.StatusCode.RESOURCE_EXHAUSTED)

    outcomes = await asyncio.gather(*asked, return_exceptions=True)
    assert outcomes[0] == "listed a"
    assert all(isinstance(outcome, grpc.aio.AioRpcError) for outcome in outcomes[1:])
    assert service.single == []
