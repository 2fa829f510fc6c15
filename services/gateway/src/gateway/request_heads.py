"""h11's server-side connection with two checks h11 leaves out.

- The size of a request's line and headers. h11 measures its buffer only while the head is
  incomplete, so a head far past the limit that arrives in one read parses fine; here every head is
  measured once it is complete, however its bytes came.
- Content-Length together with Transfer-Encoding. h11 frames such a request by Transfer-Encoding and
  keeps the connection, so whatever follows the chunked body would be served as the next request
  (request smuggling when a proxy in front frames it by Content-Length). RFC 9112 §6.1: refused.
"""

import h11

INVALID_REQUEST = "Invalid HTTP request"
BOTH_FRAMINGS = "Content-Length and Transfer-Encoding must not both be sent"


def head_too_large(max_head_bytes: int) -> str:
    return f"Request line and headers too large (at most {max_head_bytes} bytes)"


class RequestRefused(h11.RemoteProtocolError):
    """A request that is not answered but refused; `message` is what the client is told."""

    def __init__(self, message: str) -> None:
        super().__init__(message, error_status_hint=400)
        self.message = message


class CheckedConnection(h11.Connection):
    """A server connection that raises RequestRefused for every request it will not serve. The last
    refusal's message stays in `refusal` (uvicorn reports only that a request was invalid)."""

    def __init__(self, max_head_bytes: int) -> None:
        super().__init__(h11.SERVER, max_incomplete_event_size=max_head_bytes)
        self._max_head_bytes = max_head_bytes
        self.refusal = INVALID_REQUEST

    def next_event(self) -> h11.Event | type[h11.NEED_DATA] | type[h11.PAUSED]:
        awaiting_head = self.their_state is h11.IDLE
        unprocessed = self._unprocessed_bytes() if awaiting_head else 0
        try:
            event = super().next_event()
            if isinstance(event, h11.Request):
                self._check(event, head_bytes=unprocessed - self._unprocessed_bytes())
        except RequestRefused as refused:
            self.refusal = refused.message
            raise
        except h11.RemoteProtocolError as error:
            self.refusal = self._too_large() if error.error_status_hint == 431 else INVALID_REQUEST
            raise RequestRefused(self.refusal) from error
        return event

    def _check(self, request: h11.Request, head_bytes: int) -> None:
        if head_bytes > self._max_head_bytes:
            raise RequestRefused(self._too_large())
        names = {name for name, _ in request.headers}
        if b"content-length" in names and b"transfer-encoding" in names:
            raise RequestRefused(BOTH_FRAMINGS)

    def _too_large(self) -> str:
        return head_too_large(self._max_head_bytes)

    def _unprocessed_bytes(self) -> int:
        return len(self.trailing_data[0])
