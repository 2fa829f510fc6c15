"""Headers every answer carries: `X-Content-Type-Options: nosniff`, so a browser never runs a JSON answer
as something else; and `Cache-Control: no-store` on the API's answers, which carry tokens and delete keys
(register, login, refresh, upload, get_files) or come from a GET that changes things (delete), so that
neither a browser nor a cache in between keeps them. A header a route sets itself is left as it is."""

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

API_PREFIX = "/api/"


def security_headers(path: str) -> dict[str, str]:
    headers = {"X-Content-Type-Options": "nosniff"}
    if path.startswith(API_PREFIX):
        headers["Cache-Control"] = "no-store"
    return headers


class SecurityHeadersMiddleware:
    """Pure ASGI middleware, so streamed request and response bodies pass through untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        defaults = security_headers(scope["path"])

        async def send_with_security_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in defaults.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_security_headers)
