"""Every RPC observed around its handler (a grpc.aio server interceptor): the caller's request id bound
for the RPC's log records, a line in the access log, its count and duration in the metrics."""

import asyncio
import contextlib
import inspect
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import grpc

from fileuploader_runtime.request_ids import bind_from_metadata
from fileuploader_runtime.rpc_metrics import RpcMetrics

logger = logging.getLogger(__name__)

Context = grpc.aio.ServicerContext[Any, Any]
HEALTH_SERVICE = "grpc.health.v1.Health"  # probed every few seconds: its lines go to DEBUG
_ENDED_BY_CALLER = (asyncio.CancelledError, GeneratorExit)


class RpcObserver(grpc.aio.ServerInterceptor):
    def __init__(self, metrics: RpcMetrics) -> None:
        self._metrics = metrics
        # Per method served (a bounded set): its instruments, and the last handler observed with them.
        self._observed: dict[str, tuple[_ObservedRpc, grpc.RpcMethodHandler, grpc.RpcMethodHandler]] = {}

    async def intercept_service(
        self,
        # quoted: grpc's classes are generic in its stubs only
        continuation: "Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler[Any, Any] | None]]",
        details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler | None:
        handler = await continuation(details)
        if handler is None:  # an unknown method: grpc answers UNIMPLEMENTED, nothing to label it by
            return None
        known = self._observed.get(details.method)
        if known is not None and known[1] is handler:
            return known[2]
        rpc = known[0] if known is not None else _ObservedRpc(details.method, self._metrics)
        observed = _observed(handler, rpc)
        self._observed[details.method] = (rpc, handler, observed)
        return observed


def status_of(context: Context, error: BaseException | None) -> grpc.StatusCode:
    """The status the RPC ended with: the one it set or aborted with, else OK, UNKNOWN or CANCELLED."""
    if isinstance(error, _ENDED_BY_CALLER):
        return grpc.StatusCode.CANCELLED
    code = context.code()
    if code is not None:
        return code
    return grpc.StatusCode.OK if error is None else grpc.StatusCode.UNKNOWN


class _ObservedRpc:
    def __init__(self, path: str, metrics: RpcMetrics) -> None:
        self._path = path
        self._service, _, self._method = path.lstrip("/").rpartition("/")
        self._handled = metrics.handled
        self._handled_by_code: dict[grpc.StatusCode, Any] = {}
        self._started = metrics.started.labels(self._service, self._method)
        self._latency = metrics.latency.labels(self._service, self._method)
        self._level = logging.DEBUG if self._service == HEALTH_SERVICE else logging.INFO

    def unary(self, behavior: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        async def observed(request: Any, context: Context) -> Any:
            with self._observing(context):
                return await behavior(request, context)

        return observed

    def streaming(self, behavior: Callable[..., Any]) -> Callable[..., Any]:
        """grpc.aio takes a stream handler as an async generator or as a coroutine writing to the context."""
        if not inspect.isasyncgenfunction(behavior):
            return self.unary(behavior)

        async def observed(request: Any, context: Context) -> AsyncIterator[Any]:
            with self._observing(context):
                async with contextlib.aclosing(behavior(request, context)) as responses:
                    async for response in responses:
                        yield response

        return observed

    @contextlib.contextmanager
    def _observing(self, context: Context) -> Iterator[None]:
        bind_from_metadata(context.invocation_metadata())
        self._started.inc()
        started = time.perf_counter()
        error: BaseException | None = None
        try:
            yield
        except BaseException as raised:
            error = raised
            raise
        finally:
            self._record(status_of(context, error), time.perf_counter() - started)

    def _record(self, code: grpc.StatusCode, seconds: float) -> None:
        handled = self._handled_by_code.get(code)
        if handled is None:
            handled = self._handled_by_code[code] = self._handled.labels(
                self._service, self._method, code.name
            )
        handled.inc()
        self._latency.observe(seconds)
        if logger.isEnabledFor(self._level):
            logger.log(self._level, "rpc %s %s %.1f ms", self._path, code.name, seconds * 1000)


def _observed(handler: grpc.RpcMethodHandler, rpc: _ObservedRpc) -> grpc.RpcMethodHandler:
    codecs = {
        "request_deserializer": handler.request_deserializer,
        "response_serializer": handler.response_serializer,
    }
    if handler.unary_unary:
        return grpc.unary_unary_rpc_method_handler(rpc.unary(handler.unary_unary), **codecs)
    if handler.stream_unary:
        return grpc.stream_unary_rpc_method_handler(rpc.unary(handler.stream_unary), **codecs)
    if handler.unary_stream:
        return grpc.unary_stream_rpc_method_handler(rpc.streaming(handler.unary_stream), **codecs)
    assert handler.stream_stream is not None  # a handler has one of the four
    return grpc.stream_stream_rpc_method_handler(rpc.streaming(handler.stream_stream), **codecs)
