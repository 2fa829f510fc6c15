"""The metrics of a real files server, scraped over HTTP from its metrics port."""

import asyncio
import urllib.request

import grpc
import pytest
from prometheus_client.parser import text_string_to_metric_families

from files_service.entrypoints.server import server_options
from fileuploader.files.v1 import files_pb2

from .rpc_helpers import complete_request, eventually, metadata_request, read, upload

pytestmark = pytest.mark.integration

SERVICE = "fileuploader.files.v1.FilesService"


def sample(text: str, name: str, **labels: str) -> float | None:
    for family in text_string_to_metric_families(text):
        for found in family.samples:
            if found.name == name and found.labels == labels:
                return found.value
    return None


def scrape(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        return response.read().decode()


@pytest.fixture
def metrics_port(unused_tcp_port: int) -> int:
    return unused_tcp_port


async def test_rpcs_and_bytes_are_counted_by_method_and_status_code(
    start_files_server, make_settings, nats_server, metrics_port
):
    server = await start_files_server(make_settings(nats_url=nats_server.url, metrics_port=metrics_port))
    uploaded = await upload(server.stub, "notes.txt", b"a" * 3000, b"b" * 1000)
    assert b"".join(await read(server.stub, uploaded.file.file_url)) == b"a" * 3000 + b"b" * 1000
    with pytest.raises(grpc.aio.AioRpcError):
        await server.stub.GetFileInfo(files_pb2.GetFileInfoRequest(file_url="missing0000"))

    text = await asyncio.to_thread(scrape, metrics_port)

    rpc = {"grpc_service": SERVICE}
    assert sample(text, "grpc_server_handled_total", **rpc, grpc_method="UploadFile", grpc_code="OK") == 1
    assert sample(text, "grpc_server_handled_total", **rpc, grpc_method="ReadFile", grpc_code="OK") == 1
    assert (
        sample(text, "grpc_server_handled_total", **rpc, grpc_method="GetFileInfo", grpc_code="NOT_FOUND")
        == 1
    )
    assert sample(text, "grpc_server_handling_seconds_count", **rpc, grpc_method="UploadFile") == 1
    assert sample(text, "fileuploader_stored_bytes_total") == 4000
    assert sample(text, "fileuploader_served_bytes_total") == 4000
    assert sample(text, "fileuploader_uploads_in_flight") == 0
    assert sample(text, "fileuploader_events_published_total") == 1
    assert uploaded.file.file_url not in text


async def test_events_waiting_while_nats_is_down_show_as_outbox_backlog(
    start_files_server, make_settings, metrics_port
):
    server = await start_files_server(make_settings(metrics_port=metrics_port, metrics_refresh_seconds=0.05))
    await upload(server.stub, "one.txt", b"1")
    await upload(server.stub, "two.txt", b"2")

    async def backlog_of_two() -> bool:
        text = await asyncio.to_thread(scrape, metrics_port)
        return (
            sample(text, "fileuploader_outbox_pending_events") == 2
            and sample(text, "fileuploader_event_publish_failures_total") >= 2
        )

    await eventually(backlog_of_two)


async def test_upload_is_in_flight_until_it_ends(start_files_server, make_settings):
    server = await start_files_server(make_settings())
    registry = server.application.registry
    halfway, finish = asyncio.Event(), asyncio.Event()

    async def requests():
        yield metadata_request("slow.txt")
        yield files_pb2.UploadFileRequest(chunk=b"x")
        halfway.set()
        await finish.wait()
        yield complete_request(1)

    call = server.stub.UploadFile(requests(), timeout=10)
    await halfway.wait()

    async def in_flight() -> bool:
        return registry.get_sample_value("fileuploader_uploads_in_flight") == 1

    await eventually(in_flight)
    finish.set()
    await call
    assert registry.get_sample_value("fileuploader_uploads_in_flight") == 0


def test_connections_are_aged_out_so_clients_rebalance(make_settings):
    options = dict(
        server_options(make_settings(max_connection_age_seconds=60, max_connection_age_grace_seconds=1.5))
    )

    assert (options["grpc.max_connection_age_ms"], options["grpc.max_connection_age_grace_ms"]) == (
        60_000,
        1_500,
    )
    assert "grpc.max_connection_age_ms" not in dict(
        server_options(make_settings(max_connection_age_seconds=0))
    )
