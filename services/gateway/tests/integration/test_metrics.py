"""The gateway's metrics: what the real app records, the endpoint on its own port, several workers."""

import asyncio
import os
import pathlib
import subprocess
import sys
import textwrap
import time
import urllib.request

import httpx
import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from fileuploader_runtime.metrics_endpoint import metrics_served
from gateway.main import create_app
from gateway.metrics import GatewayMetrics
from gateway.metrics_endpoint import forget_dead_workers
from stack import free_port

from .conftest import running

MULTIPART_BOUNDARY = "metricsboundary"


def sample(text: str, name: str, **labels: str) -> float | None:
    """The value of one series in Prometheus text exposition, None when it is absent."""
    for family in text_string_to_metric_families(text):
        for found in family.samples:
            if found.name == name and found.labels == labels:
                return found.value
    return None


def scrape(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read().decode()


@pytest.fixture
async def metered(settings_for, client_of):
    """(client, registry): a client of a fresh app whose metrics go to a registry of the test's own."""
    registry = CollectorRegistry()
    async with running(create_app(settings_for(upload_rate_limit="2/minute"), registry=registry)) as app:
        yield client_of(app), registry


async def test_requests_are_counted_by_route_template_method_and_status(metered, fake_auth):
    client, registry = metered
    token = fake_auth.servicer.sign_up("metered")
    uploaded = await client.post(
        "/api/upload", files={"file": ("m.txt", b"0123456789")}, headers={"Authorization": f"Bearer {token}"}
    )
    file_url = uploaded.json()["file_url"]
    assert (await client.get(f"/file/{file_url}")).content == b"0123456789"
    assert (await client.head(f"/f/{file_url}")).status_code == 200
    assert (await client.get("/file/nothing-here")).status_code == 404
    assert (
        await client.get("/api/get_files", headers={"Authorization": f"Bearer {token}"})
    ).status_code == 200
    assert (await client.get("/not/a/route")).status_code == 404
    text = generate_latest(registry).decode()
    expected = [
        ("POST", "/api/upload", "200"),
        ("GET", "/file/{file_url}", "200"),
        ("HEAD", "/f/{file_url}", "200"),
        ("GET", "/file/{file_url}", "404"),
        ("GET", "/api/get_files", "200"),
        ("GET", "unmatched", "404"),
    ]
    for method, route, status in expected:
        assert sample(text, "http_requests_total", method=method, route=route, status=status) == 1, (
            method,
            route,
        )
    assert file_url not in text and "nothing-here" not in text and "/not/a/route" not in text
    assert sample(text, "http_response_body_bytes_total", method="GET", route="/file/{file_url}") >= 10
    assert sample(text, "http_request_body_bytes_total", method="POST", route="/api/upload") > 10
    assert sample(text, "http_request_duration_seconds_count", method="POST", route="/api/upload") == 1


async def test_public_port_serves_no_metrics(metered):
    client, _ = metered
    r = await client.get("/metrics")
    assert r.status_code == 404 and r.json()["status"] == "error"


async def test_refused_requests_are_counted_by_rate_limit_bucket(metered):
    client, registry = metered
    codes = [
        (await client.post("/api/upload", files={"file": ("r.txt", b"x")})).status_code for _ in range(3)
    ]
    assert codes == [200, 200, 429]
    assert registry.get_sample_value("fileuploader_rate_limited_requests_total", {"bucket": "upload"}) == 1
    assert (
        registry.get_sample_value(
            "http_requests_total", {"method": "POST", "route": "/api/upload", "status": "429"}
        )
        == 1
    )


async def test_upload_is_in_flight_while_its_body_streams(metered):
    client, registry = metered
    half_sent, finish = asyncio.Event(), asyncio.Event()

    async def body():
        yield (
            f'--{MULTIPART_BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="s.bin"\r\n\r\n'
        ).encode() + b"x" * 1000
        half_sent.set()
        await finish.wait()
        yield f"\r\n--{MULTIPART_BOUNDARY}--\r\n".encode()

    headers = {"Content-Type": f"multipart/form-data; boundary={MULTIPART_BOUNDARY}"}
    upload = asyncio.create_task(client.post("/api/upload", content=body(), headers=headers))
    await half_sent.wait()
    await asyncio.sleep(0.05)
    in_flight = registry.get_sample_value("fileuploader_uploads_in_flight")
    finish.set()
    assert (await upload).status_code == 200
    assert in_flight == 1 and registry.get_sample_value("fileuploader_uploads_in_flight") == 0


async def test_download_is_in_flight_until_its_last_byte(serve_app, settings_for, fake_files):
    served = await serve_app(settings_for())
    registry = served.server.config.app.state.metrics_registry
    size = 32 * 1024 * 1024  # more than the sockets between client and server hold
    info = fake_files.servicer.put("big.bin", b"z" * size)
    received = 0
    async with httpx.AsyncClient(base_url=served.base_url) as http:
        async with http.stream("GET", f"/f/{info.file_url}") as response:
            async for chunk in response.aiter_bytes():
                if not received:
                    in_flight = registry.get_sample_value("fileuploader_downloads_in_flight")
                received += len(chunk)
    assert received == size and in_flight == 1
    # the client has every byte (Content-Length) a moment before the server's stream has ended
    deadline = time.monotonic() + 5
    while registry.get_sample_value("fileuploader_downloads_in_flight") != 0:
        assert time.monotonic() < deadline, "the download stayed in flight after its last byte"
        await asyncio.sleep(0.01)


def test_metrics_endpoint_serves_the_registry_on_its_own_port():
    registry = CollectorRegistry()
    GatewayMetrics.register(registry).rate_limited.labels("auth").inc(3)
    port = free_port()
    with metrics_served("127.0.0.1", port, registry) as served:
        text = scrape(f"http://127.0.0.1:{port}/metrics")
    assert served == port
    assert sample(text, "fileuploader_rate_limited_requests_total", bucket="auth") == 3
    with pytest.raises(OSError):
        scrape(f"http://127.0.0.1:{port}/metrics")


def test_metrics_endpoint_is_off_on_port_zero():
    with metrics_served("127.0.0.1", 0, CollectorRegistry()) as served:
        assert served is None


def test_gauges_of_dead_workers_are_forgotten_and_their_counters_kept(tmp_path):
    worker = textwrap.dedent("""
        from prometheus_client import Counter, Gauge
        Gauge("in_flight", "d", multiprocess_mode="livesum").inc(2)
        Counter("served", "d").inc(5)
    """)
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    subprocess.run([sys.executable, "-c", worker], env=env, check=True)
    assert any(path.name.startswith("gauge_livesum_") for path in tmp_path.iterdir())
    forget_dead_workers(str(tmp_path))
    names = [path.name for path in tmp_path.iterdir()]
    assert not any(name.startswith("gauge_livesum_") for name in names)
    assert any(name.startswith("counter_") for name in names)


async def test_several_workers_answer_through_one_metrics_endpoint(tmp_path, fake_auth, fake_files):
    port, metrics_port = free_port(), free_port()
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {
        **os.environ,
        "FU_GATEWAY_PORT": str(port),
        "FU_GATEWAY_METRICS_PORT": str(metrics_port),
        "FU_GATEWAY_WORKERS": "2",
        "FU_GATEWAY_AUTH_ADDRESS": fake_auth.address,
        "FU_GATEWAY_FILES_ADDRESS": fake_files.address,
        "TMPDIR": str(temp),
    }
    log = tmp_path / "gateway.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "gateway"], env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT
    )
    try:
        await wait_until_ready(f"http://127.0.0.1:{port}", process, log)
        for _ in range(20):
            async with httpx.AsyncClient() as fresh_connection:
                assert (await fresh_connection.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200
        text = await asyncio.to_thread(scrape, f"http://127.0.0.1:{metrics_port}/metrics")
        assert sample(text, "http_requests_total", method="GET", route="/healthz", status="200") == 20
        assert list(temp.iterdir()), "the workers' metric files live in a directory under TMPDIR"
    finally:
        process.terminate()
        process.wait(30)
    assert list(temp.iterdir()) == [], "the metric files' directory is removed at exit"


async def wait_until_ready(base_url: str, process: subprocess.Popen, log: pathlib.Path) -> None:
    deadline = time.monotonic() + 30
    async with httpx.AsyncClient(base_url=base_url) as http:
        while True:
            assert process.poll() is None, log.read_text()
            try:
                if (await http.get("/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, log.read_text()
            await asyncio.sleep(0.1)
