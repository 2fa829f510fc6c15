"""NatsFileEventConsumer against a real nats-server, with a recording handler in place of the read model."""

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable

import nats
import pytest
from nats.js.api import AckPolicy, DeliverPolicy, StorageType

from auth_service.adapters.jetstream import EventStreamConfig
from auth_service.domain.errors import UnprocessableEvent
from auth_service.entrypoints.file_event_consumer import NatsFileEventConsumer
from fileuploader_runtime.nats.connection import NatsConnection
from fileuploader_runtime.nats.event_stream import EventStream

pytestmark = pytest.mark.integration


def nats_connection(url: str, config: EventStreamConfig) -> NatsConnection:
    return NatsConnection(url, config.stream, retry_seconds=0.5, request_timeout=2.0)


CONFIG = EventStreamConfig(EventStream("FILE_EVENTS", "files"), "auth-account-files")


class RecordingHandler:
    """Records every delivery; fails the first `failures` deliveries of a payload with `error`."""

    def __init__(self, failures: int = 0, error: Exception | None = None) -> None:
        self.deliveries: list[tuple[str, bytes]] = []
        self._failures = failures
        self._error = error

    async def __call__(self, subject: str, payload: bytes) -> None:
        self.deliveries.append((subject, payload))
        if self._error is not None and self.deliveries.count((subject, payload)) <= self._failures:
            raise self._error


@pytest.fixture
async def make_consumer(nats_server) -> AsyncIterator[Callable[[RecordingHandler], NatsFileEventConsumer]]:
    consumers: list[NatsFileEventConsumer] = []

    def make(handler: RecordingHandler) -> NatsFileEventConsumer:
        consumer = NatsFileEventConsumer(
            connection=nats_connection(nats_server.url, CONFIG),
            config=CONFIG,
            handler=handler,
            redelivery_delay=0.05,
        )
        consumers.append(consumer)
        consumer.start()
        return consumer

    yield make
    for consumer in consumers:
        await consumer.close()


@pytest.fixture
async def js(nats_server) -> AsyncIterator[nats.js.JetStreamContext]:
    client = await nats.connect(nats_server.url)
    yield client.jetstream()
    await client.close()


async def consuming(consumer: NatsFileEventConsumer, eventually) -> NatsFileEventConsumer:
    await eventually(lambda: consumer.is_consuming)
    return consumer


async def test_consumer_creates_the_stream_and_durable_consumer_when_missing(
    make_consumer, js, eventually
) -> None:
    await consuming(make_consumer(RecordingHandler()), eventually)

    stream = (await js.stream_info("FILE_EVENTS")).config
    durable = (await js.consumer_info("FILE_EVENTS", "auth-account-files")).config
    assert (stream.subjects, stream.storage, stream.duplicate_window) == (
        ["files.>"],
        StorageType.FILE,
        120.0,
    )
    assert (durable.filter_subject, durable.ack_policy, durable.ack_wait, durable.deliver_policy) == (
        "files.>",
        AckPolicy.EXPLICIT,
        30.0,
        DeliverPolicy.ALL,
    )


async def test_consumer_logs_the_nats_url_without_its_credentials(nats_server, eventually, caplog) -> None:
    caplog.set_level(logging.INFO)
    with_password = nats_server.url.replace("nats://", "nats://fileuploader:s3cret-password@")
    consumer = NatsFileEventConsumer(
        connection=nats_connection(with_password, CONFIG), config=CONFIG, handler=RecordingHandler()
    )
    consumer.start()
    try:
        await consuming(consumer, eventually)
    finally:
        await consumer.close()

    assert f"connected to NATS at {nats_server.url}" in caplog.text
    assert "s3cret-password" not in caplog.text


async def test_consumer_leaves_an_existing_stream_as_it_is(make_consumer, js, eventually) -> None:
    await js.add_stream(name="FILE_EVENTS", subjects=["files.>"], max_msgs=1000, duplicate_window=60)

    await consuming(make_consumer(RecordingHandler()), eventually)

    stream = (await js.stream_info("FILE_EVENTS")).config
    assert (stream.max_msgs, stream.duplicate_window, stream.storage) == (1000, 60.0, StorageType.FILE)


async def test_consumer_applies_events_published_before_it_started(make_consumer, js, eventually) -> None:
    await js.add_stream(name="FILE_EVENTS", subjects=["files.>"])
    await js.publish("files.uploaded", b"early")

    handler = RecordingHandler()
    consumer = await consuming(make_consumer(handler), eventually)
    await consumer.wait_until_caught_up(timeout=5)

    assert handler.deliveries == [("files.uploaded", b"early")]


async def test_consumer_redelivers_an_event_whose_handler_failed(make_consumer, js, eventually) -> None:
    handler = RecordingHandler(failures=2, error=RuntimeError("database is down"))
    consumer = await consuming(make_consumer(handler), eventually)

    await js.publish("files.uploaded", b"event")
    await consumer.wait_until_caught_up(timeout=5)

    assert handler.deliveries == [("files.uploaded", b"event")] * 3


async def test_consumer_drops_an_unprocessable_event_and_goes_on(make_consumer, js, eventually) -> None:
    handler = RecordingHandler(failures=1, error=UnprocessableEvent("garbage"))
    consumer = await consuming(make_consumer(handler), eventually)

    await js.publish("files.uploaded", b"garbage")
    await js.publish("files.deleted", b"next")
    started = time.monotonic()
    await consumer.wait_until_caught_up(timeout=5)

    assert time.monotonic() - started < 2.5
    assert handler.deliveries == [("files.uploaded", b"garbage"), ("files.deleted", b"next")]


async def test_wait_until_caught_up_gives_up_after_the_timeout(make_consumer, js, eventually) -> None:
    handler = RecordingHandler(failures=1000, error=RuntimeError("database is down"))
    consumer = await consuming(make_consumer(handler), eventually)
    await js.publish("files.uploaded", b"never applied")

    started = time.monotonic()
    await consumer.wait_until_caught_up(timeout=0.3)

    assert 0.3 <= time.monotonic() - started < 1.5


class SlowHandler(RecordingHandler):
    async def __call__(self, subject: str, payload: bytes) -> None:
        await asyncio.sleep(0.005)
        await super().__call__(subject, payload)


async def test_concurrent_waiters_each_see_every_event_published_before_they_asked(
    make_consumer, js, eventually
) -> None:
    handler = SlowHandler()
    consumer = await consuming(make_consumer(handler), eventually)

    async def publish_then_read(n: int) -> bool:
        await asyncio.sleep(n * 0.003)
        payload = f"event-{n}".encode()
        await js.publish("files.uploaded", payload)
        await consumer.wait_until_caught_up(timeout=10)
        return ("files.uploaded", payload) in handler.deliveries

    assert all(await asyncio.gather(*(publish_then_read(n) for n in range(40))))


async def test_replicas_share_the_durable_consumer(make_consumer, js, eventually) -> None:
    first, second = RecordingHandler(), RecordingHandler()
    await consuming(make_consumer(first), eventually)
    consumer = await consuming(make_consumer(second), eventually)

    payloads = [f"event-{n}".encode() for n in range(40)]
    await asyncio.gather(*(js.publish("files.uploaded", payload) for payload in payloads))
    await consumer.wait_until_caught_up(timeout=5)

    delivered = [payload for _, payload in first.deliveries + second.deliveries]
    assert sorted(delivered) == sorted(payloads)


async def test_stream_created_on_a_cluster_gets_the_configured_replicas(nats_cluster) -> None:
    config = EventStreamConfig(EventStream("FILE_EVENTS", "files", replicas=3), "auth-account-files")
    consumer = NatsFileEventConsumer(
        connection=nats_connection(nats_cluster.url, config), config=config, handler=RecordingHandler()
    )
    consumer.start()
    try:
        deadline = time.monotonic() + 20
        while not consumer.is_consuming:
            assert time.monotonic() < deadline, "the consumer never subscribed"
            await asyncio.sleep(0.05)
    finally:
        await consumer.close()

    client = await nats.connect(nats_cluster.url)
    try:
        info = await client.jetstream().stream_info("FILE_EVENTS")
    finally:
        await client.close()
    assert info.config.num_replicas == 3 and len(info.cluster.replicas) == 2
