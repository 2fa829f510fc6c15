"""HttpMetricsMiddleware around fake ASGI apps: labels, status, body bytes, time."""

from types import SimpleNamespace

import pytest
from prometheus_client import CollectorRegistry

from gateway.http_metrics import HttpMetricsMiddleware
from gateway.metrics import GatewayMetrics


def http_scope(method: str = "GET", path: str = "/file/abc") -> dict:
    return {"type": "http", "method": method, "path": path, "headers": []}


def routed_app(template: str | None, status: int = 200, body_chunks: tuple[bytes, ...] = (b"",)):
    """Reads the whole request body, marks the route as Starlette's router does, answers `status`."""

    async def app(scope, receive, send):
        if template is not None:
            scope["route"] = SimpleNamespace(path=template)
        more = True
        while more:
            more = (await receive()).get("more_body", False)
        await send({"type": "http.response.start", "status": status, "headers": []})
        for index, chunk in enumerate(body_chunks):
            await send(
                {"type": "http.response.body", "body": chunk, "more_body": index < len(body_chunks) - 1}
            )

    return app


def body_receiver(*chunks: bytes):
    messages = [
        {"type": "http.request", "body": chunk, "more_body": i < len(chunks) - 1}
        for i, chunk in enumerate(chunks)
    ]

    async def receive():
        return messages.pop(0)

    return receive


async def discard(message) -> None:
    pass


@pytest.fixture
def registry() -> CollectorRegistry:
    return CollectorRegistry()


@pytest.fixture
def metrics(registry) -> GatewayMetrics:
    return GatewayMetrics.register(registry)


def value(registry: CollectorRegistry, name: str, **labels: str) -> float:
    return registry.get_sample_value(name, labels) or 0.0


async def test_request_is_counted_by_route_template_method_and_status(registry, metrics):
    middleware = HttpMetricsMiddleware(routed_app("/file/{file_url}", 206), metrics)
    await middleware(http_scope("GET", "/file/abc"), body_receiver(b""), discard)
    await middleware(http_scope("GET", "/file/xyz"), body_receiver(b""), discard)
    labels = {"method": "GET", "route": "/file/{file_url}"}
    assert value(registry, "http_requests_total", **labels, status="206") == 2
    assert value(registry, "http_request_duration_seconds_count", **labels) == 2


async def test_body_bytes_are_counted_both_ways_as_they_stream(registry, metrics):
    app = routed_app("/api/upload", 200, body_chunks=(b"abc", b"defg"))
    await HttpMetricsMiddleware(app, metrics)(
        http_scope("POST", "/api/upload"), body_receiver(b"12", b"345"), discard
    )
    labels = {"method": "POST", "route": "/api/upload"}
    assert value(registry, "http_request_body_bytes_total", **labels) == 5
    assert value(registry, "http_response_body_bytes_total", **labels) == 7


async def test_request_no_route_matched_is_labelled_unmatched_not_by_its_path(registry, metrics):
    await HttpMetricsMiddleware(routed_app(None, 404), metrics)(
        http_scope("GET", "/wp-admin/x"), body_receiver(b""), discard
    )
    assert value(registry, "http_requests_total", method="GET", route="unmatched", status="404") == 1
    exposed = {sample.labels.get("route") for family in registry.collect() for sample in family.samples}
    assert "/wp-admin/x" not in exposed


async def test_unknown_method_is_labelled_other(registry, metrics):
    await HttpMetricsMiddleware(routed_app(None, 405), metrics)(
        http_scope("BREW"), body_receiver(b""), discard
    )
    assert value(registry, "http_requests_total", method="other", route="unmatched", status="405") == 1


async def test_app_failing_before_answering_counts_as_500(registry, metrics):
    async def failing(scope, receive, send):
        scope["route"] = SimpleNamespace(path="/api/get_files")
        raise RuntimeError("bug")

    with pytest.raises(RuntimeError):
        await HttpMetricsMiddleware(failing, metrics)(http_scope(), body_receiver(b""), discard)
    assert value(registry, "http_requests_total", method="GET", route="/api/get_files", status="500") == 1


async def test_bytes_the_client_never_took_are_not_counted_as_sent(registry, metrics):
    async def gone(message) -> None:
        if message["type"] == "http.response.body":
            raise OSError("client went away")

    app = routed_app("/f/{file_url}", 200, body_chunks=(b"abcdef",))
    with pytest.raises(OSError):
        await HttpMetricsMiddleware(app, metrics)(http_scope(), body_receiver(b""), gone)
    labels = {"method": "GET", "route": "/f/{file_url}"}
    assert value(registry, "http_response_body_bytes_total", **labels) == 0
    assert value(registry, "http_requests_total", **labels, status="200") == 1


async def test_non_http_scopes_pass_through_uncounted(registry, metrics):
    seen = []

    async def app(scope, receive, send):
        seen.append(scope["type"])

    await HttpMetricsMiddleware(app, metrics)({"type": "lifespan"}, body_receiver(b""), discard)
    assert seen == ["lifespan"] and registry.get_sample_value("http_requests_total", {}) is None


async def test_counted_download_is_in_flight_only_while_streaming(registry, metrics):
    async def chunks():
        assert value(registry, "fileuploader_downloads_in_flight") == 1
        yield b"a"
        yield b"b"

    received = [chunk async for chunk in metrics.counted_download(chunks())]
    assert received == [b"a", b"b"] and value(registry, "fileuploader_downloads_in_flight") == 0
