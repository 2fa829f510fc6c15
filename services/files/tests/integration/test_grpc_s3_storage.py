"""The files service on S3 (SeaweedFS) through its stub: uploads of several parts, cut off or refused
ones that keep nothing, download URLs, replicas sharing a bucket, an unreachable store."""

import asyncio
import hashlib
import logging
import os
import urllib.parse
from datetime import UTC, datetime, timedelta

import grpc
import httpx
import pytest

from fileuploader.files.v1 import files_pb2

from .conftest import MIB, S3_PART_SIZE, TcpProxy
from .rpc_helpers import error_of, eventually, metadata_request, read, stored_state, upload

pytestmark = pytest.mark.integration

DOMAIN = "files.fileuploader"
MAX_FILE_SIZE = 16 * MIB
PAYLOAD = os.urandom(2 * S3_PART_SIZE + 4321)
HEADERS = {
    "content_type": "video/mp4",
    "content_disposition": 'inline; filename="clip.mp4"',
    "cache_control": "no-cache",
}


def mebibytes(data: bytes) -> list[bytes]:
    return [data[start : start + MIB] for start in range(0, len(data), MIB)]


@pytest.fixture
def s3_server_settings(make_settings, s3_settings):
    def make(**overrides):
        return make_settings(
            max_file_size=MAX_FILE_SIZE, read_chunk_size=256 * 1024, **(s3_settings | overrides)
        )

    return make


@pytest.fixture
async def s3_files_server(start_files_server, s3_server_settings):
    return await start_files_server(s3_server_settings())


async def start_cut_off_upload(server, seaweedfs, bucket, data: bytes = PAYLOAD[: S3_PART_SIZE + MIB]):
    """An upload that sent `data` (more than a part) and waits, once S3 holds an incomplete upload of it."""
    call = server.stub.UploadFile(timeout=30)
    await call.write(metadata_request("cut.bin"))
    for chunk in mebibytes(data):
        await call.write(files_pb2.UploadFileRequest(chunk=chunk))

    async def multipart_begun() -> bool:
        return bool(seaweedfs.incomplete_uploads(bucket))

    await eventually(multipart_begun, timeout=20)
    return call


async def nothing_kept(server, seaweedfs, bucket) -> bool:
    state = await stored_state(server.application)
    return state == ([], 0, []) and seaweedfs.objects(bucket) == {}


async def test_upload_of_several_parts_reads_back_whole_and_in_ranges(s3_files_server, seaweedfs, s3_bucket):
    stub = s3_files_server.stub

    uploaded = await upload(stub, "big.bin", *mebibytes(PAYLOAD))
    whole = b"".join(await read(stub, uploaded.file.file_url))
    across_parts = b"".join(await read(stub, uploaded.file.file_url, offset=S3_PART_SIZE - 5, length=10))

    assert list(seaweedfs.objects(s3_bucket).values()) == [len(PAYLOAD)]
    assert uploaded.file.sha256 == hashlib.sha256(whole).hexdigest() == hashlib.sha256(PAYLOAD).hexdigest()
    assert across_parts == PAYLOAD[S3_PART_SIZE - 5 : S3_PART_SIZE + 5]
    assert seaweedfs.incomplete_uploads(s3_bucket) == []


async def test_cancelled_upload_of_several_parts_keeps_no_object_and_no_incomplete_upload(
    s3_files_server, seaweedfs, s3_bucket
):
    call = await start_cut_off_upload(s3_files_server, seaweedfs, s3_bucket)

    call.cancel()

    await eventually(lambda: nothing_kept(s3_files_server, seaweedfs, s3_bucket))
    assert seaweedfs.incomplete_uploads(s3_bucket) == []


async def test_upload_ending_without_completion_after_parts_keeps_nothing(
    s3_files_server, seaweedfs, s3_bucket
):
    call = await start_cut_off_upload(s3_files_server, seaweedfs, s3_bucket)

    await call.done_writing()
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await call

    assert error_of(refused.value) == (grpc.StatusCode.INVALID_ARGUMENT, "UPLOAD_INCOMPLETE", DOMAIN)
    assert await nothing_kept(s3_files_server, seaweedfs, s3_bucket)
    assert seaweedfs.incomplete_uploads(s3_bucket) == []


async def test_upload_over_the_limit_after_parts_is_refused_and_keeps_nothing(
    s3_files_server, seaweedfs, s3_bucket
):
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await upload(s3_files_server.stub, "huge.bin", *mebibytes(os.urandom(MAX_FILE_SIZE + 1)))

    assert error_of(refused.value) == (grpc.StatusCode.RESOURCE_EXHAUSTED, "FILE_TOO_LARGE", DOMAIN)
    assert await nothing_kept(s3_files_server, seaweedfs, s3_bucket)
    assert seaweedfs.incomplete_uploads(s3_bucket) == []


async def test_download_url_serves_the_file_with_the_headers_asked_for(s3_files_server):
    uploaded = await upload(s3_files_server.stub, "clip.mp4", b"not really a video")
    request = files_pb2.GetDownloadUrlRequest(file_url=uploaded.file.file_url, **HEADERS)

    reply = await s3_files_server.stub.GetDownloadUrl(request, timeout=10)

    async with httpx.AsyncClient() as client:
        response = await client.get(reply.url)
    assert response.status_code == 200 and response.content == b"not really a video"
    assert (response.headers["content-type"], response.headers["content-disposition"]) == (
        HEADERS["content_type"],
        HEADERS["content_disposition"],
    )
    expected_expiry = datetime.now(UTC) + timedelta(seconds=300)
    assert abs(reply.expires_at.ToDatetime(tzinfo=UTC) - expected_expiry) < timedelta(seconds=10)


@pytest.mark.parametrize(
    ("file_url", "headers", "status", "reason"),
    [
        ("missing123", HEADERS, grpc.StatusCode.NOT_FOUND, "FILE_NOT_FOUND"),
        (
            None,
            {"content_type": "text/plain\r\nSet-Cookie: a=b"},
            grpc.StatusCode.INVALID_ARGUMENT,
            "INVALID_DOWNLOAD_HEADERS",
        ),
    ],
)
async def test_download_url_refuses_an_unknown_file_and_header_values_on_two_lines(
    s3_files_server, file_url, headers, status, reason
):
    uploaded = await upload(s3_files_server.stub, "a.txt", b"x")
    request = files_pb2.GetDownloadUrlRequest(file_url=file_url or uploaded.file.file_url, **headers)

    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await s3_files_server.stub.GetDownloadUrl(request, timeout=10)

    assert error_of(refused.value) == (status, reason, DOMAIN)


async def test_download_url_from_local_disk_is_failed_precondition(start_files_server, make_settings):
    server = await start_files_server(make_settings())
    uploaded = await upload(server.stub, "a.txt", b"x")
    request = files_pb2.GetDownloadUrlRequest(file_url=uploaded.file.file_url, **HEADERS)

    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await server.stub.GetDownloadUrl(request, timeout=10)

    assert error_of(refused.value) == (
        grpc.StatusCode.FAILED_PRECONDITION,
        "DOWNLOAD_URL_UNSUPPORTED",
        DOMAIN,
    )


async def test_a_replica_starting_on_the_same_bucket_leaves_an_upload_in_flight_alone(
    start_files_server, s3_server_settings, s3_files_server, seaweedfs, s3_bucket, tmp_path
):
    call = await start_cut_off_upload(s3_files_server, seaweedfs, s3_bucket, PAYLOAD)

    await start_files_server(s3_server_settings(data_dir=tmp_path / "second-replica"))
    await call.write(files_pb2.UploadFileRequest(chunk=b"!"))
    await call.write(files_pb2.UploadFileRequest(complete=files_pb2.UploadComplete(size=len(PAYLOAD) + 1)))
    await call.done_writing()
    uploaded = await call

    assert uploaded.file.size == len(PAYLOAD) + 1
    assert list(seaweedfs.objects(s3_bucket).values()) == [len(PAYLOAD) + 1]


async def test_start_with_no_grace_aborts_the_incomplete_upload_of_a_crashed_replica(
    start_files_server, s3_server_settings, seaweedfs, s3_bucket, caplog
):
    seaweedfs.begin_upload(s3_bucket, "0" * 32, b"half an upload")

    with caplog.at_level(logging.INFO, logger="files_service.temp_cleanup"):
        await start_files_server(s3_server_settings(temp_cleanup_grace_seconds=0))

    assert seaweedfs.incomplete_uploads(s3_bucket) == []
    assert "removed 1 temp leftover(s) of interrupted uploads" in caplog.text


async def test_unreachable_store_is_unavailable(start_files_server, s3_server_settings, seaweedfs):
    target = urllib.parse.urlsplit(seaweedfs.endpoint_url)
    proxy = TcpProxy(target.hostname, target.port)
    proxy_port = await proxy.start()
    server = await start_files_server(s3_server_settings(s3_endpoint_url=f"http://127.0.0.1:{proxy_port}"))
    uploaded = await upload(server.stub, "a.txt", b"data")

    await proxy.stop()

    info = await server.stub.GetFileInfo(files_pb2.GetFileInfoRequest(file_url=uploaded.file.file_url))
    for call in (read(server.stub, uploaded.file.file_url), upload(server.stub, "b.txt", b"more")):
        with pytest.raises(grpc.aio.AioRpcError) as unavailable:
            await asyncio.wait_for(call, 30)
        assert error_of(unavailable.value) == (
            grpc.StatusCode.UNAVAILABLE,
            "FILES_ERROR_REASON_UNSPECIFIED",
            DOMAIN,
        )
    assert info.file.size == 4
