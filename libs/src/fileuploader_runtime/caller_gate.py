"""Every RPC's caller authenticated and authorised (a grpc.aio server interceptor): the caller names
itself by its secret token in `authorization: Bearer <token>` metadata, and may call only its methods.

Health checks answer anyone: probes carry no token and learn nothing but "serving" or not."""

import asyncio
import contextlib
import hmac
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Mapping
from typing import Any

import grpc

METADATA_KEY = "authorization"
SCHEME = "Bearer "
OPEN_SERVICES = frozenset({"grpc.health.v1.Health"})
# What a refused call's stream of requests is read for (see _refusing).
REFUSED_STREAM_READ_MESSAGES = 16
REFUSED_STREAM_READ_SECONDS = 1.0


class CallerGate(grpc.aio.ServerInterceptor):
    """`tokens` maps each caller's name to its token (None: that caller is not configured and so refused);
    `allowed` maps each caller's name to the full method names (`/package.Service/Method`) it may call."""

    def __init__(self, tokens: Mapping[str, str | None], allowed: Mapping[str, Collection[str]]) -> None:
        self._tokens = [(name, token.encode()) for name, token in tokens.items() if token]
        self._allowed = {name: frozenset(methods) for name, methods in allowed.items()}

    async def intercept_service(
        self,
        # quoted: grpc's classes are generic in its stubs only
        continuation: "Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler[Any, Any] | None]]",
        details: grpc.HandlerCallDetails,
    ) -> "grpc.RpcMethodHandler[Any, Any] | None":
        handler = await continuation(details)
        if handler is None or details.method.lstrip("/").rpartition("/")[0] in OPEN_SERVICES:
            return handler
        caller = self.caller_of(details.invocation_metadata)
        if caller is None:
            return _refusing(handler, grpc.StatusCode.UNAUTHENTICATED, "caller not authenticated")
        if details.method not in self._allowed.get(caller, ()):
            refusal = f"{caller} may not call {details.method}"
            return _refusing(handler, grpc.StatusCode.PERMISSION_DENIED, refusal)
        return handler

    def caller_of(self, metadata: Any) -> str | None:
        """The caller whose token the call carries; every token is compared (in constant time), so the
        time taken tells nothing of which one came close."""
        sent = dict(metadata or ()).get(METADATA_KEY)
        if not isinstance(sent, str) or not sent.startswith(SCHEME):
            return None
        presented = sent.removeprefix(SCHEME).encode()
        found = None
        for name, token in self._tokens:
            if hmac.compare_digest(presented, token):
                found = name
        return found


def _refusing(handler: grpc.RpcMethodHandler, code: grpc.StatusCode, message: str) -> grpc.RpcMethodHandler:
    """A handler of the same shape as `handler` that ends the RPC with `code` before serving anything. One
    taking a stream of requests first reads and drops what the caller sends, a few messages for a
    moment at most: a grpc.aio client whose write is in flight when the status arrives may report
    INTERNAL instead of it (grpc/grpc#36066)."""

    async def refuse(_request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> None:
        await context.abort(code, message)

    async def refuse_after_reading(
        requests: AsyncIterator[Any], context: grpc.aio.ServicerContext[Any, Any]
    ) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(REFUSED_STREAM_READ_SECONDS):
                read = 0
                async for _ in requests:
                    read += 1
                    if read >= REFUSED_STREAM_READ_MESSAGES:
                        break
        await context.abort(code, message)

    async def refuse_streaming(_request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
        await context.abort(code, message)
        yield  # pragma: no cover - makes this an async generator, as grpc.aio expects of a stream handler

    codecs = {
        "request_deserializer": handler.request_deserializer,
        "response_serializer": handler.response_serializer,
    }
    if handler.unary_unary:
        return grpc.unary_unary_rpc_method_handler(refuse, **codecs)
    if handler.stream_unary:
        return grpc.stream_unary_rpc_method_handler(refuse_after_reading, **codecs)
    if handler.unary_stream:
        return grpc.unary_stream_rpc_method_handler(refuse_streaming, **codecs)
    return grpc.stream_stream_rpc_method_handler(refuse_streaming, **codecs)
