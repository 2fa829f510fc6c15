"""uvicorn's httptools protocol with connection_guard's limits and the head checks httptools leaves out.

httptools (llhttp) buffers a request's line and headers whatever their size, so the head is measured
here: the bytes received while it is incomplete, and once complete its line and headers as parsed. It
refuses a request with both Content-Length and Transfer-Encoding itself (RFC 9112 §6.1); that refusal,
like every other request it cannot parse, is answered the contract's JSON 400 and the connection closed.

llhttp knows a fixed list of methods and refuses any other, where the contract answers an unknown
method 405 with the path's Allow: a request line that begins a read with another well-formed method is
parsed as STAND_IN_METHOD, and the app sees (and logs) the method the client sent.
"""

import re
import sys
from typing import Any

import httptools
from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from gateway.connection_guard import ConnectionGuard
from gateway.connection_limits import ConnectionLimiter
from gateway.received_body import ReceivedBody
from gateway.request_heads import BOTH_FRAMINGS, INVALID_REQUEST, RequestRefused, head_too_large

# What llhttp says of a request with both framings (the order they came in decides which)
_BOTH_FRAMINGS_ERRORS = (
    "Transfer-Encoding can't be present with Content-Length",
    "Content-Length can't be present with Transfer-Encoding",
)
PARSED_METHODS = frozenset({b"GET", b"HEAD", b"POST", b"PUT", b"DELETE", b"PATCH", b"OPTIONS", b"TRACE"})
STAND_IN_METHOD = b"PURGE"  # one llhttp knows and no route serves
_OTHER_METHOD = re.compile(rb"([!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}) ")
_LINE_OVERHEAD = len(b"  HTTP/1.1\r\n")  # the request line's spaces, version and end
_HEADER_OVERHEAD = len(b": \r\n")
_HEAD_END = len(b"\r\n")


# connection_made takes an asyncio.Transport, as uvicorn's own protocols narrow it from BaseProtocol's.
class GuardedHttpToolsProtocol(ConnectionGuard, HttpToolsProtocol):  # type: ignore[misc]
    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: Any = None,
        *,
        limiter: ConnectionLimiter,
        header_timeout_seconds: float,
        max_header_bytes: int,
    ) -> None:
        super().__init__(
            config,
            server_state,
            app_state,
            _loop,
            limiter=limiter,
            header_timeout_seconds=header_timeout_seconds,
            max_header_bytes=max_header_bytes,
        )
        self._in_head = False  # a request's head has begun and is not complete yet
        self._between_requests = True  # nothing of the next request has been parsed yet
        self._head_bytes_received = 0
        self._sent_method: str | None = None

    def data_received(self, data: bytes) -> None:
        if self._between_requests and not self._refused:
            data = self._with_parsed_method(data)
        super().data_received(data)
        if self._in_head and not self._refused:
            self._head_bytes_received += len(data)
            if self._head_bytes_received > self._max_header_bytes:
                self._refuse(400, head_too_large(self._max_header_bytes), linger=False)

    def on_message_begin(self) -> None:
        self._between_requests = False
        self._in_head = True
        self._head_bytes_received = 0
        super().on_message_begin()

    def on_headers_complete(self) -> None:
        self._in_head = False
        if self._parsed_head_bytes() > self._max_header_bytes:
            raise RequestRefused(head_too_large(self._max_header_bytes))
        super().on_headers_complete()
        if self._sent_method is not None:
            self.scope["method"], self._sent_method = self._sent_method, None
        self._head_arrived()

    def on_body(self, body: bytes) -> None:
        # receive() leaves a fresh bytearray behind after each read: the next piece replaces it.
        if not isinstance(self.cycle.body, ReceivedBody):
            # ReceivedBody does all uvicorn does with the bytearray it stands in for (+=, len, bytes()).
            self.cycle.body = ReceivedBody(self.cycle.body)  # type: ignore[assignment]
        super().on_body(body)

    def on_message_complete(self) -> None:
        self._between_requests = True
        super().on_message_complete()

    def send_400_response(self, msg: str) -> None:
        # uvicorn calls this while it handles the parser's error, which says why.
        self._refuse(400, _refusal_message(sys.exception()), linger=False)

    def _head_in_progress(self) -> bool:
        return self._in_head

    def _next_head_received(self) -> bool:
        return bool(self.pipeline)

    def _with_parsed_method(self, data: bytes) -> bytes:
        """`data` with a method llhttp does not know replaced by STAND_IN_METHOD (remembered)."""
        method = _OTHER_METHOD.match(data)
        if method is None or method[1] in PARSED_METHODS:
            return data
        self._sent_method = method[1].decode("ascii")
        return STAND_IN_METHOD + data[len(method[1]) :]

    def _parsed_head_bytes(self) -> int:
        line = len(self.parser.get_method()) + len(self.url) + _LINE_OVERHEAD
        return (
            line + sum(len(name) + len(value) + _HEADER_OVERHEAD for name, value in self.headers) + _HEAD_END
        )


def _refusal_message(error: BaseException | None) -> str:
    if isinstance(error, httptools.HttpParserCallbackError) and isinstance(error.__context__, RequestRefused):
        return error.__context__.message
    if isinstance(error, httptools.HttpParserError) and str(error) in _BOTH_FRAMINGS_ERRORS:
        return BOTH_FRAMINGS
    return INVALID_REQUEST
