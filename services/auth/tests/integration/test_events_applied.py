"""JetStreamEventsApplied: whether auth's durable consumer has applied the stream, asked from outside."""

import time
from collections.abc import AsyncIterator

import pytest

from auth_service.adapters.events_applied import JetStreamEventsApplied
from auth_service.adapters.jetstream import EventStreamConfig
from auth_service.entrypoints.file_event_consumer import NatsFileEventConsumer
from fileuploader_runtime.nats.connection import NatsConnection
from fileuploader_runtime.nats.event_stream import EventStream

pytestmark = pytest.mark.integration


def nats_connection(url: str, config: EventStreamConfig) -> NatsConnection:
    return NatsConnection(url, config.stream, retry_seconds=0.5, request_timeout=2.0)


CONFIG = EventStreamConfig(EventStream("FILE_EVENTS", "files"), "auth-account-files")


@pytest.fixture
async def events_applied(nats_server) -> AsyncIterator[JetStreamEventsApplied]:
    progress = JetStreamEventsApplied(nats_server.url, CONFIG)
    yield progress
    await progress.close()


async def ignore(subject: str, payload: bytes) -> None:
    return None


async def test_events_are_applied_when_nothing_was_published(events_applied) -> None:
    assert await events_applied.wait_until_applied(timeout=5)


async def test_events_nobody_consumes_are_not_applied_within_the_timeout(events_applied, publisher) -> None:
    await publisher.publish("files.uploaded", b"event", "e1")

    started = time.monotonic()
    assert not await events_applied.wait_until_applied(timeout=0.3)
    assert time.monotonic() - started < 1.5


async def test_events_are_applied_once_the_consumer_acknowledged_them(
    events_applied, publisher, nats_server, eventually
) -> None:
    await publisher.publish("files.uploaded", b"event", "e1")
    consumer = NatsFileEventConsumer(
        connection=nats_connection(nats_server.url, CONFIG), config=CONFIG, handler=ignore
    )
    consumer.start()
    try:
        await eventually(lambda: consumer.is_consuming)
        assert await events_applied.wait_until_applied(timeout=5)
    finally:
        await consumer.close()


async def test_events_cannot_be_known_applied_when_nats_is_unreachable() -> None:
    progress = JetStreamEventsApplied("nats://127.0.0.1:1", CONFIG)
    try:
        started = time.monotonic()
        assert not await progress.wait_until_applied(timeout=5)
        assert time.monotonic() - started < 4
    finally:
        await progress.close()
