"""Real servers for the integration tests: the files service on port 0, a NATS client to inspect streams."""

import asyncio
import contextlib
from dataclasses import dataclass

import grpc
import nats
import pytest
from nats.js.errors import NotFoundError

from files_service.adapters.database import create_engine
from files_service.adapters.s3_blob_store import S3BlobStore
from files_service.adapters.s3_client import S3Connection, s3_client
from files_service.bootstrap import Application, bootstrap
from files_service.entrypoints.server import RunningServer, start_server
from files_service.settings import Settings
from fileuploader.files.v1 import files_pb2_grpc
from support.rpc_tokens import AUTH_TOKEN, GATEWAY_FILES_TOKEN, channel_with_tokens, files_caller_token

from .rpc_helpers import TEST_MAX_FILE_SIZE

STREAM = "FILE_EVENTS"
MIB = 1024 * 1024
S3_PART_SIZE = 5 * MIB  # the smallest S3 allows (SeaweedFS too), so that tests need few bytes for parts


@pytest.fixture
async def engine(database_url):
    """An engine of the test's database (SQLite or PostgreSQL), disposed after the test."""
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def make_settings(tmp_path):
    def make(nats_url: str = "nats://127.0.0.1:1", **overrides) -> Settings:
        values = {
            "listen_address": "127.0.0.1:0",
            "data_dir": tmp_path / "data",
            "nats_url": nats_url,
            "max_file_size": TEST_MAX_FILE_SIZE,
            "read_chunk_size": 16 * 1024,
            "publish_timeout_seconds": 0.5,
            "outbox_relay_interval_seconds": 0.1,
            "shutdown_grace_seconds": 0,
            "shutdown_delay_seconds": 0,
            "metrics_port": 0,
            "gateway_rpc_token": GATEWAY_FILES_TOKEN,
            "auth_rpc_token": AUTH_TOKEN,
            # These tests look at the blob store; test_inline_content.py covers small files kept in rows.
            "inline_max_bytes": 0,
        }
        return Settings(**(values | overrides))

    return make


@pytest.fixture
def s3_settings(seaweedfs, s3_bucket) -> dict:
    """Settings overrides that store in a fresh bucket of the session's SeaweedFS."""
    return {
        "storage_backend": "s3",
        "s3_endpoint_url": seaweedfs.endpoint_url,
        "s3_bucket": s3_bucket,
        "s3_access_key_id": seaweedfs.access_key_id,
        "s3_secret_access_key": seaweedfs.secret_access_key,
        "s3_part_size": S3_PART_SIZE,
    }


@pytest.fixture(params=["local", "s3"])
def storage_settings(request) -> dict:
    """Each test that takes it runs twice: on local disk and on S3 (a fresh SeaweedFS bucket)."""
    return request.getfixturevalue("s3_settings") if request.param == "s3" else {}


def s3_connection(seaweedfs, secret_access_key: str | None = None) -> S3Connection:
    return S3Connection(
        endpoint_url=seaweedfs.endpoint_url,
        region="us-east-1",
        addressing_style="path",
        access_key_id=seaweedfs.access_key_id,
        secret_access_key=secret_access_key or seaweedfs.secret_access_key,
    )


@pytest.fixture
async def make_s3_store(seaweedfs, s3_bucket):
    """make_s3_store(**options) -> an S3BlobStore of the fresh bucket (part size 5 MiB, 16 KiB reads)."""
    async with contextlib.AsyncExitStack() as connections:

        async def make(**options) -> S3BlobStore:
            client = await connections.enter_async_context(s3_client(s3_connection(seaweedfs)))
            values = {"part_size": S3_PART_SIZE, "read_chunk_size": 16 * 1024} | options
            store = S3BlobStore(client, s3_bucket, **values)
            connections.push_async_callback(store.wait_for_aborts)
            return store

        yield make


@dataclass
class FilesServer:
    settings: Settings
    running: RunningServer
    channel: grpc.aio.Channel
    stub: files_pb2_grpc.FilesServiceStub

    @property
    def application(self) -> Application:
        return self.running.application


@pytest.fixture
async def start_files_server():
    """start_files_server(settings) -> a FilesServer on a free port, stopped after the test."""
    started: list[FilesServer] = []

    async def start(settings: Settings) -> FilesServer:
        application = await bootstrap(settings)
        running = await start_server(settings, application)
        channel = channel_with_tokens(f"127.0.0.1:{running.port}", files_caller_token)
        server = FilesServer(settings, running, channel, files_pb2_grpc.FilesServiceStub(channel))
        started.append(server)
        return server

    yield start
    for server in started:
        await server.channel.close()
        await server.running.stop(0)


@pytest.fixture
async def stream_reader(nats_server):
    """Reads what reached the events stream, through a separate NATS client."""
    client = await nats.connect(nats_server.url, max_reconnect_attempts=-1, reconnect_time_wait=0.2)
    yield StreamReader(client)
    await client.close()


class StreamReader:
    def __init__(self, client) -> None:
        self.jetstream = client.jetstream()

    async def messages(self, stream: str = STREAM) -> list:
        try:
            info = await self.jetstream.stream_info(stream)
        except NotFoundError:
            return []
        first, last = info.state.first_seq, info.state.last_seq
        if info.state.messages == 0:
            return []
        return [await self.jetstream.get_msg(stream, seq) for seq in range(first, last + 1)]


class TcpProxy:
    """Forwards a local port to a target; stop() makes the target unreachable through it."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self._target = (target_host, target_port)
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._forward, "127.0.0.1", 0)
        return self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.close()
        await self._server.wait_closed()

    async def _forward(
        self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter
    ) -> None:
        target_reader, target_writer = await asyncio.open_connection(*self._target)
        self._writers |= {client_writer, target_writer}
        await asyncio.gather(
            _pipe(client_reader, target_writer), _pipe(target_reader, client_writer), return_exceptions=True
        )


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    finally:
        writer.close()
