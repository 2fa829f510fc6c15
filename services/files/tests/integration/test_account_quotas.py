"""Account usage and quotas on a real database (SQLite and PostgreSQL) and local disk: the usage query,
concurrent uploads near a limit, and two services on one database (replicas) overshooting at most by
the uploads in flight."""

import asyncio
import dataclasses
import functools

import pytest

from files_service.adapters.database import create_engine
from files_service.adapters.event_codec import encode_event
from files_service.adapters.local_disk_blob_store import LocalDiskBlobStore
from files_service.adapters.schema import SCHEMA
from files_service.adapters.unit_of_work import SqlAlchemyUnitOfWork
from files_service.domain.errors import QuotaBytesExceeded, QuotaExceeded
from files_service.domain.model import UploadRequest
from files_service.domain.quotas import AccountQuota, AccountUsage
from files_service.service import FilesService

from .test_sqlalchemy_unit_of_work import stored_file

pytestmark = pytest.mark.integration

SIZE = 3000


@pytest.fixture
async def uow_factory(database_url):
    engine = create_engine(database_url)
    await SCHEMA.upgrade(engine)
    yield functools.partial(SqlAlchemyUnitOfWork, engine, encode_event, "files")
    await engine.dispose()


@pytest.fixture
async def blob_store(tmp_path) -> LocalDiskBlobStore:
    store = LocalDiskBlobStore(tmp_path / "blobs", read_chunk_size=65536)
    await store.prepare()
    return store


@pytest.fixture
def make_service(uow_factory, blob_store):
    def make(quota: AccountQuota) -> FilesService:
        return FilesService(uow_factory, blob_store, max_file_size=1 << 20, quota=quota)

    return make


def blobs_on_disk(tmp_path) -> int:
    return sum(1 for path in (tmp_path / "blobs").rglob("*") if path.is_file() and ".tmp" not in path.parts)


async def chunks(data: bytes):
    yield data


async def test_usage_counts_the_accounts_rows_and_its_own_transactions_writes(uow_factory):
    async with uow_factory() as uow:
        await uow.files.add(dataclasses.replace(stored_file("url0000001", "a" * 32, owner="acc-1"), size=10))
        await uow.files.add(dataclasses.replace(stored_file("url0000002", "b" * 32, owner="acc-1"), size=5))
        await uow.files.add(dataclasses.replace(stored_file("url0000003", "c" * 32, owner="acc-2"), size=7))
        await uow.files.add(dataclasses.replace(stored_file("url0000004", "d" * 32, owner=""), size=99))
        assert await uow.files.usage_of("acc-1") == AccountUsage(files=2, bytes=15), "its own writes"
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.files.usage_of("acc-1") == AccountUsage(files=2, bytes=15)
        assert await uow.files.usage_of("acc-2") == AccountUsage(files=1, bytes=7)
        assert await uow.files.usage_of("acc-none") == AccountUsage(files=0, bytes=0)


async def test_usage_sums_sizes_past_32_bits(uow_factory):
    async with uow_factory() as uow:
        for i in range(3):
            await uow.files.add(stored_file(f"url000000{i}", str(i) * 32, owner="big"))  # 5 GiB each
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.files.usage_of("big") == AccountUsage(files=3, bytes=15 * 1024**3)


@pytest.mark.timeout(60)
async def test_concurrent_uploads_near_the_limit_store_exactly_what_fits(make_service, tmp_path):
    service = make_service(AccountQuota(max_bytes=SIZE * 3 + SIZE // 2))

    results = await asyncio.gather(
        *(
            service.upload_file(
                UploadRequest(f"f{i}.bin", False, "acc-1", size_bound=SIZE), chunks(b"x" * SIZE)
            )
            for i in range(10)
        ),
        return_exceptions=True,
    )

    refused = [result for result in results if isinstance(result, BaseException)]
    assert len(refused) == 7 and all(isinstance(error, QuotaBytesExceeded) for error in refused), refused
    usage, _ = await service.get_account_usage("acc-1")
    assert usage == AccountUsage(files=3, bytes=3 * SIZE)
    assert blobs_on_disk(tmp_path) == 3


@pytest.mark.timeout(60)
async def test_two_replicas_overshoot_a_limit_at_most_by_the_uploads_in_flight(make_service, tmp_path):
    quota = AccountQuota(max_files=4)
    replicas = [make_service(quota), make_service(quota)]
    in_flight = 6

    results = await asyncio.gather(
        *(
            replicas[i % 2].upload_file(UploadRequest(f"f{i}.bin", False, "acc-1"), chunks(b"y"))
            for i in range(in_flight)
        ),
        return_exceptions=True,
    )

    stored = [result for result in results if not isinstance(result, BaseException)]
    assert all(isinstance(result, QuotaExceeded) for result in results if isinstance(result, BaseException))
    usage, _ = await replicas[0].get_account_usage("acc-1")
    assert 4 <= usage.files == len(stored) <= 4 + in_flight // 2
    assert blobs_on_disk(tmp_path) == len(stored)
    with pytest.raises(QuotaExceeded):
        await replicas[1].upload_file(UploadRequest("late.bin", False, "acc-1"), chunks(b"z"))
