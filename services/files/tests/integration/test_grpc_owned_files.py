"""ListOwnedFiles and RepublishFileEvents through the generated stub, against a real grpc.aio server."""

import grpc
import pytest

from files_service.entrypoints import servicer
from files_service.service import MAX_REPUBLISHED_PER_CALL
from fileuploader.events.v1 import file_events_pb2
from fileuploader.files.v1 import files_pb2

from .rpc_helpers import error_of, eventually, upload

pytestmark = pytest.mark.integration

DOMAIN = "files.fileuploader"


@pytest.fixture
async def files_server(nats_server, start_files_server, make_settings, database_url):
    """nats_server first, so that it stops after the files server."""
    return await start_files_server(make_settings(nats_url=nats_server.url, database_url=database_url))


async def list_owned(stub) -> list[list[files_pb2.OwnedFile]]:
    """Each message's files."""
    return [
        list(response.files)
        async for response in stub.ListOwnedFiles(files_pb2.ListOwnedFilesRequest(), timeout=10)
    ]


async def test_list_owned_files_streams_every_owned_file_by_file_url_in_batches(files_server, monkeypatch):
    monkeypatch.setattr(servicer, "OWNED_FILES_PER_MESSAGE", 2)
    uploads = [
        await upload(files_server.stub, f"f{number}.txt", b"data", owner=f"acc-{number % 2}")
        for number in range(5)
    ]
    await upload(files_server.stub, "anonymous.txt", b"data")

    batches = await list_owned(files_server.stub)

    assert [len(batch) for batch in batches] == [2, 2, 1]
    owned = [file for batch in batches for file in batch]
    expected = sorted(uploads, key=lambda uploaded: uploaded.file.file_url)
    assert [file.file for file in owned] == [uploaded.file for uploaded in expected]
    assert [(file.owner_account_id, file.delete_key) for file in owned] == [
        (uploaded.owner_account_id, uploaded.delete_key) for uploaded in expected
    ]


async def test_list_owned_files_of_an_empty_service_ends_at_once(files_server):
    assert await list_owned(files_server.stub) == []


async def test_republish_file_events_publishes_fresh_upload_events_for_owned_files(
    files_server, stream_reader
):
    owned = await upload(files_server.stub, "mine.txt", b"data", owner="acc-1")
    anonymous = await upload(files_server.stub, "anyone.txt", b"data")

    async def uploads_published() -> bool:
        return len(await stream_reader.messages()) == 2

    await eventually(uploads_published)
    request = files_pb2.RepublishFileEventsRequest(
        file_urls=[owned.file.file_url, anonymous.file.file_url, "never-stored"]
    )
    response = await files_server.stub.RepublishFileEvents(request, timeout=10)

    assert response.republished == 1
    assert list(response.unknown_file_urls) == [anonymous.file.file_url, "never-stored"]

    async def republished_published() -> bool:
        return len(await stream_reader.messages()) == 3

    await eventually(republished_published)
    first, _, again = await stream_reader.messages()
    original, republished = (file_events_pb2.FileUploaded.FromString(m.data) for m in (first, again))
    assert again.subject == "files.uploaded" and republished.event_id != original.event_id
    assert (republished.file_url, republished.delete_key) == (owned.file.file_url, owned.delete_key)
    assert republished.created_at == original.created_at


async def test_republish_file_events_refuses_too_many_files_at_once(files_server):
    request = files_pb2.RepublishFileEventsRequest(file_urls=["x"] * (MAX_REPUBLISHED_PER_CALL + 1))

    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await files_server.stub.RepublishFileEvents(request, timeout=10)

    assert error_of(refused.value) == (grpc.StatusCode.INVALID_ARGUMENT, "TOO_MANY_FILES", DOMAIN)
