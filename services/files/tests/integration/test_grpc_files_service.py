"""The files service through files_pb2_grpc.FilesServiceStub, against a real grpc.aio server."""

import hashlib

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from fileuploader.events.v1 import file_events_pb2
from fileuploader.files.v1 import files_pb2

from .rpc_helpers import (
    TEST_MAX_FILE_SIZE,
    complete_request,
    error_of,
    eventually,
    metadata_request,
    read,
    stored_state,
    upload,
    upload_whole,
)

pytestmark = pytest.mark.integration

DOMAIN = "files.fileuploader"
CONTENT = bytes(range(256)) * 100


@pytest.fixture
async def files_server(start_files_server, make_settings, nats_server, database_url, storage_settings):
    """On SQLite and PostgreSQL, each on local disk and on S3."""
    settings = make_settings(nats_url=nats_server.url, database_url=database_url, **storage_settings)
    return await start_files_server(settings)


@pytest.fixture
async def sqlite_files_server(start_files_server, make_settings, storage_settings):
    """On SQLite, on local disk and on S3."""
    return await start_files_server(make_settings(**storage_settings))


async def test_upload_info_read_and_delete_round_trip(files_server, stream_reader):
    stub = files_server.stub

    uploaded = await upload(stub, "dir/Clip.MP4", CONTENT[:10000], CONTENT[10000:], owner="acc-1")
    file_url = uploaded.file.file_url
    info = (await stub.GetFileInfo(files_pb2.GetFileInfoRequest(file_url=file_url))).file

    assert info == uploaded.file and uploaded.owner_account_id == "acc-1"
    assert (info.user_filename, info.ext, info.size) == ("Clip.MP4", ".mp4", len(CONTENT))
    assert info.sha256 == hashlib.sha256(CONTENT).hexdigest() and len(file_url) == 10
    assert b"".join(await read(stub, file_url)) == CONTENT
    assert b"".join(await read(stub, file_url, offset=100, length=5000)) == CONTENT[100:5100]
    assert b"".join(await read(stub, file_url, offset=25000)) == CONTENT[25000:]
    assert await read(stub, file_url, offset=7, length=0) == []

    with pytest.raises(grpc.aio.AioRpcError) as wrong_key:
        await stub.DeleteFile(files_pb2.DeleteFileRequest(file_url=file_url, delete_key="not-the-key"))
    assert error_of(wrong_key.value) == (grpc.StatusCode.PERMISSION_DENIED, "INVALID_DELETE_KEY", DOMAIN)

    await stub.DeleteFile(files_pb2.DeleteFileRequest(file_url=file_url, delete_key=uploaded.delete_key))
    with pytest.raises(grpc.aio.AioRpcError) as gone:
        await stub.GetFileInfo(files_pb2.GetFileInfoRequest(file_url=file_url))
    assert error_of(gone.value) == (grpc.StatusCode.NOT_FOUND, "FILE_NOT_FOUND", DOMAIN)
    assert await stored_state(files_server.application) == ([], 0, [])

    async def both_events_published() -> bool:
        return len(await stream_reader.messages()) == 2

    await eventually(both_events_published)
    uploaded_message, deleted_message = await stream_reader.messages()
    assert (uploaded_message.subject, deleted_message.subject) == ("files.uploaded", "files.deleted")
    assert file_events_pb2.FileUploaded.FromString(uploaded_message.data).delete_key == uploaded.delete_key
    assert file_events_pb2.FileDeleted.FromString(deleted_message.data).file_url == file_url


async def test_upload_with_include_ext_and_exactly_the_limit(sqlite_files_server):
    uploaded = await upload(sqlite_files_server.stub, "a.tar.GZ", b"z" * TEST_MAX_FILE_SIZE, include_ext=True)

    assert uploaded.file.file_url.endswith(".gz") and uploaded.file.size == TEST_MAX_FILE_SIZE
    assert uploaded.owner_account_id == "" and len(uploaded.delete_key) == 36


@pytest.mark.parametrize("content", [b"", CONTENT], ids=["empty", "bytes"])
async def test_a_whole_file_in_one_message_is_stored_as_a_streamed_one(files_server, stream_reader, content):
    stub = files_server.stub

    whole = await upload_whole(stub, "Clip.MP4", content, include_ext=True, owner="acc-1")
    streamed = await upload(stub, "Clip.MP4", content, include_ext=True, owner="acc-1")

    for uploaded in (whole, streamed):
        info = (await stub.GetFileInfo(files_pb2.GetFileInfoRequest(file_url=uploaded.file.file_url))).file
        assert info == uploaded.file and uploaded.owner_account_id == "acc-1"
        assert (info.user_filename, info.ext, info.size) == ("Clip.MP4", ".mp4", len(content))
        assert info.sha256 == hashlib.sha256(content).hexdigest() and info.file_url.endswith(".mp4")
        assert b"".join(await read(stub, info.file_url)) == content
    assert whole.file.file_url != streamed.file.file_url
    assert len((await stored_state(files_server.application))[0]) == 2


@pytest.mark.parametrize(
    ("name", "content", "code", "reason"),
    [
        ("README", b"data", grpc.StatusCode.INVALID_ARGUMENT, "BAD_EXTENSION"),
        ("big.bin", b"z" * (TEST_MAX_FILE_SIZE + 1), grpc.StatusCode.RESOURCE_EXHAUSTED, "FILE_TOO_LARGE"),
    ],
    ids=["bad-name", "too-large"],
)
async def test_a_whole_file_refused_keeps_nothing(sqlite_files_server, name, content, code, reason):
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await upload_whole(sqlite_files_server.stub, name, content)

    assert error_of(refused.value) == (code, reason, DOMAIN)
    assert await stored_state(sqlite_files_server.application) == ([], 0, [])


def batched(name: str, content: bytes, request_id: str) -> files_pb2.BatchedUpload:
    metadata = files_pb2.UploadMetadata(user_filename=name)
    return files_pb2.BatchedUpload(
        file=files_pb2.UploadWholeFileRequest(metadata=metadata, content=content), request_id=request_id
    )


async def test_whole_files_in_one_call_are_each_stored_or_refused_on_their_own(sqlite_files_server):
    stub = sqlite_files_server.stub
    uploads = [
        batched("first.txt", b"first", "req-1"),
        batched("README", b"data", "req-2"),
        batched("big.bin", b"z" * (TEST_MAX_FILE_SIZE + 1), "req-3"),
        batched("empty.txt", b"", "req-4"),
    ]

    reply = await stub.UploadWholeFiles(files_pb2.UploadWholeFilesRequest(uploads=uploads), timeout=10)

    outcomes = reply.outcomes
    assert [outcome.WhichOneof("outcome") for outcome in outcomes] == [
        "uploaded",
        "refused",
        "refused",
        "uploaded",
    ]
    refusals = [(o.refused.code, o.refused.reason) for o in outcomes[1:3]]
    assert refusals == [
        (grpc.StatusCode.INVALID_ARGUMENT.value[0], "BAD_EXTENSION"),
        (grpc.StatusCode.RESOURCE_EXHAUSTED.value[0], "FILE_TOO_LARGE"),
    ]
    assert b"".join(await read(stub, outcomes[0].uploaded.file.file_url)) == b"first"
    assert outcomes[3].uploaded.file.user_filename == "empty.txt" and outcomes[3].uploaded.file.size == 0
    assert (await stored_state(sqlite_files_server.application))[1] == 2


async def test_upload_over_the_limit_is_refused_and_keeps_nothing(sqlite_files_server):
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await upload(sqlite_files_server.stub, "big.bin", b"z" * TEST_MAX_FILE_SIZE, b"!")

    assert error_of(refused.value) == (grpc.StatusCode.RESOURCE_EXHAUSTED, "FILE_TOO_LARGE", DOMAIN)
    server = sqlite_files_server
    assert await stored_state(server.application) == ([], 0, [])


@pytest.mark.parametrize(
    ("name", "reason"),
    [("", "BAD_FILENAME"), ("folder/", "BAD_FILENAME"), ("README", "BAD_EXTENSION"), ("x.", "BAD_EXTENSION")],
)
async def test_upload_with_a_bad_name_is_invalid_argument(sqlite_files_server, name, reason):
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await upload(sqlite_files_server.stub, name, b"data")

    assert error_of(refused.value) == (grpc.StatusCode.INVALID_ARGUMENT, reason, DOMAIN)


async def test_upload_without_metadata_first_is_invalid_argument(sqlite_files_server):
    async def chunk_first():
        yield files_pb2.UploadFileRequest(chunk=b"data")
        yield metadata_request("a.txt")

    async def nothing():
        return
        yield

    for requests in (chunk_first(), nothing()):
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await sqlite_files_server.stub.UploadFile(requests, timeout=10)
        assert error_of(refused.value) == (grpc.StatusCode.INVALID_ARGUMENT, "METADATA_MISSING", DOMAIN)


async def test_upload_with_a_second_metadata_is_invalid_argument(sqlite_files_server):
    async def twice():
        yield metadata_request("a.txt")
        yield metadata_request("b.txt")

    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await sqlite_files_server.stub.UploadFile(twice(), timeout=10)

    assert error_of(refused.value) == (grpc.StatusCode.INVALID_ARGUMENT, "UPLOAD_INCOMPLETE", DOMAIN)


@pytest.mark.parametrize(
    "tail",
    [
        pytest.param([], id="no-completion"),
        pytest.param([complete_request(3)], id="size-mismatch"),
        pytest.param(
            [complete_request(4), files_pb2.UploadFileRequest(chunk=b"more")], id="chunk-after-completion"
        ),
    ],
)
async def test_upload_without_a_proper_completion_keeps_nothing(sqlite_files_server, tail):
    async def requests():
        yield metadata_request("cut.txt")
        yield files_pb2.UploadFileRequest(chunk=b"data")
        for request in tail:
            yield request

    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await sqlite_files_server.stub.UploadFile(requests(), timeout=10)

    assert error_of(refused.value) == (grpc.StatusCode.INVALID_ARGUMENT, "UPLOAD_INCOMPLETE", DOMAIN)
    state = await stored_state(sqlite_files_server.application)
    assert state == ([], 0, [])


async def test_upload_and_read_in_one_mebibyte_messages(start_files_server, make_settings, storage_settings):
    settings = make_settings(max_file_size=4 * 2**20, read_chunk_size=2**20, **storage_settings)
    server = await start_files_server(settings)
    mebibyte = bytes(range(256)) * 4096

    uploaded = await upload(server.stub, "big.bin", mebibyte, mebibyte)
    chunks = await read(server.stub, uploaded.file.file_url)

    assert [len(chunk) for chunk in chunks] == [2**20, 2**20] and b"".join(chunks) == mebibyte * 2


@pytest.mark.parametrize(("offset", "length"), [(11, None), (5, 7), (11, 0)])
async def test_read_outside_the_file_is_out_of_range(sqlite_files_server, offset, length):
    uploaded = await upload(sqlite_files_server.stub, "ten.txt", b"0123456789")

    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await read(sqlite_files_server.stub, uploaded.file.file_url, offset, length)

    assert error_of(refused.value) == (grpc.StatusCode.OUT_OF_RANGE, "RANGE_NOT_SATISFIABLE", DOMAIN)


@pytest.mark.parametrize("file_url", ["missing123", "x" * 65, ""])
async def test_unknown_file_is_not_found_for_every_rpc(sqlite_files_server, file_url):
    stub = sqlite_files_server.stub
    calls = [
        stub.GetFileInfo(files_pb2.GetFileInfoRequest(file_url=file_url)),
        read(stub, file_url),
        stub.DeleteFile(files_pb2.DeleteFileRequest(file_url=file_url, delete_key="")),
        stub.DeleteFile(files_pb2.DeleteFileRequest(file_url=file_url, delete_key="any-key")),
    ]
    for call in calls:
        with pytest.raises(grpc.aio.AioRpcError) as missing:
            await call
        assert error_of(missing.value) == (grpc.StatusCode.NOT_FOUND, "FILE_NOT_FOUND", DOMAIN)


async def test_file_url_with_a_nul_is_not_found_on_every_database(
    start_files_server, make_settings, database_url
):
    """PostgreSQL refuses NUL in text: such a URL must never reach the query. (No NATS: this test is
    over before a connection to it would have settled.)"""
    files_server = await start_files_server(make_settings(database_url=database_url))
    with pytest.raises(grpc.aio.AioRpcError) as missing:
        await files_server.stub.GetFileInfo(files_pb2.GetFileInfoRequest(file_url="abc\x00def"))
    assert error_of(missing.value) == (grpc.StatusCode.NOT_FOUND, "FILE_NOT_FOUND", DOMAIN)


async def test_delete_with_an_empty_key_is_permission_denied(sqlite_files_server):
    uploaded = await upload(sqlite_files_server.stub, "a.txt", b"x")

    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await sqlite_files_server.stub.DeleteFile(
            files_pb2.DeleteFileRequest(file_url=uploaded.file.file_url)
        )

    assert error_of(refused.value) == (grpc.StatusCode.PERMISSION_DENIED, "INVALID_DELETE_KEY", DOMAIN)


async def test_health_is_serving_for_the_server_and_the_files_service(sqlite_files_server):
    health = health_pb2_grpc.HealthStub(sqlite_files_server.channel)

    for service in ("", "fileuploader.files.v1.FilesService", "liveness"):
        response = await health.Check(health_pb2.HealthCheckRequest(service=service), timeout=5)
        assert response.status == health_pb2.HealthCheckResponse.SERVING


async def test_liveness_stops_serving_once_shutdown_begins(sqlite_files_server):
    health = health_pb2_grpc.HealthStub(sqlite_files_server.channel)
    watch = health.Watch(health_pb2.HealthCheckRequest(service="liveness"))
    assert (await watch.read()).status == health_pb2.HealthCheckResponse.SERVING

    await sqlite_files_server.running.health.enter_graceful_shutdown()

    assert (await watch.read()).status == health_pb2.HealthCheckResponse.NOT_SERVING
    watch.cancel()


async def read_with_info(
    stub, file_url: str, inline_up_to: int, **range_fields
) -> list[files_pb2.ReadFileResponse]:
    request = files_pb2.ReadFileRequest(
        file_url=file_url, with_info=True, inline_up_to=inline_up_to, **range_fields
    )
    return [response async for response in stub.ReadFile(request, timeout=10)]


async def test_a_small_file_comes_whole_with_its_info_in_one_message(sqlite_files_server):
    stub = sqlite_files_server.stub
    uploaded = await upload(stub, "clip.mp4", CONTENT[:5000])

    [message] = await read_with_info(stub, uploaded.file.file_url, inline_up_to=5000, offset=10, length=20)

    assert message.inline and message.info == uploaded.file and message.chunk == CONTENT[:5000]


async def test_a_bigger_file_sends_its_info_first_then_the_range_asked(sqlite_files_server):
    stub = sqlite_files_server.stub
    uploaded = await upload(stub, "clip.mp4", CONTENT)

    first, *rest = await read_with_info(
        stub, uploaded.file.file_url, inline_up_to=len(CONTENT) - 1, offset=100, length=5000
    )
    [head_only] = await read_with_info(stub, uploaded.file.file_url, inline_up_to=0, length=0)

    assert first.info == uploaded.file and first.chunk == b"" and not first.inline
    assert not any(message.HasField("info") for message in rest)
    assert b"".join(message.chunk for message in rest) == CONTENT[100:5100]
    assert head_only.info == uploaded.file and head_only.chunk == b""


async def test_a_read_with_info_looks_the_file_up_once(sqlite_files_server, monkeypatch):
    stub = sqlite_files_server.stub
    uploaded = await upload(stub, "clip.mp4", CONTENT)
    service = type(sqlite_files_server.application.service)
    lookups = []
    original = service.get_file_info

    async def counted(self, file_url):
        lookups.append(file_url)
        return await original(self, file_url)

    monkeypatch.setattr(service, "get_file_info", counted)
    await read_with_info(stub, uploaded.file.file_url, inline_up_to=len(CONTENT))
    await read_with_info(stub, uploaded.file.file_url, inline_up_to=0)

    assert lookups == [uploaded.file.file_url] * 2


async def test_no_file_is_inlined_past_one_mebibyte_whatever_the_caller_asks(
    start_files_server, make_settings, storage_settings
):
    server = await start_files_server(
        make_settings(max_file_size=4 * 2**20, read_chunk_size=2**20, **storage_settings)
    )
    mebibyte = bytes(range(256)) * 4096
    uploaded = await upload(server.stub, "big.bin", mebibyte, b"x")

    messages = await read_with_info(server.stub, uploaded.file.file_url, inline_up_to=2**40)

    assert not messages[0].inline and max(len(message.chunk) for message in messages) <= 2**20
