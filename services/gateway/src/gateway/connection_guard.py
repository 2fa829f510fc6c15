"""The limits a server facing the internet needs, around uvicorn's HTTP protocols (httptools by default,
h11 with FU_GATEWAY_HTTP_PARSER=h11; guarded_httptools has the httptools side).

- A connection over the gateway's or its client's connection limit is answered a JSON 503 or 429 at
  once and closed, before anything of it is read.
- A request's line and headers must be complete within HEADER_TIMEOUT of the connection opening, or of
  the previous answer on a kept-alive connection; else a JSON 408 (or, when nothing of a request came,
  a silent close).
- A head past MAX_HEADER_BYTES, a request with both Content-Length and Transfer-Encoding, and any
  other request that is not valid HTTP/1.1 get a JSON 400 and are closed at once, whatever else the
  client is sending (h11: request_heads.CheckedConnection; httptools: guarded_httptools).
The 503, 429 and 408 close the connection after a short linger that reads and drops what the client
still sends (a little of it), so that closing with unread data, which sends a TCP reset, cannot destroy
the answer before the client has read it: such a client is typically sending its request just then.
"""

import asyncio
import json
from typing import Any

from uvicorn.config import Config
from uvicorn.server import ServerState

from gateway.connection_limits import ConnectionLimiter

LINGER_SECONDS = 2.0
LINGER_BYTES = 64 * 1024
REASONS = {400: "Bad Request", 408: "Request Timeout", 429: "Too Many Requests", 503: "Service Unavailable"}


def refusal_bytes(status_code: int, message: str) -> bytes:
    """A whole HTTP/1.1 answer with the contract's error body, announcing the connection's close."""
    body = json.dumps({"status": "error", "message": message}).encode()
    retry_after = "retry-after: 1\r\n" if status_code in (429, 503) else ""
    head = (
        f"HTTP/1.1 {status_code} {REASONS[status_code]}\r\n"
        "content-type: application/json\r\n"
        f"content-length: {len(body)}\r\n"
        f"{retry_after}connection: close\r\n\r\n"
    )
    return head.encode("latin-1") + body


class ConnectionGuard:
    """The guards common to both parsers, mixed in before uvicorn's protocol class. A subclass says
    whether part of a request's head has arrived (`_head_in_progress`) and calls `_head_arrived` once a
    head is complete."""

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
        *,
        limiter: ConnectionLimiter,
        header_timeout_seconds: float,
        max_header_bytes: int,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)  # type: ignore[call-arg]
        self._limiter = limiter
        self._header_timeout_seconds = header_timeout_seconds
        self._max_header_bytes = max_header_bytes
        self._client_host: str | None = None
        self._admitted = False  # counted by the limiter until the connection is lost
        self._refused = False
        self._dropped_bytes = 0
        self._lingering_refusal = False  # a refused connection the limiter lets linger
        self._head_deadline: asyncio.TimerHandle | None = None
        self._linger: asyncio.TimerHandle | None = None

    transport: asyncio.Transport
    loop: asyncio.AbstractEventLoop
    client: tuple[str, int] | None

    def connection_made(self, transport: asyncio.Transport) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        self._client_host = self.client[0] if self.client else None
        refusal = self._limiter.admit(self._client_host)
        if refusal is not None:
            self._lingering_refusal = self._limiter.start_lingering()
            self._refuse(refusal.status_code, refusal.message, linger=self._lingering_refusal)
            return
        self._admitted = True
        self._await_head()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_timers()
        if self._admitted:
            self._admitted = False
            self._limiter.release(self._client_host)
        if self._lingering_refusal:
            self._lingering_refusal = False
            self._limiter.stop_lingering()
        super().connection_lost(exc)  # type: ignore[misc]

    def data_received(self, data: bytes) -> None:
        if not self._refused:
            super().data_received(data)  # type: ignore[misc]
            return
        self._dropped_bytes += len(data)
        if self._dropped_bytes > LINGER_BYTES:
            self.transport.close()

    def on_response_complete(self) -> None:
        if not self.transport.is_closing() and not self._next_head_received():
            self._await_head()
        super().on_response_complete()  # type: ignore[misc]

    def shutdown(self) -> None:
        if self._refused:  # its answer is out; the parser may still be waiting to send one
            self.transport.close()
            return
        super().shutdown()  # type: ignore[misc]

    def _head_in_progress(self) -> bool:
        raise NotImplementedError

    def _next_head_received(self) -> bool:
        """Whether the next request's head is already complete (a pipelined request waiting)."""
        return False

    def _head_arrived(self) -> None:
        if self._head_deadline is not None:
            self._head_deadline.cancel()
            self._head_deadline = None

    def _await_head(self) -> None:
        """The next request's head must be complete within the header timeout from now."""
        if self._head_deadline is not None:
            self._head_deadline.cancel()
        self._head_deadline = self.loop.call_later(self._header_timeout_seconds, self._head_overdue)

    def _head_overdue(self) -> None:
        self._head_deadline = None
        if self.transport.is_closing():
            return
        if self._head_in_progress():
            seconds = self._header_timeout_seconds
            self._refuse(408, f"The request headers did not arrive within {seconds:g} seconds")
        else:  # nothing of a request came, or only the rest of a body nobody reads
            self.transport.close()

    def _refuse(self, status_code: int, message: str, linger: bool = True) -> None:
        self._refused = True
        self._stop_timers()
        self._unset_keepalive_if_required()  # type: ignore[attr-defined]
        self.transport.write(refusal_bytes(status_code, message))
        if not linger or not self.transport.can_write_eof():
            self.transport.close()
            return
        self.transport.write_eof()
        self.transport.resume_reading()
        self._linger = self.loop.call_later(LINGER_SECONDS, self.transport.close)

    def _stop_timers(self) -> None:
        for timer in (self._head_deadline, self._linger):
            if timer is not None:
                timer.cancel()
        self._head_deadline = self._linger = None
