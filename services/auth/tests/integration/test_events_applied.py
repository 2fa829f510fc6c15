"""JetStreamEventsApplied: whether auth's durable consumer has applied the stream, asked from outside."""

import time
from collections.abc import AsyncIterator

import pytest

from auth_service.adapters.events_applied import JetStreamEventsApplied
from auth_service.adapters.jetstream import EventStreamConfig
from auth_service.adapters.nats_consumer import NatsFileEventConsumer

pytestmark = pytest.mark.integration

CONFIG = EventStreamConfig(stream="FILE_EVENTS", subject_prefix="files", durable="auth-account-files")


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
    consumer = NatsFileEventConsumer(url=nats_server.url, config=CONFIG, handler=ignore)
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
