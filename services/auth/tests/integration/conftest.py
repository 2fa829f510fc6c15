"""Real infrastructure for the auth integration tests: databases, nats-server, a grpc.aio server on port 0."""

import asyncio
import contextlib
import functools
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import grpc
import nats
import nats.errors
import pytest
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2_grpc
from grpc_status import rpc_status
from nats.js.api import StorageType
from sqlalchemy.ext.asyncio import AsyncEngine

from auth_service.adapters.database import create_engine
from auth_service.adapters.schema import SCHEMA
from auth_service.adapters.unit_of_work import SqlAlchemyUnitOfWork
from auth_service.bootstrap import bootstrap
from auth_service.entrypoints.server import AuthServer
from auth_service.settings import Settings
from fileuploader.auth.v1 import auth_pb2_grpc
from support.rpc_tokens import GATEWAY_AUTH_TOKEN, channel_with_tokens

from .fake_files import FakeFilesServer

pytestmark = pytest.mark.integration

STREAM = "FILE_EVENTS"
READY_TIMEOUT = 10.0


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    await SCHEMA.upgrade(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
def unit_of_work(engine: AsyncEngine) -> Callable[[], SqlAlchemyUnitOfWork]:
    return functools.partial(SqlAlchemyUnitOfWork, engine)


@pytest.fixture
def make_settings(tmp_path: Path, jwt_secret: str) -> Callable[..., Settings]:
    """Settings for a test server: port 0, cheap argon2, a known secret; overrides win."""

    def make(**overrides: object) -> Settings:
        values: dict[str, object] = {
            "listen_address": "127.0.0.1:0",
            "data_dir": tmp_path / "auth-data",
            "jwt_secret": jwt_secret,
            "argon2_memory_kib": 1024,
            "argon2_time_cost": 1,
            "catch_up_timeout_seconds": 10.0,
            "shutdown_grace_seconds": 1.0,
            "shutdown_delay_seconds": 0.0,
            "metrics_port": 0,
            "gateway_rpc_token": GATEWAY_AUTH_TOKEN,
        }
        return Settings(**(values | overrides))

    return make


@pytest.fixture
def settings(make_settings: Callable[..., Settings], database_url: str, nats_server) -> Settings:
    return make_settings(database_url=database_url, nats_url=nats_server.url)


async def wait_for(condition: Callable[[], bool | Awaitable[bool]], timeout: float = READY_TIMEOUT) -> None:
    """Polls until the condition holds; fails the test when it does not within the timeout."""
    deadline = time.monotonic() + timeout
    while True:
        outcome = condition()
        if await outcome if isinstance(outcome, Awaitable) else outcome:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        await asyncio.sleep(0.01)


StartServer = Callable[[Settings], Awaitable[AuthServer]]


@pytest.fixture
async def start_server() -> AsyncIterator[StartServer]:
    """Starts auth servers with the given settings; stops them after the test."""
    servers: list[AuthServer] = []

    async def start(settings: Settings) -> AuthServer:
        server = AuthServer(settings, bootstrap(settings))
        servers.append(server)
        await server.start()
        return server

    yield start
    for server in servers:
        await server.stop()


@pytest.fixture
async def auth_server(settings: Settings, start_server: StartServer) -> AuthServer:
    """A ready auth server whose event consumer is running."""
    server = await start_server(settings)
    await asyncio.wait_for(server.ready.wait(), READY_TIMEOUT)
    await wait_for(lambda: server.app.consumer.is_consuming)
    return server


@pytest.fixture
async def channel(auth_server: AuthServer) -> AsyncIterator[grpc.aio.Channel]:
    async with channel_with_tokens(auth_server.address, lambda _method: GATEWAY_AUTH_TOKEN) as channel:
        yield channel


@pytest.fixture
def stub(channel: grpc.aio.Channel) -> auth_pb2_grpc.AuthServiceStub:
    return auth_pb2_grpc.AuthServiceStub(channel)


@pytest.fixture
def health_stub(channel: grpc.aio.Channel) -> health_pb2_grpc.HealthStub:
    return health_pb2_grpc.HealthStub(channel)


async def error_of(call: grpc.aio.UnaryUnaryCall) -> tuple[grpc.StatusCode, str]:
    """Awaits a call that must fail; returns its status code and ErrorInfo reason (domain checked)."""
    with pytest.raises(grpc.aio.AioRpcError):
        await call
    status = await rpc_status.aio.from_call(call)
    assert status is not None, "the failure carries no google.rpc.Status"
    info = error_details_pb2.ErrorInfo()
    assert status.details[0].Unpack(info)
    assert info.domain == "auth.fileuploader"
    return await call.code(), info.reason


@pytest.fixture
def rpc_error() -> Callable[[grpc.aio.UnaryUnaryCall], Awaitable[tuple[grpc.StatusCode, str]]]:
    return error_of


@pytest.fixture
def eventually() -> Callable[..., Awaitable[None]]:
    return wait_for


class EventPublisher:
    """Publishes file events the way the files service does: protobuf payload, Nats-Msg-Id header."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.client = nats.NATS()

    async def connect(self) -> None:
        self.client = await nats.connect(self.url, max_reconnect_attempts=-1, reconnect_time_wait=0.2)

    async def reconnect(self) -> None:
        """A fresh connection, for after the server restarted under the old one."""
        await self.close()
        await self.connect()

    async def close(self) -> None:
        with contextlib.suppress(OSError, nats.errors.Error):
            await self.client.close()

    async def ensure_stream(self) -> None:
        js = self.client.jetstream()
        await js.add_stream(name=STREAM, subjects=["files.>"], storage=StorageType.FILE, duplicate_window=120)

    async def publish(self, subject: str, payload: bytes, message_id: str) -> int:
        ack = await self.client.jetstream().publish(subject, payload, headers={"Nats-Msg-Id": message_id})
        return ack.seq


@pytest.fixture
async def publisher(nats_server) -> AsyncIterator[EventPublisher]:
    publisher = EventPublisher(nats_server.url)
    await publisher.connect()
    await publisher.ensure_stream()
    yield publisher
    await publisher.close()


@pytest.fixture
async def fake_files() -> AsyncIterator[FakeFilesServer]:
    """A FilesService stand-in on a real gRPC server on a free port."""
    server = FakeFilesServer()
    await server.start()
    yield server
    await server.stop()
