"""The account file list, fed by file events through a real nats-server, read back over gRPC."""

import time
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from auth_service.entrypoints.server import AuthServer
from fileuploader.auth.v1 import auth_pb2, auth_pb2_grpc
from fileuploader.events.v1 import file_events_pb2

pytestmark = pytest.mark.integration

Stub = auth_pb2_grpc.AuthServiceStub
T0 = datetime(2026, 2, 3, 4, 5, 6, 789000, tzinfo=UTC)


def timestamp(moment: datetime) -> Timestamp:
    value = Timestamp()
    value.FromDatetime(moment)
    return value


def uploaded(file_url: str, owner: str, created_at: datetime = T0) -> bytes:
    return file_events_pb2.FileUploaded(
        event_id=f"up-{file_url}",
        occurred_at=timestamp(created_at),
        file_url=file_url,
        owner_account_id=owner,
        delete_key=f"key-{file_url}",
        ext=".txt",
        user_filename=f"{file_url}.txt",
        size=len(file_url),
        sha256="0" * 64,
        created_at=timestamp(created_at),
    ).SerializeToString()


def deleted(file_url: str, owner: str) -> bytes:
    return file_events_pb2.FileDeleted(
        event_id=f"del-{file_url}",
        occurred_at=timestamp(T0 + timedelta(days=1)),
        file_url=file_url,
        owner_account_id=owner,
    ).SerializeToString()


async def register(stub: Stub, username: str) -> auth_pb2.IssuedToken:
    return await stub.Register(auth_pb2.RegisterRequest(username=username, password="secret"))


async def file_urls(stub: Stub, issued: auth_pb2.IssuedToken) -> list[str]:
    listing = await stub.ListAccountFiles(auth_pb2.ListAccountFilesRequest(access_token=issued.access_token))
    return [file.file_url for file in listing.files]


async def test_list_account_files_reflects_events_published_just_before(
    stub: Stub, publisher, auth_server: AuthServer
) -> None:
    alice, bob = await register(stub, "alice"), await register(stub, "bob")
    a, b = alice.account.account_id, bob.account.account_id
    for subject, payload, message_id in [
        ("files.uploaded", uploaded("f1", a, T0), "e1"),
        ("files.uploaded", uploaded("f1", a, T0), "e1"),
        ("files.uploaded", uploaded("f1", a, T0 + timedelta(days=9)), "e1-published-again"),
        ("files.deleted", deleted("f2", a), "e2"),
        ("files.uploaded", uploaded("f2", a, T0 + timedelta(days=2)), "e3"),
        ("files.uploaded", b"\xff\xfe not a protobuf", "e-garbage"),
        ("files.renamed", deleted("f1", a), "e-unknown-subject"),
        ("files.uploaded", uploaded("f4", ""), "e-anonymous"),
        ("files.uploaded", uploaded("f5", b), "e5"),
        ("files.uploaded", uploaded("f3", a, T0 + timedelta(hours=1)), "e6"),
    ]:
        await publisher.publish(subject, payload, message_id)

    started = time.monotonic()
    listing = await stub.ListAccountFiles(auth_pb2.ListAccountFilesRequest(access_token=alice.access_token))

    assert time.monotonic() - started < 1.0, "waited for the catch-up timeout instead of the consumer"
    assert listing.account == alice.account
    assert [file.file_url for file in listing.files] == ["f3", "f1"]
    assert listing.files[1] == auth_pb2.AccountFile(
        file_url="f1",
        delete_key="key-f1",
        ext=".txt",
        user_filename="f1.txt",
        size=2,
        created_at=timestamp(T0),
    )
    assert await file_urls(stub, bob) == ["f5"]


async def test_list_account_files_reflects_a_delete_published_just_before(stub: Stub, publisher) -> None:
    alice = await register(stub, "alice")
    await publisher.publish("files.uploaded", uploaded("f1", alice.account.account_id), "e1")
    assert await file_urls(stub, alice) == ["f1"]

    await publisher.publish("files.deleted", deleted("f1", alice.account.account_id), "e2")

    assert await file_urls(stub, alice) == []


async def test_a_batch_of_uploads_is_listed_with_a_delete_published_after_it(stub: Stub, publisher) -> None:
    alice, bob = await register(stub, "alice"), await register(stub, "bob")
    a, b = alice.account.account_id, bob.account.account_id
    batch = file_events_pb2.FileUploadedBatch(
        events=[
            file_events_pb2.FileUploaded.FromString(uploaded(file_url, owner, T0 + timedelta(minutes=minute)))
            for minute, (file_url, owner) in enumerate([("f1", a), ("anon", ""), ("f2", b), ("f3", a)])
        ]
    )
    await publisher.publish("files.uploaded.batch", batch.SerializeToString(), "batch-1")
    await publisher.publish("files.deleted", deleted("f1", a), "e2")

    assert await file_urls(stub, alice) == ["f3"]
    assert await file_urls(stub, bob) == ["f2"]


async def test_list_account_files_resumes_after_nats_restarts(
    stub: Stub, publisher, nats_server, eventually
) -> None:
    alice = await register(stub, "alice")
    await publisher.publish("files.uploaded", uploaded("before", alice.account.account_id), "e1")
    assert await file_urls(stub, alice) == ["before"]

    nats_server.stop()
    nats_server.start()
    await publisher.reconnect()
    await publisher.publish(
        "files.uploaded", uploaded("after", alice.account.account_id, T0 + timedelta(1)), "e2"
    )

    async def listed_after_restart() -> bool:
        return await file_urls(stub, alice) == ["after", "before"]

    await eventually(listed_after_restart, timeout=15)


async def test_list_account_files_serves_the_list_as_it_stands_while_nats_is_down(
    stub: Stub, publisher, nats_server, eventually, auth_server: AuthServer
) -> None:
    alice = await register(stub, "alice")
    await publisher.publish("files.uploaded", uploaded("f1", alice.account.account_id), "e1")
    assert await file_urls(stub, alice) == ["f1"]

    nats_server.stop()
    await eventually(lambda: not auth_server.app.consumer.is_consuming)
    started = time.monotonic()

    assert await file_urls(stub, alice) == ["f1"]
    assert time.monotonic() - started < 1.0


async def test_list_account_files_fails_token_not_found_for_a_logged_out_token(stub: Stub, rpc_error) -> None:
    alice = await register(stub, "alice")
    await stub.Logout(auth_pb2.LogoutRequest(access_token=alice.access_token))

    call = stub.ListAccountFiles(auth_pb2.ListAccountFilesRequest(access_token=alice.access_token))

    assert await rpc_error(call) == (grpc.StatusCode.UNAUTHENTICATED, "TOKEN_NOT_FOUND")


def limited_upload(file_url: str, owner: str, expires_at: datetime, max_downloads: int | None) -> bytes:
    event = file_events_pb2.FileUploaded.FromString(uploaded(file_url, owner))
    event.expires_at.CopyFrom(timestamp(expires_at))
    if max_downloads is not None:
        event.max_downloads = max_downloads
    return event.SerializeToString()


async def test_a_listing_shows_each_files_limits_and_leaves_out_the_expired_ones(
    stub: Stub, publisher
) -> None:
    alice = await register(stub, "alice")
    a = alice.account.account_id
    later = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    await publisher.publish("files.uploaded", limited_upload("f1", a, later, 3), "e1")
    await publisher.publish("files.uploaded", limited_upload("f2", a, later - timedelta(days=2), None), "e2")
    await publisher.publish("files.uploaded", uploaded("f3", a), "e3")

    listing = await stub.ListAccountFiles(auth_pb2.ListAccountFilesRequest(access_token=alice.access_token))

    assert {
        file.file_url: (
            file.expires_at.ToDatetime(tzinfo=UTC) if file.HasField("expires_at") else None,
            file.max_downloads if file.HasField("max_downloads") else None,
        )
        for file in listing.files
    } == {"f1": (later, 3), "f3": (None, None)}
