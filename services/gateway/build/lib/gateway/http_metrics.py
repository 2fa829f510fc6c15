"""Every HTTP request counted by route template, method and status, timed, and its body bytes both ways."""

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.metrics import GatewayMetrics

UNMATCHED_ROUTE = "unmatched"
OTHER_METHOD = "other"
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNANSWERED_STATUS = 500  # the app raised before answering: Starlette's outermost middleware answers 500


def route_template(scope: Scope) -> str:
    """The path template of the route the router matched (set in the scope as it routes), if any."""
    return getattr(scope.get("route"), "path", None) or UNMATCHED_ROUTE


def method_label(method: str) -> str:
    return method if method in KNOWN_METHODS else OTHER_METHOD


class HttpMetricsMiddleware:
    """Pure ASGI middleware: bodies are counted as they stream through, never buffered."""

    def __init__(self, app: ASGIApp, metrics: GatewayMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        exchange = _Exchange(receive, send)
        started = time.perf_counter()
        try:
            await self.app(scope, exchange.receive, exchange.send)
        finally:
            self._record(scope, exchange, time.perf_counter() - started)

    def _record(self, scope: Scope, exchange: "_Exchange", seconds: float) -> None:
        labels = {"method": method_label(scope["method"]), "route": route_template(scope)}
        self.metrics.requests.labels(**labels, status=str(exchange.status)).inc()
        self.metrics.latency.labels(**labels).observe(seconds)
        self.metrics.request_bytes.labels(**labels).inc(exchange.received_bytes)
        self.metrics.response_bytes.labels(**labels).inc(exchange.sent_bytes)


class _Exchange:
    """One request's receive and send, noting the status and the body bytes that pass."""

    def __init__(self, receive: Receive, send: Send) -> None:
        self._receive = receive
        self._send = send
        self.status = UNANSWERED_STATUS
        self.received_bytes = 0
        self.sent_bytes = 0

    async def receive(self) -> Message:
        message = await self._receive()
        if message["type"] == "http.request":
            self.received_bytes += len(message.get("body", b""))
        return message

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
        await self._send(message)
        if message["type"] == "http.response.body":
            self.sent_bytes += len(message.get("body", b""))
