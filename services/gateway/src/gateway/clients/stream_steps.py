"""A bound on each step of a gRPC stream (a message sent, a message or the answer received), apart
from the whole transfer's deadline: a stream may rightly last an hour, but a service that takes no
message, or sends none, for this long is as good as unreachable."""

import asyncio
import logging
from collections.abc import Awaitable
from typing import NoReturn, TypeVar

import grpc

from gateway.errors import ServiceUnavailable

logger = logging.getLogger(__name__)

T = TypeVar("T")


class StepBound:
    def __init__(self, service: str, seconds: float) -> None:
        self._service = service
        self._seconds = seconds

    async def __call__(self, call: grpc.aio.Call, step: Awaitable[T], what: str) -> T:
        """The result of `step` of `call`; past the bound the call is cancelled and ServiceUnavailable
        raised (the 503 of a service that cannot be reached)."""
        try:
            async with asyncio.timeout(self._seconds):
                return await step
        except TimeoutError:
            call.cancel()
            self._unresponsive(what, "the call is cancelled")

    async def wait(self, step: Awaitable[T], what: str) -> T:
        """The result of `step`, a wait of one caller on a call others may share (cancelled past the
        bound, like the wait); past the bound ServiceUnavailable is raised."""
        try:
            async with asyncio.timeout(self._seconds):
                return await step
        except TimeoutError:
            self._unresponsive(what, "its wait is cancelled")

    def _unresponsive(self, what: str, consequence: str) -> NoReturn:
        logger.warning(
            "%s service unresponsive: %s took longer than %g s, %s",
            self._service,
            what,
            self._seconds,
            consequence,
        )
        raise ServiceUnavailable(self._service) from None
