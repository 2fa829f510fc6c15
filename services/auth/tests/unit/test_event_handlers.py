from datetime import UTC, datetime

import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from prometheus_client import CollectorRegistry

from auth_service.domain.account_files import FileDeleted, FileUploaded
from auth_service.domain.errors import UnprocessableEvent
from auth_service.entrypoints.event_handlers import FileEventHandler
from auth_service.metrics import EventMetrics
from auth_service.service import AccountFilesProjection
from fileuploader.events.v1 import file_events_pb2

CREATED = datetime(2026, 3, 4, 5, 6, 7, 890000, tzinfo=UTC)


def timestamp(moment: datetime) -> Timestamp:
    value = Timestamp()
    value.FromDatetime(moment)
    return value


@pytest.fixture
def registry() -> CollectorRegistry:
    return CollectorRegistry()


@pytest.fixture
def handler(projection: AccountFilesProjection, registry: CollectorRegistry) -> FileEventHandler:
    return FileEventHandler(projection, "files", EventMetrics.register(registry).applied)


def applied(registry: CollectorRegistry, kind: str, outcome: str) -> float | None:
    return registry.get_sample_value("fileuploader_events_applied_total", {"kind": kind, "outcome": outcome})


def test_decode_turns_an_uploaded_payload_into_the_domain_event(handler: FileEventHandler) -> None:
    payload = file_events_pb2.FileUploaded(
        event_id="e1",
        file_url="abc",
        owner_account_id="acc",
        delete_key="k",
        ext=".png",
        user_filename="cat.png",
        size=7,
        sha256="00",
        created_at=timestamp(CREATED),
    ).SerializeToString()

    assert handler.decode("files.uploaded", payload) == FileUploaded(
        "abc", "acc", "k", ".png", "cat.png", 7, CREATED
    )


def test_decode_turns_a_deleted_payload_into_the_domain_event(handler: FileEventHandler) -> None:
    payload = file_events_pb2.FileDeleted(
        event_id="e2", file_url="abc", owner_account_id="acc", occurred_at=timestamp(CREATED)
    ).SerializeToString()

    assert handler.decode("files.deleted", payload) == FileDeleted("abc", "acc", CREATED)


def test_decode_falls_back_to_occurred_at_when_created_at_is_unset(handler: FileEventHandler) -> None:
    payload = file_events_pb2.FileUploaded(file_url="abc", occurred_at=timestamp(CREATED)).SerializeToString()

    assert handler.decode("files.uploaded", payload).created_at == CREATED


@pytest.mark.parametrize(
    ("subject", "payload"),
    [
        ("files.uploaded", b"\xff\xff\xff garbage"),
        ("files.deleted", b"\x0a\x05ab"),
        ("files.renamed", file_events_pb2.FileDeleted(file_url="abc").SerializeToString()),
        ("files.uploaded", b""),
    ],
    ids=["garbage", "truncated", "unknown-subject", "no-file-url"],
)
def test_decode_raises_unprocessable_when_the_event_cannot_be_applied(
    handler: FileEventHandler, subject: str, payload: bytes
) -> None:
    with pytest.raises(UnprocessableEvent):
        handler.decode(subject, payload)


async def test_handler_applies_the_decoded_event(
    handler: FileEventHandler, database, registry: CollectorRegistry
) -> None:
    payload = file_events_pb2.FileUploaded(file_url="abc", owner_account_id="acc").SerializeToString()

    await handler("files.uploaded", payload)

    assert database.tables.files["abc"].account_id == "acc"
    assert applied(registry, "uploaded", "applied") == 1


@pytest.mark.parametrize(("subject", "kind"), [("files.deleted", "deleted"), ("files.renamed", "unknown")])
async def test_handler_counts_an_undecodable_event_as_dropped(
    handler: FileEventHandler, registry: CollectorRegistry, subject: str, kind: str
) -> None:
    with pytest.raises(UnprocessableEvent):
        await handler(subject, b"\xff\xff garbage")

    assert applied(registry, kind, "dropped") == 1


async def test_handler_counts_an_event_it_could_not_store_as_failed(
    registry: CollectorRegistry, projection: AccountFilesProjection, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def unavailable(event: object) -> None:
        raise ConnectionError("database down")

    monkeypatch.setattr(projection, "apply", unavailable)
    handler = FileEventHandler(projection, "files", EventMetrics.register(registry).applied)
    payload = file_events_pb2.FileDeleted(file_url="abc", owner_account_id="acc").SerializeToString()

    with pytest.raises(ConnectionError):
        await handler("files.deleted", payload)

    assert applied(registry, "deleted", "failed") == 1 and applied(registry, "deleted", "applied") is None


def batch_of(*uploads: file_events_pb2.FileUploaded) -> bytes:
    return file_events_pb2.FileUploadedBatch(events=uploads).SerializeToString()


async def test_a_batch_applies_its_owned_uploads_in_one_transaction(
    handler: FileEventHandler, database, registry: CollectorRegistry
) -> None:
    payload = batch_of(
        file_events_pb2.FileUploaded(file_url="one", owner_account_id="acc"),
        file_events_pb2.FileUploaded(file_url="anonymous"),
        file_events_pb2.FileUploaded(file_url="two", owner_account_id="acc"),
    )

    await handler("files.uploaded.batch", payload)

    assert sorted(database.tables.files) == ["one", "two"]
    assert database.commits == 1
    assert applied(registry, "uploaded", "applied") == 3


async def test_an_upload_without_a_file_url_is_dropped_from_its_batch_alone(
    handler: FileEventHandler, database, registry: CollectorRegistry
) -> None:
    payload = batch_of(
        file_events_pb2.FileUploaded(owner_account_id="acc"),
        file_events_pb2.FileUploaded(file_url="kept", owner_account_id="acc"),
    )

    await handler("files.uploaded.batch", payload)

    assert list(database.tables.files) == ["kept"]
    assert applied(registry, "uploaded", "dropped") == 1 and applied(registry, "uploaded", "applied") == 1


async def test_an_undecodable_batch_is_dropped_whole(
    handler: FileEventHandler, registry: CollectorRegistry
) -> None:
    with pytest.raises(UnprocessableEvent):
        await handler("files.uploaded.batch", b"\x0a\x05ab")

    assert applied(registry, "uploaded", "dropped") == 1


async def test_a_batch_that_cannot_be_stored_fails_whole_for_redelivery(
    registry: CollectorRegistry, projection: AccountFilesProjection, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def unavailable(uploads: object) -> None:
        raise ConnectionError("database down")

    monkeypatch.setattr(projection, "apply_uploads", unavailable)
    handler = FileEventHandler(projection, "files", EventMetrics.register(registry).applied)
    payload = batch_of(
        file_events_pb2.FileUploaded(file_url="one", owner_account_id="acc"),
        file_events_pb2.FileUploaded(file_url="two", owner_account_id="acc"),
    )

    with pytest.raises(ConnectionError):
        await handler("files.uploaded.batch", payload)

    assert applied(registry, "uploaded", "failed") == 2 and applied(registry, "uploaded", "applied") is None
