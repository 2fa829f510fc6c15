"""Only the gateway reaches auth's API: a call without its token, or with another, is refused before
auth acts, so nobody past the gateway logs in (around its rate limits) or registers."""

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from auth_service.bootstrap import bootstrap
from auth_service.entrypoints.server import AuthServer
from fileuploader.auth.v1 import auth_pb2, auth_pb2_grpc
from support.rpc_tokens import AUTH_TOKEN, GATEWAY_FILES_TOKEN, channel_with_tokens

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(
    "token",
    [None, AUTH_TOKEN, GATEWAY_FILES_TOKEN, "x" * 40],
    ids=["none", "auth's", "the gateway's for files", "unknown"],
)
async def test_only_the_gateway_may_call_auth(auth_server, stub, token):
    await stub.Register(auth_pb2.RegisterRequest(username="alice", password="secret"))
    address = auth_server.address
    channel = channel_with_tokens(address, lambda _m: token) if token else grpc.aio.insecure_channel(address)
    async with channel:
        foreign = auth_pb2_grpc.AuthServiceStub(channel)
        for call in (
            foreign.Login(auth_pb2.LoginRequest(username="alice", password="secret")),
            foreign.Register(auth_pb2.RegisterRequest(username="mallory", password="secret")),
        ):
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await call
            assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
        health = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
    assert health.status == health_pb2.HealthCheckResponse.SERVING
    with pytest.raises(grpc.aio.AioRpcError) as unknown:
        await stub.Login(auth_pb2.LoginRequest(username="mallory", password="secret"))
    assert unknown.value.code() == grpc.StatusCode.NOT_FOUND


async def test_without_a_configured_gateway_token_every_call_is_refused(make_settings, start_server):
    server = await start_server(make_settings(gateway_rpc_token=None))
    async with channel_with_tokens(server.address, lambda _m: "anything-at-all-0123456789abcdef") as channel:
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            login = auth_pb2.LoginRequest(username="a", password="b")
            await auth_pb2_grpc.AuthServiceStub(channel).Login(login)
    assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_in_production_auth_refuses_to_start_without_the_gateway_token(make_settings):
    settings = make_settings(environment="production", gateway_rpc_token=None, nats_password="n" * 32)
    with pytest.raises(ValueError, match="FU_AUTH_GATEWAY_RPC_TOKEN"):
        AuthServer(settings, bootstrap(settings))
