"""Callers' secret tokens for test servers, and channels that send them (`authorization: Bearer`)."""

from collections.abc import Callable
from typing import Any

import grpc

# One token per caller-to-callee pair, as in a real deployment: auth never learns what files accepts
# from the gateway, nor files what auth accepts.
GATEWAY_AUTH_TOKEN = "test-gateway-to-auth-rpc-token-0123456789"
GATEWAY_FILES_TOKEN = "test-gateway-to-files-rpc-token-012345678"
AUTH_TOKEN = "test-auth-to-files-rpc-token-0123456789ab"
# What auth alone may call on files: everything else there is the gateway's.
AUTH_METHODS_OF_FILES = frozenset({"ListOwnedFiles", "RepublishFileEvents"})

TokenFor = Callable[[str], str]  # a method's full name -> the token to send


def files_caller_token(method: str) -> str:
    """The token of the caller that may call `method` of files."""
    return AUTH_TOKEN if method.rpartition("/")[2] in AUTH_METHODS_OF_FILES else GATEWAY_FILES_TOKEN


class _Tokens:
    def __init__(self, token_for: TokenFor) -> None:
        self._token_for = token_for

    async def _call(self, continuation: Callable[..., Any], details: Any, request: Any) -> Any:
        method = details.method.decode() if isinstance(details.method, bytes) else details.method
        metadata = grpc.aio.Metadata(
            *(details.metadata or ()), ("authorization", f"Bearer {self._token_for(method)}")
        )
        details = grpc.aio.ClientCallDetails(
            details.method, details.timeout, metadata, details.credentials, details.wait_for_ready
        )
        return await continuation(details, request)


class _UnaryUnary(_Tokens, grpc.aio.UnaryUnaryClientInterceptor):
    async def intercept_unary_unary(self, continuation, client_call_details, request):
        return await self._call(continuation, client_call_details, request)


class _UnaryStream(_Tokens, grpc.aio.UnaryStreamClientInterceptor):
    async def intercept_unary_stream(self, continuation, client_call_details, request):
        return await self._call(continuation, client_call_details, request)


class _StreamUnary(_Tokens, grpc.aio.StreamUnaryClientInterceptor):
    async def intercept_stream_unary(self, continuation, client_call_details, request_iterator):
        return await self._call(continuation, client_call_details, request_iterator)


class _StreamStream(_Tokens, grpc.aio.StreamStreamClientInterceptor):
    async def intercept_stream_stream(self, continuation, client_call_details, request_iterator):
        return await self._call(continuation, client_call_details, request_iterator)


def channel_with_tokens(address: str, token_for: TokenFor, **options: Any) -> grpc.aio.Channel:
    """An insecure channel whose every call carries the token `token_for` names for its method."""
    interceptors = [kind(token_for) for kind in (_UnaryUnary, _UnaryStream, _StreamUnary, _StreamStream)]
    return grpc.aio.insecure_channel(address, interceptors=interceptors, **options)


def gateway_auth_token(_method: str) -> str:
    """The gateway's token for auth, whatever the method."""
    return GATEWAY_AUTH_TOKEN
