import asyncio

import nats
import pytest
from nats.js.api import StorageType
from nats.js.errors import NotFoundError
from prometheus_client import CollectorRegistry

from files_service.adapters.nats_connection import NatsConnection, ensure_stream
from files_service.adapters.nats_publisher import NatsEventPublisher
from files_service.bootstrap import bootstrap
from files_service.domain.model import UploadRequest
from files_service.domain.ports import OutboxMessage, PublishFailed
from files_service.metrics import EventMetrics
from fileuploader.events.v1 import file_events_pb2

pytestmark = pytest.mark.integration

STREAM = "FILE_EVENTS"


def publisher_of(connection: NatsConnection, timeout_seconds: float, metrics: EventMetrics | None = None):
    metrics = metrics or EventMetrics.register(CollectorRegistry())
    return NatsEventPublisher(connection, STREAM, timeout_seconds, published=metrics.published,
                              failures=metrics.publish_failures)


@pytest.fixture
async def connection(nats_server):
    nats_connection = NatsConnection(nats_server.url, STREAM, ["files.>"], retry_seconds=0.2)
    nats_connection.start()
    async with asyncio.timeout(10):
        await nats_connection.wait_ready()
    yield nats_connection
    await nats_connection.close()


async def eventually(condition, timeout: float = 15.0) -> None:
    async with asyncio.timeout(timeout):
        while not await condition():
            await asyncio.sleep(0.05)


async def test_connection_creates_the_stream_for_the_subject_prefix(connection, stream_reader):
    info = await stream_reader.jetstream.stream_info(STREAM)

    assert info.config.subjects == ["files.>"]
    assert info.config.storage == StorageType.FILE and info.config.duplicate_window == 120


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
    never_started = NatsConnection(nats_server.url, STREAM, ["files.>"])

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


async def test_ensure_stream_never_modifies_an_existing_stream(nats_server, stream_reader):
    await stream_reader.jetstream.add_stream(name=STREAM, subjects=["files.>", "other.>"], max_msgs=1000)

    async with asyncio.timeout(10):
        nats_connection = NatsConnection(nats_server.url, STREAM, ["files.>"], retry_seconds=0.2)
        nats_connection.start()
        await nats_connection.wait_ready()
    await nats_connection.close()

    info = await stream_reader.jetstream.stream_info(STREAM)
    assert info.config.subjects == ["files.>", "other.>"] and info.config.max_msgs == 1000


async def test_ensure_stream_tolerates_a_stream_created_meanwhile(stream_reader, monkeypatch):
    jetstream = stream_reader.jetstream
    await jetstream.add_stream(name=STREAM, subjects=["files.>"], max_msgs=1000)

    async def not_found_yet(name, subjects_filter=None):
        raise NotFoundError(code=404, err_code=10059, description="stream not found")

    monkeypatch.setattr(jetstream, "stream_info", not_found_yet)
    await ensure_stream(jetstream, STREAM, ["files.>"])
    monkeypatch.undo()

    assert (await jetstream.stream_info(STREAM)).config.max_msgs == 1000


async def test_connection_starts_while_nats_is_down_and_connects_when_it_comes_up(nats_server):
    nats_server.stop()
    nats_connection = NatsConnection(nats_server.url, STREAM, ["files.>"], retry_seconds=0.2)
    nats_connection.start()
    try:
        await asyncio.sleep(0.5)
        assert nats_connection.jetstream is None
        nats_server.start()
        async with asyncio.timeout(10):
            await nats_connection.wait_ready()
        assert nats_connection.jetstream is not None
    finally:
        await nats_connection.close()


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


async def test_stream_created_on_a_cluster_gets_the_configured_replicas(nats_cluster):
    nats_connection = NatsConnection(
        nats_cluster.url, STREAM, ["files.>"], retry_seconds=0.2, stream_replicas=3
    )
    nats_connection.start()
    try:
        async with asyncio.timeout(20):
            await nats_connection.wait_ready()
    finally:
        await nats_connection.close()

    client = await nats.connect(nats_cluster.url)
    try:
        info = await client.jetstream().stream_info(STREAM)
    finally:
        await client.close()
    assert info.config.num_replicas == 3 and len(info.cluster.replicas) == 2
