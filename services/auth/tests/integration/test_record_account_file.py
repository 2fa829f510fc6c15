"""RecordAccountFile: the gateway lists an upload under its account at once, before its event arrives;
the event (or a delete's) applied later or earlier converges to the same list."""

from datetime import UTC, datetime

import grpc
import pytest

from fileuploader.auth.v1 import auth_pb2, auth_pb2_grpc

from .test_file_events import deleted, file_urls, register, timestamp, uploaded

pytestmark = pytest.mark.integration

Stub = auth_pb2_grpc.AuthServiceStub
T0 = datetime(2026, 2, 3, 4, 5, 6, 789000, tzinfo=UTC)


def recorded(access_token: str, file_url: str) -> auth_pb2.RecordAccountFileRequest:
    file = auth_pb2.AccountFile(
        file_url=file_url,
        delete_key=f"key-{file_url}",
        ext=".txt",
        user_filename=f"{file_url}.txt",
        size=len(file_url),
        created_at=timestamp(T0),
    )
    return auth_pb2.RecordAccountFileRequest(access_token=access_token, file=file)


async def test_a_recorded_file_is_listed_at_once_and_its_event_later_changes_nothing(
    stub: Stub, publisher
) -> None:
    alice = await register(stub, "alice")

    await stub.RecordAccountFile(recorded(alice.access_token, "f1"))

    listing = await stub.ListAccountFiles(auth_pb2.ListAccountFilesRequest(access_token=alice.access_token))
    assert [file.file_url for file in listing.files] == ["f1"]
    assert listing.files[0].delete_key == "key-f1" and listing.files[0].created_at == timestamp(T0)
    await publisher.publish("files.uploaded", uploaded("f1", alice.account.account_id, T0), "e1")
    assert await file_urls(stub, alice) == ["f1"]


async def test_a_file_deleted_before_it_is_recorded_stays_deleted(stub: Stub, publisher) -> None:
    alice = await register(stub, "alice")
    await publisher.publish("files.deleted", deleted("f1", alice.account.account_id), "e1")
    assert await file_urls(stub, alice) == []

    await stub.RecordAccountFile(recorded(alice.access_token, "f1"))

    assert await file_urls(stub, alice) == []


async def test_a_recorded_file_goes_under_the_tokens_account_only(stub: Stub) -> None:
    alice, bob = await register(stub, "alice"), await register(stub, "bob")

    await stub.RecordAccountFile(recorded(bob.access_token, "f1"))

    assert await file_urls(stub, alice) == [] and await file_urls(stub, bob) == ["f1"]


async def test_recording_with_a_bad_token_is_refused(stub: Stub) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.RecordAccountFile(recorded("not-a-token", "f1"))

    assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_a_claimed_file_is_listed_once_whatever_order_its_anonymous_and_claim_events_arrive(
    stub: Stub, publisher
) -> None:
    """A claim (POST /api/transfer): the file's anonymous upload event, the gateway's record, then the
    claim's own FileUploaded, carrying the owner, for the same file."""
    alice = await register(stub, "alice")
    await publisher.publish("files.uploaded", uploaded("f1", ""), "anonymous-upload")

    await stub.RecordAccountFile(recorded(alice.access_token, "f1"))
    await publisher.publish("files.uploaded", uploaded("f1", alice.account.account_id), "claim")

    assert await file_urls(stub, alice) == ["f1"]


async def test_a_claimed_file_deleted_before_its_claim_event_arrives_stays_deleted(
    stub: Stub, publisher
) -> None:
    alice = await register(stub, "alice")
    await stub.RecordAccountFile(recorded(alice.access_token, "f1"))
    await publisher.publish("files.deleted", deleted("f1", alice.account.account_id), "delete")

    await publisher.publish("files.uploaded", uploaded("f1", alice.account.account_id), "late-claim")

    assert await file_urls(stub, alice) == []


async def test_record_account_files_lists_every_file_at_once_and_a_deleted_one_stays_deleted(
    stub: Stub, publisher
) -> None:
    alice, bob = await register(stub, "alice"), await register(stub, "bob")
    await publisher.publish("files.deleted", deleted("f2", alice.account.account_id), "e1")
    files = [recorded(alice.access_token, name).file for name in ("f1", "f2", "f3")]

    await stub.RecordAccountFiles(
        auth_pb2.RecordAccountFilesRequest(access_token=alice.access_token, files=files)
    )

    assert sorted(await file_urls(stub, alice)) == ["f1", "f3"]
    assert await file_urls(stub, bob) == []
    listing = await stub.ListAccountFiles(auth_pb2.ListAccountFilesRequest(access_token=alice.access_token))
    assert {file.file_url: file.delete_key for file in listing.files} == {"f1": "key-f1", "f3": "key-f3"}


async def test_record_account_files_with_a_bad_token_lists_nothing(stub: Stub) -> None:
    alice = await register(stub, "alice")
    files = [recorded(alice.access_token, "f1").file]

    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.RecordAccountFiles(
            auth_pb2.RecordAccountFilesRequest(access_token="not-a-token", files=files)
        )

    assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert await file_urls(stub, alice) == []


async def test_a_recorded_file_is_listed_with_its_limits(stub: Stub) -> None:
    alice = await register(stub, "alice")
    request = recorded(alice.access_token, "f1")
    request.file.expires_at.CopyFrom(timestamp(datetime(2099, 1, 2, 3, 4, 5, tzinfo=UTC)))
    request.file.max_downloads = 2
    batch = recorded(alice.access_token, "f2")
    batch.file.max_downloads = 7

    await stub.RecordAccountFile(request)
    await stub.RecordAccountFiles(
        auth_pb2.RecordAccountFilesRequest(access_token=alice.access_token, files=[batch.file])
    )

    listing = await stub.ListAccountFiles(auth_pb2.ListAccountFilesRequest(access_token=alice.access_token))
    files = {file.file_url: file for file in listing.files}
    assert files["f1"].expires_at == request.file.expires_at and files["f1"].max_downloads == 2
    assert not files["f2"].HasField("expires_at") and files["f2"].max_downloads == 7
