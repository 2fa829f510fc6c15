"""Only known callers reach files, each only its own methods: the gateway serves the public API, auth
reconciles; a call without a token, or with a token files does not know, is refused before it acts."""

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from fileuploader.files.v1 import files_pb2, files_pb2_grpc
from support.rpc_tokens import AUTH_TOKEN, GATEWAY_AUTH_TOKEN, GATEWAY_FILES_TOKEN, channel_with_tokens

from .rpc_helpers import read, stored_state, upload, upload_whole

pytestmark = pytest.mark.integration


@pytest.fixture
async def files_server(start_files_server, make_settings):
    return await start_files_server(make_settings())


async def refusal(call) -> grpc.StatusCode:
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await call
    return refused.value.code()


def stub_as(files_server, token: str | None) -> tuple[grpc.aio.Channel, files_pb2_grpc.FilesServiceStub]:
    address = f"127.0.0.1:{files_server.running.port}"
    channel = channel_with_tokens(address, lambda _m: token) if token else grpc.aio.insecure_channel(address)
    return channel, files_pb2_grpc.FilesServiceStub(channel)


@pytest.mark.parametrize(
    "token",
    [None, "a-token-files-does-not-know-0123456789", GATEWAY_AUTH_TOKEN],
    ids=["none", "unknown", "the gateway's for auth"],
)
async def test_an_unauthenticated_caller_can_neither_upload_nor_list_nor_read(files_server, token):
    uploaded = await upload(files_server.stub, "a.txt", b"secret bytes", owner="victim")
    channel, stub = stub_as(files_server, token)
    async with channel:
        planting = upload(stub, "planted.txt", b"x", owner="victim")
        assert await refusal(planting) == grpc.StatusCode.UNAUTHENTICATED
        planting_whole = upload_whole(stub, "planted.txt", b"x", owner="victim")
        assert await refusal(planting_whole) == grpc.StatusCode.UNAUTHENTICATED
        assert await refusal(read(stub, uploaded.file.file_url)) == grpc.StatusCode.UNAUTHENTICATED
        listing = stub.ListOwnedFiles(files_pb2.ListOwnedFilesRequest())
        assert await refusal(listing.read()) == grpc.StatusCode.UNAUTHENTICATED
        delete = files_pb2.DeleteFileRequest(file_url=uploaded.file.file_url, delete_key=uploaded.delete_key)
        assert await refusal(stub.DeleteFile(delete)) == grpc.StatusCode.UNAUTHENTICATED
        health = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest())
    assert health.status == health_pb2.HealthCheckResponse.SERVING
    assert len((await stored_state(files_server.application))[0]) == 1  # the victim's file, nothing planted


async def test_the_gateway_may_not_list_owned_files_nor_republish_events(files_server):
    channel, stub = stub_as(files_server, GATEWAY_FILES_TOKEN)
    async with channel:
        listing = stub.ListOwnedFiles(files_pb2.ListOwnedFilesRequest())
        assert await refusal(listing.read()) == grpc.StatusCode.PERMISSION_DENIED
        republish = stub.RepublishFileEvents(files_pb2.RepublishFileEventsRequest(file_urls=["abc"]))
        assert await refusal(republish) == grpc.StatusCode.PERMISSION_DENIED


async def test_auth_may_only_reconcile(files_server):
    uploaded = await upload(files_server.stub, "a.txt", b"bytes", owner="acc-1")
    channel, stub = stub_as(files_server, AUTH_TOKEN)
    async with channel:
        assert await refusal(upload(stub, "b.txt", b"x", owner="acc-1")) == grpc.StatusCode.PERMISSION_DENIED
        uploading_whole = upload_whole(stub, "b.txt", b"x", owner="acc-1")
        assert await refusal(uploading_whole) == grpc.StatusCode.PERMISSION_DENIED
        info = stub.GetFileInfo(files_pb2.GetFileInfoRequest(file_url=uploaded.file.file_url))
        assert await refusal(info) == grpc.StatusCode.PERMISSION_DENIED
        delete = files_pb2.DeleteFileRequest(file_url=uploaded.file.file_url, delete_key=uploaded.delete_key)
        assert await refusal(stub.DeleteFile(delete)) == grpc.StatusCode.PERMISSION_DENIED
        usage = stub.GetAccountUsage(files_pb2.GetAccountUsageRequest(owner_account_id="acc-1"))
        assert await refusal(usage) == grpc.StatusCode.PERMISSION_DENIED
        batches = stub.ListOwnedFiles(files_pb2.ListOwnedFilesRequest())
        listed = [owned.file.file_url async for batch in batches for owned in batch.files]
    assert listed == [uploaded.file.file_url]


async def test_a_caller_without_a_configured_token_is_refused(start_files_server, make_settings):
    server = await start_files_server(make_settings(auth_rpc_token=None))
    channel, stub = stub_as(server, AUTH_TOKEN)
    async with channel:
        listing = stub.ListOwnedFiles(files_pb2.ListOwnedFilesRequest())
        assert await refusal(listing.read()) == grpc.StatusCode.UNAUTHENTICATED


async def test_in_production_files_refuses_to_start_without_its_callers_tokens(
    start_files_server, make_settings
):
    with pytest.raises(ValueError, match="FU_FILES_AUTH_RPC_TOKEN"):
        production = make_settings(environment="production", auth_rpc_token=None, nats_password="n" * 32)
        await start_files_server(production)
