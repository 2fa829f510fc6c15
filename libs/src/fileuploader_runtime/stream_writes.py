"""A server stream's messages written by the handler itself, so that a write meeting the end of the call
(its client cancelled it) ends the handler as cancelled, quietly.

grpc.aio hears of a client's cancellation through a completion of its own. When it writes an async
generator's messages and a write fails before that completion arrives, it logs the failed write at ERROR
with a traceback, for what is only a client stopping a stream it no longer needs (the gateway does this
on every range of a file it has not cached)."""

import asyncio
import contextlib
from collections.abc import AsyncGenerator
from typing import Any

import grpc


async def write_all(context: grpc.aio.ServicerContext[Any, Any], messages: AsyncGenerator[Any, None]) -> None:
    """Writes each of `messages`; the generator is closed however the writing ends."""
    async with contextlib.aclosing(messages):
        async for message in messages:
            try:
                await context.write(message)
            except grpc.aio.InternalError as ended:  # the write refused by grpc's core: the call is over
                raise asyncio.CancelledError("the call ended under a write") from ended
