import asyncio
import logging

import pytest

from auth_service.entrypoints.request_id import RequestIdLogFilter, bind_request_id, current_request_id


class FakeContext:
    def __init__(self, metadata: tuple[tuple[str, str], ...]) -> None:
        self._metadata = metadata

    def invocation_metadata(self) -> tuple[tuple[str, str], ...]:
        return self._metadata


async def bound(metadata: tuple[tuple[str, str], ...]) -> str:
    """Binds in a task of its own, as grpc.aio runs each RPC."""

    async def rpc() -> str:
        bind_request_id(FakeContext(metadata))  # type: ignore[arg-type]
        return current_request_id()

    return await asyncio.create_task(rpc())


async def test_bind_request_id_takes_the_callers_id() -> None:
    assert await bound((("x-request-id", "req-42:abc.1"),)) == "req-42:abc.1"


@pytest.mark.parametrize("sent", [None, "", "has space", "x" * 129, "new\nline"])
async def test_bind_request_id_makes_a_new_id_when_missing_or_unsafe(sent: str | None) -> None:
    metadata = (("x-request-id", sent),) if sent is not None else ()

    made = await bound(metadata)  # type: ignore[arg-type]

    assert made != sent and len(made) == 32


async def test_request_id_does_not_leak_out_of_the_rpc_task() -> None:
    await bound((("x-request-id", "inside"),))

    assert current_request_id() == "-"


def test_log_filter_gives_every_record_the_request_id() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "message", None, None)

    assert RequestIdLogFilter().filter(record)
    assert record.request_id == "-"  # type: ignore[attr-defined]
