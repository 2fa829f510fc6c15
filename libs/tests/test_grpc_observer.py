"""RpcObserver around fake handlers and contexts: status codes, counts, times, request id, access log."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import grpc
import pytest
from prometheus_client import CollectorRegistry

from fileuploader_runtime.grpc_observer import RpcObserver
from fileuploader_runtime.request_ids import current_request_id
from fileuploader_runtime.rpc_metrics import RpcMetrics

SERVICE = "fileuploader.auth.v1.AuthService"


class FakeContext:
    """What the observer reads of a grpc.aio ServicerContext: the metadata and the status set so far."""

    def __init__(self, request_id: str = "req-1") -> None:
        self._metadata = (("x-request-id", request_id),)
        self._code: grpc.StatusCode | None = None

    def invocation_metadata(self) -> tuple[tuple[str, str], ...]:
        return self._metadata

    def code(self) -> grpc.StatusCode | None:
        return self._code

    async def abort(self, code: grpc.StatusCode, details: str) -> None:
        self._code = code
        raise RuntimeError(f"aborted: {details}")  # grpc.aio raises its AbortError here


class Details:
    def __init__(self, method: str) -> None:
        self.method = method


@pytest.fixture
def registry() -> CollectorRegistry:
    return CollectorRegistry()


@pytest.fixture
def observer(registry: CollectorRegistry) -> RpcObserver:
    return RpcObserver(RpcMetrics.register(registry))


async def observed(
    observer: RpcObserver, handler: grpc.RpcMethodHandler, method: str = f"/{SERVICE}/Login"
) -> grpc.RpcMethodHandler:
    async def continuation(details: Any) -> grpc.RpcMethodHandler:
        return handler

    return await observer.intercept_service(continuation, Details(method))


def handled(registry: CollectorRegistry, method: str, code: str, service: str = SERVICE) -> float | None:
    labels = {"grpc_service": service, "grpc_method": method, "grpc_code": code}
    return registry.get_sample_value("grpc_server_handled_total", labels)


async def test_successful_rpc_is_counted_ok_and_timed(
    observer: RpcObserver, registry: CollectorRegistry
) -> None:
    async def login(request: str, context: FakeContext) -> str:
        return f"token for {request}"

    wrapped = await observed(observer, grpc.unary_unary_rpc_method_handler(login))

    assert await wrapped.unary_unary("alice", FakeContext()) == "token for alice"
    assert handled(registry, "Login", "OK") == 1
    labels = {"grpc_service": SERVICE, "grpc_method": "Login"}
    assert registry.get_sample_value("grpc_server_started_total", labels) == 1
    assert registry.get_sample_value("grpc_server_handling_seconds_count", labels) == 1


async def test_aborted_rpc_is_counted_with_the_status_it_aborted_with(
    observer: RpcObserver, registry: CollectorRegistry
) -> None:
    async def login(request: str, context: FakeContext) -> str:
        await context.abort(grpc.StatusCode.UNAUTHENTICATED, "wrong password")
        return "never"

    wrapped = await observed(observer, grpc.unary_unary_rpc_method_handler(login))

    with pytest.raises(RuntimeError):
        await wrapped.unary_unary("alice", FakeContext())
    assert handled(registry, "Login", "UNAUTHENTICATED") == 1 and handled(registry, "Login", "OK") is None


async def test_rpc_failing_unexpectedly_is_counted_unknown(
    observer: RpcObserver, registry: CollectorRegistry
) -> None:
    async def login(request: str, context: FakeContext) -> str:
        raise ValueError("bug")

    wrapped = await observed(observer, grpc.unary_unary_rpc_method_handler(login))

    with pytest.raises(ValueError):
        await wrapped.unary_unary("alice", FakeContext())
    assert handled(registry, "Login", "UNKNOWN") == 1


async def test_rpc_the_caller_cancelled_is_counted_cancelled(
    observer: RpcObserver, registry: CollectorRegistry
) -> None:
    async def login(request: str, context: FakeContext) -> str:
        await asyncio.sleep(10)
        return "late"

    wrapped = await observed(observer, grpc.unary_unary_rpc_method_handler(login))
    call = asyncio.create_task(wrapped.unary_unary("alice", FakeContext()))
    await asyncio.sleep(0.01)
    call.cancel()

    with pytest.raises(asyncio.CancelledError):
        await call
    assert handled(registry, "Login", "CANCELLED") == 1


async def test_streamed_responses_pass_through_and_the_rpc_is_counted_when_the_stream_ends(
    observer: RpcObserver, registry: CollectorRegistry
) -> None:
    async def list_files(request: str, context: FakeContext) -> AsyncIterator[str]:
        assert handled(registry, "ListOwnedFiles", "OK") is None
        yield "first"
        yield "second"

    wrapped = await observed(
        observer, grpc.unary_stream_rpc_method_handler(list_files), f"/{SERVICE}/ListOwnedFiles"
    )

    assert [response async for response in wrapped.unary_stream("all", FakeContext())] == ["first", "second"]
    assert handled(registry, "ListOwnedFiles", "OK") == 1


async def test_client_stream_handler_is_observed(observer: RpcObserver, registry: CollectorRegistry) -> None:
    async def upload(requests: AsyncIterator[bytes], context: FakeContext) -> int:
        return sum([len(chunk) async for chunk in requests])

    async def chunks() -> AsyncIterator[bytes]:
        yield b"abc"
        yield b"de"

    wrapped = await observed(observer, grpc.stream_unary_rpc_method_handler(upload), f"/{SERVICE}/Upload")

    assert await wrapped.stream_unary(chunks(), FakeContext()) == 5
    assert handled(registry, "Upload", "OK") == 1


async def test_stream_handler_writing_to_the_context_is_observed(
    observer: RpcObserver, registry: CollectorRegistry
) -> None:
    async def watch(request: str, context: FakeContext) -> None:
        await context.abort(grpc.StatusCode.NOT_FOUND, "unknown service")

    health = "grpc.health.v1.Health"
    wrapped = await observed(observer, grpc.unary_stream_rpc_method_handler(watch), f"/{health}/Watch")

    with pytest.raises(RuntimeError):
        await wrapped.unary_stream("x", FakeContext())
    assert handled(registry, "Watch", "NOT_FOUND", service=health) == 1


async def test_unknown_method_is_left_to_grpc(observer: RpcObserver, registry: CollectorRegistry) -> None:
    async def nothing(details: Any) -> None:
        return None

    assert await observer.intercept_service(nothing, Details("/no.Such/Method")) is None
    assert all(not family.samples for family in registry.collect())


async def test_handler_runs_under_the_callers_request_id_and_is_logged_with_it(
    observer: RpcObserver, caplog: pytest.LogCaptureFixture
) -> None:
    seen: list[str] = []

    async def login(request: str, context: FakeContext) -> str:
        seen.append(current_request_id())
        return "token"

    wrapped = await observed(observer, grpc.unary_unary_rpc_method_handler(login))
    caplog.set_level(logging.INFO, logger="fileuploader_runtime.grpc_observer")

    await asyncio.create_task(wrapped.unary_unary("alice", FakeContext("trace-77")))

    assert seen == ["trace-77"]
    [line] = [record.getMessage() for record in caplog.records]
    assert line.startswith(f"rpc /{SERVICE}/Login OK ") and line.endswith(" ms")


async def test_health_checks_are_logged_at_debug_only(
    observer: RpcObserver, caplog: pytest.LogCaptureFixture
) -> None:
    async def check(request: str, context: FakeContext) -> str:
        return "SERVING"

    wrapped = await observed(
        observer, grpc.unary_unary_rpc_method_handler(check), "/grpc.health.v1.Health/Check"
    )
    caplog.set_level(logging.INFO, logger="fileuploader_runtime.grpc_observer")

    await wrapped.unary_unary("", FakeContext())

    assert caplog.records == []


async def test_repeated_rpcs_are_each_counted_by_their_own_status_and_handler(
    observer: RpcObserver, registry: CollectorRegistry
) -> None:
    """Instruments and wrapped handlers are kept per method: a later call still runs its own handler
    (a caller refused by the gate gets another one) and is counted under its own status."""

    async def login(request: str, context: FakeContext) -> str:
        if request == "mallory":
            await context.abort(grpc.StatusCode.UNAUTHENTICATED, "no")
        return "token"

    async def refuse(request: str, context: FakeContext) -> str:
        await context.abort(grpc.StatusCode.PERMISSION_DENIED, "refused")
        return ""

    serving = grpc.unary_unary_rpc_method_handler(login)
    for name in ("alice", "bob", "mallory"):
        wrapped = await observed(observer, serving)
        with contextlib.suppress(RuntimeError):
            await wrapped.unary_unary(name, FakeContext())
    refusing = await observed(observer, grpc.unary_unary_rpc_method_handler(refuse))
    with pytest.raises(RuntimeError, match="refused"):
        await refusing.unary_unary("eve", FakeContext())
    assert await (await observed(observer, serving)).unary_unary("carol", FakeContext()) == "token"

    assert handled(registry, "Login", "OK") == 3
    assert handled(registry, "Login", "UNAUTHENTICATED") == 1
    assert handled(registry, "Login", "PERMISSION_DENIED") == 1
    labels = {"grpc_service": SERVICE, "grpc_method": "Login"}
    assert registry.get_sample_value("grpc_server_started_total", labels) == 5
