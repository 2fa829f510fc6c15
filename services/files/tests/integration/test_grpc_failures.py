"""Uploads that end early, a lost disk or database, unexpected errors and shutdown, through the stub."""

import asyncio
import errno
import logging
import urllib.parse

import grpc
import pytest
from grpc_health.v1 import health_pb2

from files_service.adapters import local_disk_blob_store
from fileuploader.files.v1 import files_pb2
from fileuploader_runtime.request_ids import RequestIdLogFilter

from .conftest import TcpProxy
from .rpc_helpers import (
    TEST_MAX_FILE_SIZE,
    complete_request,
    error_of,
    eventually,
    metadata_request,
    read,
    stored_state,
    upload,
)

pytestmark = pytest.mark.integration

DOMAIN = "files.fileuploader"


@pytest.fixture
async def files_server(start_files_server, make_settings):
    return await start_files_server(make_settings())


async def start_stalled_upload(files_server, timeout: float | None = None):
    """An upload that sent some bytes and then hangs, once the server is receiving it (its bytes wait in
    memory for a whole block of the write size: the temp file is made by the first write)."""
    call = files_server.stub.UploadFile(timeout=timeout)
    await call.write(metadata_request("stalled.bin"))
    await call.write(files_pb2.UploadFileRequest(chunk=b"x" * 1000))
    registry = files_server.application.registry

    async def upload_in_flight() -> bool:
        return registry.get_sample_value("fileuploader_uploads_in_flight") == 1

    await eventually(upload_in_flight)
    return call


async def nothing_kept(files_server) -> bool:
    state = await stored_state(files_server.application)
    return state == ([], 0, [])


async def test_cancelled_upload_leaves_nothing_in_storage_or_database(files_server):
    call = await start_stalled_upload(files_server)

    call.cancel()

    await eventually(lambda: nothing_kept(files_server))
    with pytest.raises(asyncio.CancelledError):
        await call


async def test_upload_past_its_deadline_leaves_nothing(files_server):
    call = await start_stalled_upload(files_server, timeout=1.0)

    with pytest.raises(grpc.aio.AioRpcError) as expired:
        await call

    assert expired.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    await eventually(lambda: nothing_kept(files_server))


async def test_upload_on_a_full_disk_is_storage_full_and_keeps_nothing(files_server, monkeypatch):
    def disk_full(fd: int, data: bytes) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(local_disk_blob_store, "_write_all", disk_full)

    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await upload(files_server.stub, "a.txt", b"data")

    assert error_of(refused.value) == (grpc.StatusCode.RESOURCE_EXHAUSTED, "STORAGE_FULL", DOMAIN)
    assert await nothing_kept(files_server)


async def test_unexpected_error_is_internal_without_internals(files_server, monkeypatch):
    uploaded = await upload(files_server.stub, "a.txt", b"data")

    def broken_open_range(key: str, offset: int, length: int):
        raise RuntimeError(f"secret detail about {key}")

    monkeypatch.setattr(files_server.application.blob_store, "open_range", broken_open_range)

    with pytest.raises(grpc.aio.AioRpcError) as failed:
        await read(files_server.stub, uploaded.file.file_url)

    assert error_of(failed.value) == (grpc.StatusCode.INTERNAL, "FILES_ERROR_REASON_UNSPECIFIED", DOMAIN)
    assert "secret" not in failed.value.details()


async def test_unreachable_database_is_unavailable(start_files_server, make_settings, postgres_url):
    target = urllib.parse.urlsplit(postgres_url)
    proxy = TcpProxy(target.hostname, target.port)
    proxy_port = await proxy.start()
    through_proxy = target._replace(netloc=f"{target.username}@127.0.0.1:{proxy_port}").geturl()
    server = await start_files_server(make_settings(database_url=through_proxy))
    uploaded = await upload(server.stub, "a.txt", b"data")

    await proxy.stop()

    for call in (
        server.stub.GetFileInfo(files_pb2.GetFileInfoRequest(file_url=uploaded.file.file_url), timeout=20),
        upload(server.stub, "b.txt", b"more"),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as unavailable:
            await call
        assert error_of(unavailable.value) == (
            grpc.StatusCode.UNAVAILABLE,
            "FILES_ERROR_REASON_UNSPECIFIED",
            DOMAIN,
        )
    assert len([key async for key in server.application.blob_store.iter_keys()]) == 1


async def test_stop_reports_not_serving_and_refuses_new_calls(files_server):
    health = files_server.running.health

    await files_server.running.stop(0)

    for service in ("", "fileuploader.files.v1.FilesService"):
        response = await health.Check(health_pb2.HealthCheckRequest(service=service), None)
        assert response.status == health_pb2.HealthCheckResponse.NOT_SERVING
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await files_server.stub.GetFileInfo(files_pb2.GetFileInfoRequest(file_url="x"), timeout=2)
    assert refused.value.code() == grpc.StatusCode.UNAVAILABLE


async def test_stop_reports_not_serving_and_still_serves_until_the_shutdown_delay_ends(files_server):
    uploaded = await upload(files_server.stub, "a.txt", b"data")
    request = files_pb2.GetFileInfoRequest(file_url=uploaded.file.file_url)

    stopping = asyncio.create_task(files_server.running.stop(0, delay_seconds=0.5))
    check = health_pb2.HealthCheckRequest(service="")
    not_serving = health_pb2.HealthCheckResponse.NOT_SERVING
    while (await files_server.running.health.Check(check, None)).status != not_serving:
        await asyncio.sleep(0.01)

    assert (await files_server.stub.GetFileInfo(request, timeout=2)).file.size == 4
    assert not stopping.done()
    await stopping
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await files_server.stub.GetFileInfo(request, timeout=2)
    assert refused.value.code() == grpc.StatusCode.UNAVAILABLE


async def test_logs_of_a_call_carry_the_callers_request_id(files_server, caplog):
    caplog.handler.addFilter(RequestIdLogFilter())
    caplog.set_level(logging.DEBUG, logger="fileuploader_runtime.error_info")

    with pytest.raises(grpc.aio.AioRpcError):
        await files_server.stub.GetFileInfo(
            files_pb2.GetFileInfoRequest(file_url="missing123"), metadata=(("x-request-id", "req-42"),)
        )

    failures = [record for record in caplog.records if "GetFileInfo failed" in record.getMessage()]
    assert [record.request_id for record in failures] == ["req-42"]


async def stream_upload(
    stub, name: str, chunk_count: int, chunk_size: int = 1024
) -> grpc.aio.StreamUnaryCall:
    """Writes an upload a message at a time, as the gateway does; raises if a write is refused."""
    call = stub.UploadFile(timeout=10)
    await call.write(metadata_request(name))
    for _ in range(chunk_count):
        await call.write(files_pb2.UploadFileRequest(chunk=b"x" * chunk_size))
    await call.write(complete_request(chunk_size * chunk_count))
    await call.done_writing()
    return call


async def test_upload_refused_mid_stream_takes_the_rest_before_answering(files_server):
    call = await stream_upload(files_server.stub, "no-extension", chunk_count=40)

    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await call
    assert error_of(refused.value) == (grpc.StatusCode.INVALID_ARGUMENT, "BAD_EXTENSION", DOMAIN)


async def test_upload_refused_mid_stream_stops_taking_bytes_past_the_file_size_limit(files_server):
    with pytest.raises((grpc.aio.AioRpcError, asyncio.InvalidStateError)):
        await stream_upload(files_server.stub, "no-extension", chunk_count=4 * TEST_MAX_FILE_SIZE // 1024)
