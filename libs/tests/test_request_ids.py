import asyncio
import logging

import pytest

from fileuploader_runtime.request_ids import (
    RequestIdLogFilter,
    accepted_or_new,
    bind_from_metadata,
    bind_request_id,
    current_request_id,
    unbind_request_id,
)


@pytest.mark.parametrize("sent", ["abc-123", "A.b_c-9", "req-42:abc.1", "x" * 128])
def test_accepted_or_new_keeps_an_acceptable_id(sent: str) -> None:
    assert accepted_or_new(sent) == sent


@pytest.mark.parametrize(
    "sent",
    [None, "", "x" * 129, "has space", "new\nline", "semi;colon", "ünicode", "digit\u0661", b"bytes"],
)
def test_accepted_or_new_makes_an_id_when_none_or_an_unacceptable_one_is_sent(sent: object) -> None:
    made = accepted_or_new(sent)

    assert made != sent and len(made) == 32 and int(made, 16) >= 0


async def bound(metadata: tuple[tuple[str, object], ...]) -> str | None:
    """Binds in a task of its own, as grpc.aio runs each RPC."""

    async def rpc() -> str | None:
        bind_from_metadata(metadata)
        return current_request_id()

    return await asyncio.create_task(rpc())


async def test_bind_from_metadata_takes_the_callers_id() -> None:
    assert await bound((("authorization", "Bearer x"), ("x-request-id", "req-42:abc.1"))) == "req-42:abc.1"


@pytest.mark.parametrize("sent", [None, "", "has space", "x" * 129, "new\nline"])
async def test_bind_from_metadata_makes_a_new_id_when_missing_or_unacceptable(sent: str | None) -> None:
    metadata = (("x-request-id", sent),) if sent is not None else ()

    made = await bound(metadata)

    assert made is not None and made != sent and len(made) == 32


async def test_request_id_does_not_leak_out_of_the_rpc_task() -> None:
    await bound((("x-request-id", "inside"),))

    assert current_request_id() is None


def test_a_bound_id_is_unbound_by_its_token() -> None:
    token = bind_request_id("req-7")
    assert current_request_id() == "req-7"

    unbind_request_id(token)

    assert current_request_id() is None


def test_log_filter_gives_every_record_the_request_id() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "message", None, None)
    token = bind_request_id("req-8")
    try:
        assert RequestIdLogFilter().filter(record)
    finally:
        unbind_request_id(token)
    assert record.request_id == "req-8"  # type: ignore[attr-defined]


def test_log_filter_marks_records_outside_a_request() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "message", None, None)

    assert RequestIdLogFilter().filter(record)
    assert record.request_id == "-"  # type: ignore[attr-defined]
