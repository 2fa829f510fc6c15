import asyncio

import pytest
from prometheus_client import CollectorRegistry

from files_service.adapters.nats_publisher import NatsEventPublisher
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
        connection, STREAM, timeout_seconds, published=metrics.published, failures=metrics.publish_failures
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


async def _outbox_is_empty(application) -> bool:
    async with application.uow_factory() as uow:
        return await uow.outbox.oldest(1) == []
