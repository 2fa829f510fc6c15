"""GrpcFilesRecords, the files service as the reconciliation sees it, against a real gRPC server."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import grpc
import pytest

from auth_service.adapters import files_client
from auth_service.adapters.files_client import GrpcFilesRecords
from auth_service.domain.list_comparison import OwnedFile

from .fake_files import FakeFilesServer, owned_file

pytestmark = pytest.mark.integration

CREATED = datetime(2026, 2, 3, 4, 5, 6, 789000, tzinfo=UTC)


@pytest.fixture
async def records(fake_files: FakeFilesServer) -> AsyncIterator[GrpcFilesRecords]:
    async with grpc.aio.insecure_channel(fake_files.address) as channel:
        yield GrpcFilesRecords(channel)


async def test_owned_files_reads_every_message_of_the_stream_in_order(fake_files, records) -> None:
    for file_url in ("c", "a", "B", "d", "e"):
        fake_files.servicer.owned[file_url] = owned_file(file_url, "acc-1", CREATED)

    owned = [file async for file in records.owned_files()]

    assert [file.file_url for file in owned] == ["B", "a", "c", "d", "e"]
    assert owned[1] == OwnedFile("a", "acc-1", "key-a", ".txt", "a.txt", 1, CREATED)


async def test_republish_uploads_returns_the_files_files_does_not_own(
    fake_files, records, monkeypatch
) -> None:
    monkeypatch.setattr(files_client, "MAX_REPUBLISHED_PER_CALL", 2)
    fake_files.servicer.owned["a"] = owned_file("a", "acc-1", CREATED)

    unknown = await records.republish_uploads(["a", "gone", "b"])

    assert unknown == {"gone", "b"}
    assert fake_files.servicer.republish_requests == [["a", "gone"], ["b"]]


async def test_every_call_carries_the_reconciliations_request_id(fake_files, records) -> None:
    await records.republish_uploads(["a"])
    [_ async for _ in records.owned_files()]

    first, second = fake_files.servicer.request_ids
    assert first == second and first.startswith("reconcile-")


async def test_an_unreachable_files_service_fails_the_call() -> None:
    async with grpc.aio.insecure_channel("127.0.0.1:1") as channel:
        with pytest.raises(grpc.aio.AioRpcError) as failed:
            [_ async for _ in GrpcFilesRecords(channel).owned_files()]

    assert failed.value.code() is grpc.StatusCode.UNAVAILABLE


async def test_reconcile_channel_spreads_calls_over_every_files_address() -> None:
    """round_robin: every pod behind the files name (a headless Service) takes a share of the calls."""
    replicas = [FakeFilesServer(), FakeFilesServer()]
    for replica in replicas:
        await replica.start()
    channel = files_client.open_files_channel("ipv4:" + ",".join(replica.address for replica in replicas))
    try:
        records = GrpcFilesRecords(channel)
        for _ in range(20):
            await records.republish_uploads(["a"])
    finally:
        await channel.close()
        for replica in replicas:
            await replica.stop()

    calls = [len(replica.servicer.republish_requests) for replica in replicas]
    assert sum(calls) == 20 and min(calls) > 0, calls
