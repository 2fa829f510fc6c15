"""The NATS connection and the event stream's definition, against a real nats-server."""

import asyncio

import nats
import pytest
from nats.js.api import RetentionPolicy, StorageType
from nats.js.errors import NotFoundError

from fileuploader_runtime.nats.connection import NatsConnection
from fileuploader_runtime.nats.event_stream import DUPLICATE_WINDOW_SECONDS, EventStream, ensure_stream

pytestmark = pytest.mark.integration

STREAM = EventStream("FILE_EVENTS", "files")


@pytest.fixture
async def jetstream(nats_server):
    """A separate client, to see what the connection made."""
    client = await nats.connect(nats_server.url, max_reconnect_attempts=-1, reconnect_time_wait=0.2)
    yield client.jetstream()
    await client.close()


async def connected(url: str, stream: EventStream = STREAM, timeout: float = 10) -> NatsConnection:
    connection = NatsConnection(url, stream, retry_seconds=0.2)
    connection.start()
    async with asyncio.timeout(timeout):
        await connection.wait_ready()
    return connection


async def test_connection_creates_the_stream_as_defined(nats_server, jetstream):
    connection = await connected(nats_server.url)
    await connection.close()

    config = (await jetstream.stream_info(STREAM.name)).config
    assert config.subjects == ["files.>"] and config.storage == StorageType.FILE
    assert config.duplicate_window == DUPLICATE_WINDOW_SECONDS == 120
    assert config.retention == RetentionPolicy.LIMITS and config.num_replicas == 1


async def test_an_existing_stream_is_never_modified(nats_server, jetstream):
    await jetstream.add_stream(name=STREAM.name, subjects=["files.>", "other.>"], max_msgs=1000)

    connection = await connected(nats_server.url)
    await connection.close()

    config = (await jetstream.stream_info(STREAM.name)).config
    assert config.subjects == ["files.>", "other.>"] and config.max_msgs == 1000


async def test_a_stream_created_meanwhile_by_another_service_is_tolerated(jetstream, monkeypatch):
    await jetstream.add_stream(name=STREAM.name, subjects=["files.>"], max_msgs=1000)

    async def not_found_yet(name, subjects_filter=None):
        raise NotFoundError(code=404, err_code=10059, description="stream not found")

    monkeypatch.setattr(jetstream, "stream_info", not_found_yet)
    await ensure_stream(jetstream, STREAM)
    monkeypatch.undo()

    assert (await jetstream.stream_info(STREAM.name)).config.max_msgs == 1000


async def test_a_stream_that_cannot_be_created_is_an_error(jetstream):
    await jetstream.add_stream(name="OTHER", subjects=["files.>"])

    with pytest.raises(nats.js.errors.APIError):
        await ensure_stream(jetstream, STREAM)  # its subjects overlap OTHER's


async def test_connection_starts_while_nats_is_down_and_connects_when_it_comes_up(nats_server):
    nats_server.stop()
    connection = NatsConnection(nats_server.url, STREAM, retry_seconds=0.2)
    connection.start()
    try:
        await asyncio.sleep(0.5)
        assert connection.jetstream is None and not connection.is_connected
        nats_server.start()
        async with asyncio.timeout(10):
            await connection.wait_ready()
        assert connection.jetstream is not None and connection.is_connected
    finally:
        await connection.close()


async def test_connection_is_none_while_nats_is_down_and_back_after(nats_server):
    connection = await connected(nats_server.url)
    try:
        nats_server.stop()
        async with asyncio.timeout(5):
            while connection.jetstream is not None:
                await asyncio.sleep(0.05)
        nats_server.start()
        async with asyncio.timeout(15):
            while connection.jetstream is None:
                await asyncio.sleep(0.05)
    finally:
        await connection.close()


async def test_stream_created_on_a_cluster_gets_the_configured_replicas(nats_cluster):
    replicated = EventStream("FILE_EVENTS", "files", replicas=3)
    connection = await connected(nats_cluster.url, replicated, timeout=20)
    await connection.close()

    client = await nats.connect(nats_cluster.url)
    try:
        info = await client.jetstream().stream_info(STREAM.name)
    finally:
        await client.close()
    assert info.config.num_replicas == 3 and len(info.cluster.replicas) == 2


async def test_closing_a_connection_whose_server_is_gone_does_not_fail(nats_server):
    connection = await connected(nats_server.url)
    nats_server.stop()

    async with asyncio.timeout(10):
        await connection.close()

    assert not connection.is_connected
