import asyncio
import time
from collections.abc import Callable

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from auth_service.entrypoints.server import AuthServer, server_options
from auth_service.settings import Settings
from fileuploader.auth.v1 import auth_pb2, auth_pb2_grpc
from support.rpc_tokens import channel_with_tokens, gateway_auth_token

pytestmark = pytest.mark.integration

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING
SERVICE = "fileuploader.auth.v1.AuthService"


async def health_of(channel: grpc.aio.Channel, service: str) -> int:
    response = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service=service))
    return response.status


async def test_health_reports_serving_once_the_database_is_ready(channel: grpc.aio.Channel) -> None:
    assert await health_of(channel, "") == SERVING
    assert await health_of(channel, SERVICE) == SERVING


async def test_health_answers_not_found_for_an_unknown_service(channel: grpc.aio.Channel) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await health_of(channel, "no.such.Service")

    assert raised.value.code() == grpc.StatusCode.NOT_FOUND


async def test_health_reports_not_serving_when_shutting_down(auth_server: AuthServer) -> None:
    async with channel_with_tokens(auth_server.address, gateway_auth_token) as channel:
        watch = health_pb2_grpc.HealthStub(channel).Watch(health_pb2.HealthCheckRequest(service=SERVICE))
        assert (await watch.read()).status == SERVING

        stopping = asyncio.create_task(auth_server.stop())
        assert (await watch.read()).status == NOT_SERVING
        watch.cancel()
        await stopping


async def test_stop_reports_not_serving_and_still_serves_until_the_shutdown_delay_ends(
    make_settings: Callable[..., Settings], start_server, nats_server
) -> None:
    server = await start_server(make_settings(nats_url=nats_server.url, shutdown_delay_seconds=0.5))
    await asyncio.wait_for(server.ready.wait(), 10)

    async with channel_with_tokens(server.address, gateway_auth_token) as channel:
        stub = auth_pb2_grpc.AuthServiceStub(channel)
        stopping = asyncio.create_task(server.stop())
        while await health_of(channel, SERVICE) != NOT_SERVING:
            await asyncio.sleep(0.01)
        issued = await stub.Register(auth_pb2.RegisterRequest(username="late", password="secret"), timeout=5)
        assert issued.access_token and not stopping.done()
        await stopping
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await stub.Register(auth_pb2.RegisterRequest(username="later", password="secret"), timeout=2)
        assert refused.value.code() == grpc.StatusCode.UNAVAILABLE


async def test_rpcs_fail_unavailable_and_health_not_serving_while_the_database_is_unreachable(
    make_settings: Callable[..., Settings], start_server, rpc_error, unused_tcp_port_factory
) -> None:
    free_port = unused_tcp_port_factory
    unreachable = f"postgresql://postgres@127.0.0.1:{free_port()}/auth"
    server = await start_server(
        make_settings(database_url=unreachable, nats_url=f"nats://127.0.0.1:{free_port()}")
    )

    async with channel_with_tokens(server.address, gateway_auth_token) as channel:
        stub = auth_pb2_grpc.AuthServiceStub(channel)
        assert await health_of(channel, "") == NOT_SERVING
        assert await health_of(channel, SERVICE) == NOT_SERVING
        assert await rpc_error(stub.Register(auth_pb2.RegisterRequest(username="a", password="b"))) == (
            grpc.StatusCode.UNAVAILABLE,
            "AUTH_ERROR_REASON_UNSPECIFIED",
        )
        assert await rpc_error(stub.Login(auth_pb2.LoginRequest(username="a", password="b"))) == (
            grpc.StatusCode.UNAVAILABLE,
            "AUTH_ERROR_REASON_UNSPECIFIED",
        )


async def test_server_serves_accounts_while_nats_is_down(
    make_settings: Callable[..., Settings], start_server, database_url: str, unused_tcp_port
) -> None:
    server = await start_server(
        make_settings(database_url=database_url, nats_url=f"nats://127.0.0.1:{unused_tcp_port}")
    )
    await asyncio.wait_for(server.ready.wait(), 10)

    async with channel_with_tokens(server.address, gateway_auth_token) as channel:
        stub = auth_pb2_grpc.AuthServiceStub(channel)
        issued = await stub.Register(auth_pb2.RegisterRequest(username="alice", password="secret"))
        started = time.monotonic()
        listing = await stub.ListAccountFiles(
            auth_pb2.ListAccountFilesRequest(access_token=issued.access_token)
        )

        assert time.monotonic() - started < 1.0
        assert listing.account == issued.account
        assert await health_of(channel, SERVICE) == SERVING


async def test_server_stops_promptly_while_nats_is_down(
    make_settings: Callable[..., Settings], start_server, unused_tcp_port
) -> None:
    server = await start_server(make_settings(nats_url=f"nats://127.0.0.1:{unused_tcp_port}"))
    await asyncio.wait_for(server.ready.wait(), 10)

    started = time.monotonic()
    await server.stop()

    assert time.monotonic() - started < 3.0


async def test_liveness_serves_while_the_database_is_unreachable(
    make_settings: Callable[..., Settings], start_server, unused_tcp_port_factory
) -> None:
    unreachable = f"postgresql://postgres@127.0.0.1:{unused_tcp_port_factory()}/auth"
    server = await start_server(
        make_settings(database_url=unreachable, nats_url=f"nats://127.0.0.1:{unused_tcp_port_factory()}")
    )

    async with channel_with_tokens(server.address, gateway_auth_token) as channel:
        assert await health_of(channel, "liveness") == SERVING
        assert await health_of(channel, "") == NOT_SERVING


async def test_liveness_stops_serving_once_shutdown_begins(auth_server: AuthServer) -> None:
    async with channel_with_tokens(auth_server.address, gateway_auth_token) as channel:
        watch = health_pb2_grpc.HealthStub(channel).Watch(health_pb2.HealthCheckRequest(service="liveness"))
        assert (await watch.read()).status == SERVING

        stopping = asyncio.create_task(auth_server.stop())
        assert (await watch.read()).status == NOT_SERVING
        watch.cancel()
        await stopping


def test_connections_are_aged_out_so_clients_rebalance(make_settings: Callable[..., Settings]) -> None:
    options = dict(
        server_options(make_settings(max_connection_age_seconds=120, max_connection_age_grace_seconds=7.5))
    )

    assert options["grpc.max_connection_age_ms"] == 120_000
    assert options["grpc.max_connection_age_grace_ms"] == 7_500
    never_aged = dict(server_options(make_settings(max_connection_age_seconds=0)))
    assert "grpc.max_connection_age_ms" not in never_aged


class CountingProxy:
    """Forwards TCP connections to `target`, counting them."""

    def __init__(self, target: str) -> None:
        self._host, port = target.rsplit(":", 1)
        self._port = int(port)
        self.connections = 0
        self._server: asyncio.Server | None = None

    async def start(self) -> str:
        self._server = await asyncio.start_server(self._forward, "127.0.0.1", 0)
        return f"127.0.0.1:{self._server.sockets[0].getsockname()[1]}"

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()

    async def _forward(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        upstream_reader, upstream_writer = await asyncio.open_connection(self._host, self._port)
        await asyncio.gather(
            _pipe(reader, upstream_writer), _pipe(upstream_reader, writer), return_exceptions=True
        )


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    finally:
        writer.close()


async def test_a_client_pinging_every_two_seconds_keeps_its_connection(auth_server: AuthServer) -> None:
    """The gateway pings every FU_GATEWAY_RPC_KEEPALIVE_SECONDS (2 s at least), calls or not, to notice a
    frozen auth; by gRPC's defaults a server answers the third such ping with GOAWAY too_many_pings."""
    proxy = CountingProxy(auth_server.address)
    options = [
        ("grpc.keepalive_time_ms", 2000),
        ("grpc.keepalive_permit_without_calls", 1),
        ("grpc.http2.max_pings_without_data", 0),
    ]
    async with grpc.aio.insecure_channel(await proxy.start(), options=options) as channel:
        assert await health_of(channel, "") == SERVING
        await asyncio.sleep(9)
        assert await health_of(channel, "") == SERVING
    await proxy.stop()

    assert proxy.connections == 1, "the server closed the connection of a client that pinged"


async def test_calls_keep_succeeding_while_connections_are_aged_out(
    make_settings: Callable[..., Settings], start_server, nats_server
) -> None:
    settings = make_settings(
        nats_url=nats_server.url, max_connection_age_seconds=0.2, max_connection_age_grace_seconds=1
    )
    server = await start_server(settings)
    await asyncio.wait_for(server.ready.wait(), 10)
    proxy = CountingProxy(server.address)

    async with channel_with_tokens(await proxy.start(), gateway_auth_token) as channel:
        stub = auth_pb2_grpc.AuthServiceStub(channel)
        issued = await stub.Register(auth_pb2.RegisterRequest(username="aged", password="secret"), timeout=5)
        deadline = time.monotonic() + 1.5
        while time.monotonic() < deadline:
            request = auth_pb2.ValidateTokenRequest(access_token=issued.access_token)
            assert (await stub.ValidateToken(request, timeout=5)).account == issued.account
            await asyncio.sleep(0.01)
    await proxy.stop()

    assert proxy.connections >= 4, "the server closed the client's connection every 0.2 s (±20 %)"
