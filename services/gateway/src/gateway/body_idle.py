"""The idle-body timeout of every endpoint that reads a request body."""

import asyncio

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.errors import BodyStalled


class BodyIdleTimeoutMiddleware:
    """Bounds each wait for the next piece of a request body read before the answer begins: a client
    that declares more body than it sends would otherwise hold the request (and its connection) open
    for as long as it likes. The app's receive() raises BodyStalled, a JSON 408 that closes the
    connection, so the endpoint stops before it has changed anything."""

    def __init__(self, app: ASGIApp, idle_seconds: float) -> None:
        self.app = app
        self.idle_seconds = idle_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        body_pending, answer_begun = True, False

        async def bounded_receive() -> Message:
            nonlocal body_pending
            if not body_pending or answer_begun:
                return await receive()
            try:
                async with asyncio.timeout(self.idle_seconds):
                    message = await receive()
            except TimeoutError as error:
                raise BodyStalled(self.idle_seconds) from error
            body_pending = message["type"] == "http.request" and message.get("more_body", False)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal answer_begun
            answer_begun = answer_begun or message["type"] == "http.response.start"
            await send(message)

        await self.app(scope, bounded_receive, tracking_send)
