"""ClaimFiles through the generated stub, against a real grpc.aio server (SQLite and PostgreSQL)."""

import asyncio

import grpc
import pytest

from files_service.adapters.outbox import SqlAlchemyOutbox
from files_service.domain import claims
from fileuploader.events.v1 import file_events_pb2
from fileuploader.files.v1 import files_pb2

from .rpc_helpers import error_of, eventually, outbox_size, upload

pytestmark = pytest.mark.integration

DOMAIN = "files.fileuploader"


@pytest.fixture
async def files_server(nats_server, start_files_server, make_settings, database_url):
    """nats_server first, so that it stops after the files server."""
    return await start_files_server(make_settings(nats_url=nats_server.url, database_url=database_url))


async def claim(stub, owner: str, *items: tuple[str, str]) -> list[files_pb2.ClaimOutcome]:
    request = files_pb2.ClaimFilesRequest(
        owner_account_id=owner,
        items=[files_pb2.ClaimItem(file_url=file_url, delete_key=key) for file_url, key in items],
    )
    return list((await stub.ClaimFiles(request, timeout=10)).outcomes)


async def owners(stub) -> dict[str, str]:
    listed = stub.ListOwnedFiles(files_pb2.ListOwnedFilesRequest(), timeout=10)
    return {file.file.file_url: file.owner_account_id async for response in listed for file in response.files}


async def test_each_item_gets_its_own_result_in_request_order_and_only_anonymous_files_move(files_server):
    stub = files_server.stub
    mine = await upload(stub, "mine.txt", b"mine")
    wrong = await upload(stub, "wrong.txt", b"wrong")
    theirs = await upload(stub, "theirs.txt", b"theirs", owner="acc-2")
    already = await upload(stub, "already.txt", b"already", owner="acc-1")

    outcomes = await claim(
        stub,
        "acc-1",
        (mine.file.file_url, mine.delete_key),
        ("NeverStored", mine.delete_key),
        (wrong.file.file_url, mine.delete_key),
        (theirs.file.file_url, theirs.delete_key),
        (already.file.file_url, already.delete_key),
        (wrong.file.file_url, ""),
    )

    assert [(o.file_url, o.result) for o in outcomes] == [
        (mine.file.file_url, files_pb2.CLAIMED),
        ("NeverStored", files_pb2.UNKNOWN_FILE),
        (wrong.file.file_url, files_pb2.WRONG_KEY),
        (theirs.file.file_url, files_pb2.OWNED_BY_ANOTHER_ACCOUNT),
        (already.file.file_url, files_pb2.ALREADY_YOURS),
        (wrong.file.file_url, files_pb2.WRONG_KEY),
    ]
    assert (outcomes[0].file, outcomes[0].delete_key) == (mine.file, mine.delete_key)
    assert (outcomes[4].file, outcomes[4].delete_key) == (already.file, already.delete_key)
    # Nothing of a file that is not the claimer's travels back.
    assert not any(o.HasField("file") or o.delete_key for o in outcomes[1:4])
    assert await owners(stub) == {
        mine.file.file_url: "acc-1",
        theirs.file.file_url: "acc-2",
        already.file.file_url: "acc-1",
    }


async def test_a_claimed_file_publishes_an_upload_event_with_its_owner_and_key(files_server, stream_reader):
    stub = files_server.stub
    anonymous = await upload(stub, "anonymous.txt", b"data")

    [outcome] = await claim(stub, "acc-1", (anonymous.file.file_url, anonymous.delete_key))

    assert outcome.result == files_pb2.CLAIMED

    async def both_published() -> bool:
        return len(await stream_reader.messages()) == 2

    await eventually(both_published)
    uploaded, claimed = (
        file_events_pb2.FileUploaded.FromString(m.data) for m in await stream_reader.messages()
    )
    assert (uploaded.owner_account_id, uploaded.delete_key) == ("", "")
    assert (claimed.file_url, claimed.owner_account_id, claimed.delete_key) == (
        anonymous.file.file_url,
        "acc-1",
        anonymous.delete_key,
    )
    assert claimed.created_at == anonymous.file.created_at and claimed.event_id != uploaded.event_id


async def test_a_second_claim_by_another_account_takes_nothing(files_server):
    stub = files_server.stub
    anonymous = await upload(stub, "anonymous.txt", b"data")
    item = (anonymous.file.file_url, anonymous.delete_key)

    first = await claim(stub, "acc-1", item)
    by_another = await claim(stub, "acc-2", item)
    again = await claim(stub, "acc-1", item, item)

    assert [o.result for o in first + by_another + again] == [
        files_pb2.CLAIMED,
        files_pb2.OWNED_BY_ANOTHER_ACCOUNT,
        files_pb2.ALREADY_YOURS,
        files_pb2.ALREADY_YOURS,
    ]
    assert await owners(stub) == {anonymous.file.file_url: "acc-1"}


async def test_the_delete_key_is_compared_in_constant_time(files_server, monkeypatch):
    compared: list[tuple[bytes, bytes]] = []
    real_compare = claims.hmac.compare_digest

    def spy(expected: bytes, given: bytes) -> bool:
        compared.append((expected, given))
        return real_compare(expected, given)

    monkeypatch.setattr(claims.hmac, "compare_digest", spy)
    anonymous = await upload(files_server.stub, "anonymous.txt", b"data")

    [outcome] = await claim(files_server.stub, "acc-1", (anonymous.file.file_url, "not-the-key"))

    assert outcome.result == files_pb2.WRONG_KEY
    assert (anonymous.delete_key.encode(), b"not-the-key") in compared


async def test_the_owner_and_its_event_commit_together(files_server, monkeypatch):
    stub = files_server.stub
    anonymous = await upload(stub, "anonymous.txt", b"data")

    async def eventually_empty() -> bool:
        return await outbox_size(files_server.application) == 0

    await eventually(eventually_empty)

    async def failing_add(self, event):
        raise RuntimeError("the outbox write failed")

    monkeypatch.setattr(SqlAlchemyOutbox, "add", failing_add)
    with pytest.raises(grpc.aio.AioRpcError) as failed:
        await claim(stub, "acc-1", (anonymous.file.file_url, anonymous.delete_key))

    assert failed.value.code() == grpc.StatusCode.INTERNAL
    assert await owners(stub) == {}
    monkeypatch.undo()
    [outcome] = await claim(stub, "acc-1", (anonymous.file.file_url, anonymous.delete_key))
    assert outcome.result == files_pb2.CLAIMED


async def test_a_claim_without_an_owner_or_with_too_many_items_is_refused(files_server, monkeypatch):
    from files_service import service

    with pytest.raises(grpc.aio.AioRpcError) as no_owner:
        await claim(files_server.stub, "", ("F000000000", "key"))
    monkeypatch.setattr(service, "MAX_CLAIMED_PER_CALL", 2)
    with pytest.raises(grpc.aio.AioRpcError) as too_many:
        await claim(files_server.stub, "acc-1", *[(f"F00000000{n}", "key") for n in range(3)])

    assert no_owner.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_of(too_many.value) == (grpc.StatusCode.INVALID_ARGUMENT, "TOO_MANY_FILES", DOMAIN)


async def test_a_delete_racing_a_claim_publishes_the_owner_the_claim_gave(files_server, stream_reader):
    """The delete reads the file locked: a claim committed first is in its event, so auth's list drops it."""
    stub, application = files_server.stub, files_server.application
    anonymous = await upload(stub, "anonymous.txt", b"data")
    claiming = application.uow_factory()
    uow = await claiming.__aenter__()
    try:
        assert await uow.files.claim(anonymous.file.file_url, "acc-1")
        delete = asyncio.ensure_future(
            stub.DeleteFile(
                files_pb2.DeleteFileRequest(
                    file_url=anonymous.file.file_url, delete_key=anonymous.delete_key
                ),
                timeout=10,
            )
        )
        await asyncio.sleep(0.3)
        await uow.commit()
    finally:
        await claiming.__aexit__(None, None, None)
    await delete

    async def deleted_published() -> bool:
        return any(m.subject == "files.deleted" for m in await stream_reader.messages())

    await eventually(deleted_published)
    [message] = [m for m in await stream_reader.messages() if m.subject == "files.deleted"]
    assert file_events_pb2.FileDeleted.FromString(message.data).owner_account_id == "acc-1"
