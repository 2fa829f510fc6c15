import asyncio

import pytest
from prometheus_client import CollectorRegistry

from files_service.adapters.nats_publisher import MAX_EVENTS_PER_BATCH, NatsEventPublisher
from files_service.bootstrap import bootstrap
from files_service.domain.model import UploadRequest
from files_service.domain.ports import OutboxMessage, PublishFailed
from files_service.metrics import EventMetrics
from fileuploader.events.v1 import file_events_pb2
from fileuploader_runtime.nats.connection import NatsConnection
from fileuploader_runtime.nats.event_stream import EventStream

pytestmark = pytest.mark.integration

STREAM = "FILE_EVENTS"


def publisher_of(connection: NatsConnection, timeout_seconds: float, metrics: EventMetrics | None = None):
    metrics = metrics or EventMetrics.register(CollectorRegistry())
    return NatsEventPublisher(
        connection,
        STREAM,
        timeout_seconds,
        published=metrics.published,
        failures=metrics.publish_failures,
        subject_prefix="files",
    )


@pytest.fixture
async def connection(nats_server):
    nats_connection = NatsConnection(nats_server.url, EventStream(STREAM, "files"), retry_seconds=0.2)
    nats_connection.start()
    async with asyncio.timeout(10):
        await nats_connection.wait_ready()
    yield nats_connection
    await nats_connection.close()


async def eventually(condition, timeout: float = 15.0) -> None:
    async with asyncio.timeout(timeout):
        while not await condition():
            await asyncio.sleep(0.05)


async def test_publish_twice_with_one_event_id_is_deduplicated(connection, stream_reader):
    publisher = publisher_of(connection, timeout_seconds=2)
    message = OutboxMessage(event_id="event-1", subject="files.uploaded", payload=b"payload")

    await publisher.publish(message)
    await publisher.publish(message)

    stored = await stream_reader.messages()
    assert [(m.subject, m.data, m.headers["Nats-Msg-Id"]) for m in stored] == [
        ("files.uploaded", b"payload", "event-1")
    ]


def uploaded(number: int) -> OutboxMessage:
    event = file_events_pb2.FileUploaded(event_id=f"up-{number}", file_url=f"file{number}")
    return OutboxMessage(event.event_id, "files.uploaded", event.SerializeToString())


def deleted(number: int) -> OutboxMessage:
    event = file_events_pb2.FileDeleted(event_id=f"del-{number}", file_url=f"file{number}")
    return OutboxMessage(event.event_id, "files.deleted", event.SerializeToString())


def batch_event_ids(data: bytes) -> list[str]:
    return [event.event_id for event in file_events_pb2.FileUploadedBatch.FromString(data).events]


async def test_consecutive_uploads_go_as_one_batch_and_any_other_event_alone(connection, stream_reader):
    registry = CollectorRegistry()
    publisher = publisher_of(connection, timeout_seconds=2, metrics=EventMetrics.register(registry))
    messages = [uploaded(1), uploaded(2), deleted(1), uploaded(3), deleted(2), uploaded(4), uploaded(5)]

    outcomes = await publisher.publish_all(messages)

    assert outcomes == [None] * len(messages)
    stored = await stream_reader.messages()
    assert [m.subject for m in stored] == [
        "files.uploaded.batch",
        "files.deleted",
        "files.uploaded",
        "files.deleted",
        "files.uploaded.batch",
    ]
    assert batch_event_ids(stored[0].data) == ["up-1", "up-2"]
    assert batch_event_ids(stored[4].data) == ["up-4", "up-5"]
    batch = file_events_pb2.FileUploadedBatch.FromString(stored[0].data)
    assert [event.SerializeToString() for event in batch.events] == [uploaded(1).payload, uploaded(2).payload]
    assert [m.headers["Nats-Msg-Id"] for m in stored[1:4]] == ["del-1", "up-3", "del-2"]
    assert stored[0].headers["Nats-Msg-Id"] != stored[4].headers["Nats-Msg-Id"]
    assert registry.get_sample_value("fileuploader_events_published_total") == len(messages)


async def test_a_batch_published_again_is_deduplicated_and_one_more_event_makes_a_new_message(
    connection, stream_reader
):
    publisher = publisher_of(connection, timeout_seconds=2)

    await publisher.publish_all([uploaded(1), uploaded(2)])
    await publisher.publish_all([uploaded(1), uploaded(2)])  # its ack was lost: the relay sends it again
    await publisher.publish_all([uploaded(1), uploaded(2), uploaded(3)])

    stored = await stream_reader.messages()
    assert [batch_event_ids(m.data) for m in stored] == [["up-1", "up-2"], ["up-1", "up-2", "up-3"]]


async def test_a_long_run_of_uploads_is_split_into_bounded_batches(connection, stream_reader):
    publisher = publisher_of(connection, timeout_seconds=2)

    await publisher.publish_all([uploaded(number) for number in range(MAX_EVENTS_PER_BATCH + 5)])

    stored = await stream_reader.messages()
    assert [len(batch_event_ids(m.data)) for m in stored] == [MAX_EVENTS_PER_BATCH, 5]


async def test_every_event_of_a_batch_fails_with_it_while_nats_is_down(nats_server):
    registry = CollectorRegistry()
    never_started = NatsConnection(nats_server.url, EventStream(STREAM, "files"))
    publisher = publisher_of(never_started, timeout_seconds=2, metrics=EventMetrics.register(registry))

    outcomes = await publisher.publish_all([uploaded(1), uploaded(2), deleted(1)])

    assert [type(outcome) for outcome in outcomes] == [PublishFailed] * 3
    assert registry.get_sample_value("fileuploader_event_publish_failures_total") == 3


async def test_publish_before_connecting_fails_at_once(nats_server):
    never_started = NatsConnection(nats_server.url, EventStream(STREAM, "files"))

    with pytest.raises(PublishFailed):
        await publisher_of(never_started, timeout_seconds=2).publish(
            OutboxMessage("event-1", "files.uploaded", b"x")
        )


async def test_publish_while_nats_is_down_fails_without_waiting_for_the_timeout(connection, nats_server):
    registry = CollectorRegistry()
    publisher = publisher_of(connection, timeout_seconds=5, metrics=EventMetrics.register(registry))
    await publisher.publish(OutboxMessage("event-0", "files.uploaded", b"x"))
    nats_server.stop()

    async def disconnected() -> bool:
        return connection.jetstream is None

    await eventually(disconnected, timeout=5)
    started = asyncio.get_running_loop().time()
    with pytest.raises(PublishFailed):
        await publisher.publish(OutboxMessage("event-1", "files.uploaded", b"x"))
    assert asyncio.get_running_loop().time() - started < 0.5
    assert registry.get_sample_value("fileuploader_events_published_total") == 1
    assert registry.get_sample_value("fileuploader_event_publish_failures_total") == 1


async def test_upload_while_nats_is_down_is_published_by_the_relay_once_it_is_back(
    nats_server, stream_reader, make_settings, make_chunks
):
    application = await bootstrap(make_settings(nats_url=nats_server.url))
    try:
        async with asyncio.timeout(10):
            await application.nats.wait_ready()
        nats_server.stop()

        stored = await application.service.upload_file(
            UploadRequest("notes.txt", include_ext=False, owner_account_id="acc-1"), make_chunks(b"hello")
        )
        async with application.uow_factory() as uow:
            pending = await uow.outbox.oldest(10)
        assert [message.subject for message in pending] == ["files.uploaded"]

        nats_server.start()

        async def published() -> bool:
            return len(await stream_reader.messages()) == 1

        await eventually(published)
        await eventually(lambda: _outbox_is_empty(application))
    finally:
        await application.close()

    (message,) = await stream_reader.messages()
    event = file_events_pb2.FileUploaded.FromString(message.data)
    assert (event.file_url, event.owner_account_id, event.delete_key) == (
        stored.file_url,
        "acc-1",
        stored.delete_key,
    )
    assert message.headers["Nats-Msg-Id"] == event.event_id == pending[0].event_id


async def test_uploads_kept_while_nats_was_down_reach_the_stream_as_one_batch_oldest_first(
    nats_server, stream_reader, make_settings, make_chunks
):
    application = await bootstrap(make_settings(nats_url=nats_server.url))
    try:
        async with asyncio.timeout(10):
            await application.nats.wait_ready()
        nats_server.stop()
        stored = [
            await application.service.upload_file(
                UploadRequest(f"notes{number}.txt", include_ext=False, owner_account_id=""),
                make_chunks(b"hello %d" % number),
            )
            for number in range(3)
        ]
        nats_server.start()

        await eventually(lambda: _outbox_is_empty(application))
    finally:
        await application.close()

    (message,) = await stream_reader.messages()
    assert message.subject == "files.uploaded.batch"
    events = file_events_pb2.FileUploadedBatch.FromString(message.data).events
    assert [event.file_url for event in events] == [file.file_url for file in stored]


async def _outbox_is_empty(application) -> bool:
    async with application.uow_factory() as uow:
        return await uow.outbox.oldest(1) == []
