"""Quotas and GetAccountUsage through the generated stub, against a real grpc.aio server."""

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from fileuploader.files.v1 import files_pb2

from .rpc_helpers import complete_request, error_of, stored_state, upload

pytestmark = pytest.mark.integration

DOMAIN = "files.fileuploader"


@pytest.fixture
async def files_server(start_files_server, make_settings, database_url):
    settings = make_settings(database_url=database_url, account_quota_bytes=1000, account_quota_files=3)
    return await start_files_server(settings)


def limit_of(error: grpc.aio.AioRpcError) -> str:
    info = error_details_pb2.ErrorInfo()
    assert rpc_status.from_call(error).details[0].Unpack(info)
    return info.metadata["limit"]


async def usage(stub, owner: str) -> files_pb2.GetAccountUsageResponse:
    return await stub.GetAccountUsage(files_pb2.GetAccountUsageRequest(owner_account_id=owner), timeout=10)


async def test_an_upload_whose_bound_passes_the_quota_is_refused_and_stores_nothing(files_server):
    stub = files_server.stub
    await upload(stub, "a.bin", b"a" * 600, owner="acc-1")
    before = await stored_state(files_server.application)

    async def requests():
        metadata = files_pb2.UploadMetadata(user_filename="b.bin", owner_account_id="acc-1", size_bound=401)
        yield files_pb2.UploadFileRequest(metadata=metadata)
        yield files_pb2.UploadFileRequest(chunk=b"b" * 401)
        yield complete_request(401)

    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.UploadFile(requests(), timeout=10)

    assert error_of(refused.value) == (grpc.StatusCode.RESOURCE_EXHAUSTED, "QUOTA_BYTES_EXCEEDED", DOMAIN)
    assert limit_of(refused.value) == "1000"
    assert await stored_state(files_server.application) == before
    await upload(stub, "c.bin", b"c" * 400, owner="acc-1")
    assert (await usage(stub, "acc-1")).bytes == 1000


async def test_one_file_past_the_count_quota_is_refused(files_server):
    stub = files_server.stub
    for name in ("a.txt", "b.txt", "c.txt"):
        await upload(stub, name, b"x", owner="acc-2")

    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await upload(stub, "d.txt", b"x", owner="acc-2")

    assert error_of(refused.value) == (grpc.StatusCode.RESOURCE_EXHAUSTED, "QUOTA_FILES_EXCEEDED", DOMAIN)
    assert limit_of(refused.value) == "3"
    await upload(stub, "anonymous.txt", b"x" * 5000)


async def test_usage_answers_the_accounts_files_bytes_and_limits(files_server):
    stub = files_server.stub
    first = await upload(stub, "a.bin", b"a" * 10, owner="acc-3")
    await upload(stub, "b.bin", b"b" * 20, owner="acc-3")
    await upload(stub, "c.bin", b"c" * 30, owner="acc-other")

    answer = await usage(stub, "acc-3")
    assert (answer.files, answer.bytes, answer.quota_bytes, answer.quota_files) == (2, 30, 1000, 3)
    await stub.DeleteFile(
        files_pb2.DeleteFileRequest(file_url=first.file.file_url, delete_key=first.delete_key)
    )
    assert ((await usage(stub, "acc-3")).files, (await usage(stub, "acc-3")).bytes) == (1, 20)

    with pytest.raises(grpc.aio.AioRpcError) as no_owner:
        await usage(stub, "")
    assert no_owner.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_usage_without_quotas_has_no_limits(start_files_server, make_settings):
    stub = (await start_files_server(make_settings())).stub

    answer = await usage(stub, "acc-4")

    assert not answer.HasField("quota_bytes") and not answer.HasField("quota_files")
