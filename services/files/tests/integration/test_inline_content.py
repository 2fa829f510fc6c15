"""Small files kept in their database row (FU_FILES_INLINE_MAX_BYTES): stored, read, reconciled and deleted
with no blob in the store, on SQLite and PostgreSQL, on local disk and S3; a bigger file still goes to
the store."""

import argparse
import hashlib
import json

import grpc
import pytest

from files_service.entrypoints import reconcile_cli
from fileuploader.files.v1 import files_pb2

from .rpc_helpers import error_of, eventually, read, stored_state, upload, upload_whole

pytestmark = pytest.mark.integration

DOMAIN = "files.fileuploader"
INLINE_MAX = 4096
SMALL = bytes(range(256)) * 16  # exactly INLINE_MAX bytes


@pytest.fixture
def inline_settings(make_settings, nats_server, database_url, storage_settings):
    return make_settings(
        nats_url=nats_server.url, database_url=database_url, inline_max_bytes=INLINE_MAX, **storage_settings
    )


@pytest.fixture
async def files_server(start_files_server, inline_settings):
    return await start_files_server(inline_settings)


async def reconciled(settings, capsys) -> dict:
    parser = argparse.ArgumentParser()
    reconcile_cli.add_arguments(parser)
    status = await reconcile_cli.reconcile(settings, parser.parse_args(["--json", "--grace-seconds", "0"]))
    assert status == 0
    return json.loads(capsys.readouterr().out)


async def test_a_small_file_is_kept_in_its_row_read_whole_and_in_ranges_and_deleted_with_it(
    files_server, inline_settings, stream_reader, capsys
):
    stub = files_server.stub
    whole = await upload_whole(stub, "small.bin", SMALL, owner="acc-1")
    streamed = await upload(stub, "small.bin", SMALL[:1000], SMALL[1000:])

    assert await stored_state(files_server.application) == ([], 2, [])
    for uploaded in (whole, streamed):
        file_url = uploaded.file.file_url
        info = (await stub.GetFileInfo(files_pb2.GetFileInfoRequest(file_url=file_url))).file
        assert info == uploaded.file and info.size == INLINE_MAX
        assert info.sha256 == hashlib.sha256(SMALL).hexdigest()
        assert b"".join(await read(stub, file_url)) == SMALL
        assert b"".join(await read(stub, file_url, offset=100, length=900)) == SMALL[100:1000]
        assert b"".join(await read(stub, file_url, offset=4000)) == SMALL[4000:]
        assert await read(stub, file_url, offset=INLINE_MAX) == []

    async def events_published() -> bool:
        return await files_server.application.relay.backlog() == 0

    await eventually(events_published)  # else the reconciler reports them unpublished (grace 0)
    report = await reconciled(inline_settings, capsys)
    assert (report["differences"], report["checked"]["files"], report["checked"]["blobs"]) == (0, 2, 0)

    await stub.DeleteFile(
        files_pb2.DeleteFileRequest(file_url=whole.file.file_url, delete_key=whole.delete_key)
    )

    with pytest.raises(grpc.aio.AioRpcError) as gone:
        await read(stub, whole.file.file_url)
    assert error_of(gone.value) == (grpc.StatusCode.NOT_FOUND, "FILE_NOT_FOUND", DOMAIN)
    assert await stored_state(files_server.application) == ([], 1, [])

    async def three_events() -> bool:
        return len(await stream_reader.messages()) == 3

    await eventually(three_events)


async def test_a_file_one_byte_over_the_limit_goes_to_the_blob_store(files_server):
    uploaded = await upload(files_server.stub, "bigger.bin", SMALL, b"!")

    keys, rows, temp = await stored_state(files_server.application)
    assert (len(keys), rows, temp) == (1, 1, [])
    assert b"".join(await read(files_server.stub, uploaded.file.file_url)) == SMALL + b"!"


async def test_a_small_file_outlives_a_restart(start_files_server, inline_settings):
    first = await start_files_server(inline_settings)
    uploaded = await upload(first.stub, "kept.txt", b"kept across a restart")
    await first.running.stop(grace_seconds=0)

    second = await start_files_server(inline_settings)

    assert b"".join(await read(second.stub, uploaded.file.file_url)) == b"kept across a restart"


@pytest.mark.parametrize("storage_settings", ["s3"], indirect=True)
async def test_a_small_file_on_s3_has_no_download_url_so_the_gateway_streams_it(files_server):
    uploaded = await upload(files_server.stub, "clip.mp4", b"tiny")
    request = files_pb2.GetDownloadUrlRequest(file_url=uploaded.file.file_url, content_type="video/mp4")

    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await files_server.stub.GetDownloadUrl(request, timeout=10)

    code, reason, _ = error_of(refused.value)
    assert (code, reason) == (grpc.StatusCode.FAILED_PRECONDITION, "DOWNLOAD_URL_UNSUPPORTED")
