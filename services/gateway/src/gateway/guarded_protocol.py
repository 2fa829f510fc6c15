"""The gateway's HTTP protocol: uvicorn's httptools (by default) or h11 protocol with connection_guard's
limits; for h11, request_heads checks each head."""

import asyncio
from collections.abc import Callable
from functools import partial
from typing import Any, Literal

import h11
from uvicorn.config import Config
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import ServerState

from gateway.connection_guard import ConnectionGuard
from gateway.connection_limits import ConnectionLimiter
from gateway.guarded_httptools import GuardedHttpToolsProtocol
from gateway.request_heads import CheckedConnection

HttpParser = Literal["httptools", "h11"]


# connection_made takes an asyncio.Transport, as uvicorn's own protocols narrow it from BaseProtocol's.
class GuardedH11Protocol(ConnectionGuard, H11Protocol):  # type: ignore[misc]
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
        super().__init__(
            config,
            server_state,
            app_state,
            _loop,
            limiter=limiter,
            header_timeout_seconds=header_timeout_seconds,
            max_header_bytes=max_header_bytes,
        )
        self.conn: CheckedConnection = CheckedConnection(max_header_bytes)

    def handle_events(self) -> None:
        cycle = self.cycle
        super().handle_events()
        if self.cycle is not cycle:
            self._head_arrived()

    def send_400_response(self, msg: str) -> None:
        self._refuse(400, self.conn.refusal, linger=False)

    def _head_in_progress(self) -> bool:
        return self.conn.their_state is h11.IDLE and bool(self.conn.trailing_data[0])


def guarded_protocol(
    limiter: ConnectionLimiter,
    header_timeout_seconds: float,
    max_header_bytes: int,
    parser: HttpParser = "httptools",
) -> Callable[..., ConnectionGuard]:
    """What uvicorn's `http` option takes: it calls this to make each connection's protocol."""
    protocol = GuardedHttpToolsProtocol if parser == "httptools" else GuardedH11Protocol
    return partial(
        protocol,
        limiter=limiter,
        header_timeout_seconds=header_timeout_seconds,
        max_header_bytes=max_header_bytes,
    )
