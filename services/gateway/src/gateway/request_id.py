"""The request id of every HTTP request: the client's X-Request-ID when acceptable, else a new one;
returned in the response, carried by the request's log records and sent on to auth and files."""

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fileuploader_runtime.request_ids import HTTP_HEADER, accepted_or_new, bind_request_id, unbind_request_id


class RequestIdMiddleware:
    """Pure ASGI middleware, so streamed request and response bodies pass through untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = accepted_or_new(Headers(scope=scope).get(HTTP_HEADER))
        scope.setdefault("state", {})["request_id"] = request_id
        token = bind_request_id(request_id)

        async def send_with_request_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[HTTP_HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_request_id)
        finally:
            unbind_request_id(token)
