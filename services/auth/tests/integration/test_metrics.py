"""The metrics of a real auth server, scraped over HTTP from its metrics port."""

import urllib.request
from collections.abc import Callable

import grpc
import pytest
from prometheus_client.parser import text_string_to_metric_families

from auth_service.adapters.jetstream import ConsumerLag, EventStreamConfig, consumer_lag, ensure_consumer
from auth_service.entrypoints.server import AuthServer
from auth_service.settings import Settings
from fileuploader.auth.v1 import auth_pb2, auth_pb2_grpc
from fileuploader_runtime.nats.event_stream import EventStream
from support.rpc_tokens import channel_with_tokens, gateway_auth_token

from .test_file_events import uploaded

pytestmark = pytest.mark.integration

SERVICE = "fileuploader.auth.v1.AuthService"


def sample(text: str, name: str, **labels: str) -> float | None:
    for family in text_string_to_metric_families(text):
        for found in family.samples:
            if found.name == name and found.labels == labels:
                return found.value
    return None


def scrape(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        return response.read().decode()


@pytest.fixture
async def metered_server(
    make_settings: Callable[..., Settings],
    database_url: str,
    nats_server,
    start_server,
    unused_tcp_port: int,
    eventually,
) -> tuple[AuthServer, int]:
    settings = make_settings(
        database_url=database_url,
        nats_url=nats_server.url,
        metrics_port=unused_tcp_port,
        metrics_refresh_seconds=0.05,
    )
    server = await start_server(settings)
    await eventually(lambda: server.ready.is_set() and server.app.consumer.is_consuming)
    return server, unused_tcp_port


async def test_rpcs_are_counted_by_method_and_status_code(
    metered_server: tuple[AuthServer, int], eventually
) -> None:
    server, port = metered_server
    async with channel_with_tokens(server.address, gateway_auth_token) as channel:
        stub = auth_pb2_grpc.AuthServiceStub(channel)
        await stub.Register(auth_pb2.RegisterRequest(username="mia", password="secret"))
        with pytest.raises(grpc.aio.AioRpcError):
            await stub.Register(auth_pb2.RegisterRequest(username="mia", password="secret"))
        with pytest.raises(grpc.aio.AioRpcError):
            await stub.Login(auth_pb2.LoginRequest(username="mia", password="wrong"))

    rpc = {"grpc_service": SERVICE}
    # A call is counted as its handler ends, which may be just after its caller heard the answer.
    await eventually(
        lambda: sample(scrape(port), "grpc_server_handling_seconds_count", **rpc, grpc_method="Login") == 1
    )
    text = scrape(port)

    assert sample(text, "grpc_server_handled_total", **rpc, grpc_method="Register", grpc_code="OK") == 1
    assert (
        sample(text, "grpc_server_handled_total", **rpc, grpc_method="Register", grpc_code="ALREADY_EXISTS")
        == 1
    )
    assert (
        sample(text, "grpc_server_handled_total", **rpc, grpc_method="Login", grpc_code="UNAUTHENTICATED")
        == 1
    )
    assert sample(text, "grpc_server_handling_seconds_count", **rpc, grpc_method="Register") == 2
    assert sample(text, "fileuploader_password_hashes_in_flight") == 0
    assert "mia" not in text


async def test_applied_events_are_counted_and_the_consumer_lag_falls_to_zero(
    metered_server: tuple[AuthServer, int], publisher, eventually
) -> None:
    _, port = metered_server
    await publisher.publish("files.uploaded", uploaded("f1", "acc-1"), "up-f1")
    await publisher.publish("files.uploaded", uploaded("f2", "acc-1"), "up-f2")

    def caught_up() -> bool:
        text = scrape(port)
        return (
            sample(text, "fileuploader_events_applied_total", kind="uploaded", outcome="applied") == 2
            and sample(text, "fileuploader_event_consumer_pending") == 0
            and sample(text, "fileuploader_event_consumer_ack_pending") == 0
        )

    await eventually(caught_up)


async def test_consumer_lag_counts_the_events_not_yet_delivered(publisher, eventually) -> None:
    config = EventStreamConfig(EventStream("FILE_EVENTS", "files"), "lagging")
    js = publisher.client.jetstream()
    await ensure_consumer(js, config)
    for number in range(3):
        await publisher.publish("files.uploaded", uploaded(f"f{number}", "acc"), f"up-{number}")

    # nats-server counts a stored message into a consumer's pending just after acknowledging it: the
    # full suite once read 2 here.
    lags: list[ConsumerLag] = []

    async def three_pending() -> bool:
        lags.append(await consumer_lag(js, config))
        return lags[-1].pending == 3

    await eventually(three_pending)
    assert lags[-1] == ConsumerLag(pending=3, ack_pending=0)
