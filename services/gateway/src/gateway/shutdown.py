"""Shutdown in two steps: first stop being ready (so load balancers send new work elsewhere) while
still serving everything, then after a short delay let uvicorn drain and stop."""

import asyncio
import logging
import time
from types import FrameType

import uvicorn
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.errors import ShuttingDown

logger = logging.getLogger(__name__)


class ShutdownState:
    """Whether this process was asked to stop; /readyz answers 503 from then on."""

    def __init__(self) -> None:
        self.requested = False


class ReadinessFirstServer(uvicorn.Server):
    """uvicorn's server, except that the first SIGTERM or SIGINT only marks the process not ready: it
    keeps accepting and serving for `delay_seconds`, then uvicorn's own graceful shutdown begins (no new
    connections; requests in flight get Config.timeout_graceful_shutdown). A second signal skips the
    rest of the delay."""

    def __init__(self, config: uvicorn.Config, state: ShutdownState, delay_seconds: float) -> None:
        super().__init__(config)
        self._state = state
        self._delay_seconds = delay_seconds
        self._stop_at: float | None = None
        self._announced = False

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if self._stop_at is not None:
            super().handle_exit(sig, frame)
            return
        self._state.requested = True
        self._stop_at = time.monotonic() + self._delay_seconds

    async def on_tick(self, counter: int) -> bool:
        if self._stop_at is not None:
            if not self._announced:
                self._announced = True
                logger.info("asked to stop: not ready from now on, draining in %.1f s", self._delay_seconds)
            if time.monotonic() >= self._stop_at:
                self.should_exit = True
        return await super().on_tick(counter)


class CutOffAtShutdownMiddleware:
    """A request still running when the grace period ends is cancelled by uvicorn, which would answer a
    plain-text 500; it gets the contract's JSON 503 instead (when its answer has not begun)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        answer_begun = False

        async def tracking_send(message: Message) -> None:
            nonlocal answer_begun
            answer_begun = answer_begun or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except asyncio.CancelledError:
            if not answer_begun:
                error = ShuttingDown()
                await JSONResponse(error.body(), error.status_code, error.headers)(scope, receive, send)
            raise
