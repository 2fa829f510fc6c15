"""Expiry, download limits and the purge on a real database (SQLite, and PostgreSQL when given) and a
real local-disk store: counting is atomic, an expired or used-up file is not served, the purge deletes
bytes, row and idempotency record and emits files.deleted with its reason, and a purge cut short is
finished by the next one."""

import asyncio
import functools
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from files_service.adapters.database import create_engine
from files_service.adapters.event_codec import encode_event
from files_service.adapters.local_disk_blob_store import LocalDiskBlobStore
from files_service.adapters.schema import SCHEMA
from files_service.adapters.tables import outbox_table
from files_service.adapters.unit_of_work import SqlAlchemyUnitOfWork
from files_service.domain.errors import FileNotFound
from files_service.domain.idempotency import IdempotencyKey
from files_service.domain.limits import Limits, PurgeReason
from files_service.domain.model import UploadRequest
from files_service.purge import ExpiredFilesPurge
from files_service.service import FilesService
from fileuploader.events.v1 import file_events_pb2

pytestmark = pytest.mark.integration

START = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
GRACE = timedelta(minutes=30)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


class CountingRelay:
    def __init__(self) -> None:
        self.wakes = 0

    def wake(self) -> None:
        self.wakes += 1

    async def published(self, event_id: str, timeout_seconds: float) -> bool:
        return False


class Stack:
    def __init__(self, engine, store: LocalDiskBlobStore, clock: Clock, batch_size: int = 100) -> None:
        self.engine = engine
        self.store = store
        self.clock = clock
        self.uow_factory = functools.partial(SqlAlchemyUnitOfWork, engine, encode_event, "files")
        self.service = FilesService(
            self.uow_factory, store, max_file_size=1 << 20, clock=clock, seek_grace=GRACE
        )
        self.purge = ExpiredFilesPurge(self.uow_factory, store, CountingRelay(), clock, GRACE, batch_size)

    async def upload(self, limits: Limits, data: bytes = b"0123456789", idempotency_key: str = ""):
        async def chunks():
            yield data

        key = IdempotencyKey("address:1.2.3.4", idempotency_key) if idempotency_key else None
        request = UploadRequest("clip.mp4", False, "acc-1", idempotency=key, limits=limits)
        return await self.service.upload_file(request, chunks())

    async def deleted_events(self) -> list[file_events_pb2.FileDeleted]:
        async with self.engine.connect() as connection:
            rows = await connection.execute(
                select(outbox_table.c.payload).where(outbox_table.c.subject == "files.deleted")
            )
            return [file_events_pb2.FileDeleted.FromString(payload) for (payload,) in rows]


@pytest.fixture
async def stack(database_url, tmp_path):
    engine = create_engine(database_url)
    await SCHEMA.upgrade(engine)
    store = LocalDiskBlobStore(tmp_path / "blobs", read_chunk_size=4096)
    await store.prepare()
    yield Stack(engine, store, Clock())
    await engine.dispose()


async def test_concurrent_downloads_of_a_limited_file_take_exactly_its_downloads(stack):
    stored = await stack.upload(Limits(max_downloads=5))

    outcomes = await asyncio.gather(
        *(stack.service.count_download(stored.file_url) for _ in range(12)), return_exceptions=True
    )

    counted = sorted(outcome for outcome in outcomes if isinstance(outcome, int))
    assert counted == [0, 1, 2, 3, 4]
    assert sum(isinstance(outcome, FileNotFound) for outcome in outcomes) == 7


async def test_a_used_up_file_serves_seeks_for_the_grace_only(stack):
    stored = await stack.upload(Limits(max_downloads=1))
    assert await stack.service.count_download(stored.file_url) == 0

    info = await stack.service.get_file_info(stored.file_url)
    assert info.limits.used_up and info.limits.used_up_at == START
    with pytest.raises(FileNotFound):
        await stack.service.count_download(stored.file_url)

    stack.clock.now = START + GRACE
    with pytest.raises(FileNotFound):
        await stack.service.get_file_info(stored.file_url)


async def test_a_file_without_a_limit_is_not_counted(stack):
    stored = await stack.upload(Limits())
    assert await stack.service.count_download(stored.file_url) is None
    assert (await stack.service.get_file_info(stored.file_url)).limits.downloads_left is None


async def test_an_expired_file_is_neither_served_nor_counted(stack):
    stored = await stack.upload(Limits(expires_in=timedelta(minutes=5), max_downloads=3))
    stack.clock.now = START + timedelta(minutes=5)

    with pytest.raises(FileNotFound):
        await stack.service.get_file_info(stored.file_url)
    with pytest.raises(FileNotFound):
        await stack.service.count_download(stored.file_url)
    served, gone = await stack.service.file_limits([stored.file_url])
    assert served == {} and gone == [stored.file_url]


async def test_file_limits_answer_the_downloads_left_now(stack):
    limited = await stack.upload(Limits(max_downloads=3, expires_in=timedelta(hours=1)))
    plain = await stack.upload(Limits())
    await stack.service.count_download(limited.file_url)

    served, gone = await stack.service.file_limits([limited.file_url, plain.file_url, "nosuchfile"])

    assert list(served) == [limited.file_url] and gone == []
    assert served[limited.file_url].downloads_left == 2
    assert served[limited.file_url].expires_at == START + timedelta(hours=1)


async def test_the_purge_deletes_expired_and_used_up_files_with_their_reason(stack):
    expired = await stack.upload(Limits(expires_in=timedelta(minutes=1)), b"x" * 100, idempotency_key="k1")
    used_up = await stack.upload(Limits(max_downloads=1), b"y" * 20)
    alive = await stack.upload(Limits(expires_in=timedelta(days=1), max_downloads=2), b"z" * 7)
    await stack.service.count_download(used_up.file_url)
    stack.clock.now = START + GRACE

    report = await stack.purge.run()

    assert report.purged == {PurgeReason.EXPIRED: 1, PurgeReason.DOWNLOAD_LIMIT: 1}
    assert report.bytes_freed == 120 and report.lag_seconds == 0
    assert await stack.store.stat(expired.storage_key) is None
    assert await stack.store.stat(used_up.storage_key) is None
    assert await stack.store.stat(alive.storage_key) is not None
    async with stack.uow_factory() as uow:
        assert await uow.files.get(expired.file_url) is None and await uow.files.get(used_up.file_url) is None
        assert await uow.idempotency.get(IdempotencyKey("address:1.2.3.4", "k1")) is None
    reasons = {event.file_url: event.reason for event in await stack.deleted_events()}
    assert reasons == {
        expired.file_url: file_events_pb2.EXPIRED,
        used_up.file_url: file_events_pb2.DOWNLOAD_LIMIT,
    }
    assert (await stack.purge.run()).purged == {}


async def test_the_purge_lag_is_the_age_of_the_oldest_purgeable_file(stack):
    await stack.upload(Limits(expires_in=timedelta(minutes=1)))
    stack.clock.now = START + timedelta(minutes=11)
    async with stack.uow_factory() as uow:
        since = await uow.files.oldest_purgeable_since(stack.clock.now, GRACE)
    assert since == START + timedelta(minutes=1)


async def test_a_purge_killed_before_its_commit_is_finished_by_the_next(stack):
    files = [await stack.upload(Limits(expires_in=timedelta(seconds=1)), bytes([n]) * 10) for n in range(3)]
    stack.clock.now = START + timedelta(seconds=1)
    deleted: list[str] = []
    real_delete = stack.store.delete

    async def dies_after_two(key: str) -> None:
        if len(deleted) == 2:
            raise asyncio.CancelledError  # the process killed mid-batch
        await real_delete(key)
        deleted.append(key)

    stack.store.delete = dies_after_two
    with pytest.raises(asyncio.CancelledError):
        await stack.purge.run()
    stack.store.delete = real_delete

    async with stack.uow_factory() as uow:
        assert all([await uow.files.get(stored.file_url) is not None for stored in files])
    assert await stack.deleted_events() == []

    report = await stack.purge.run()

    assert report.purged == {PurgeReason.EXPIRED: 3}
    assert [await stack.store.stat(stored.storage_key) for stored in files] == [None, None, None]
    assert sorted(event.file_url for event in await stack.deleted_events()) == sorted(
        f.file_url for f in files
    )


async def test_purges_running_together_share_the_work_and_purge_each_file_once(stack, database_url, tmp_path):
    files = [await stack.upload(Limits(expires_in=timedelta(seconds=1)), bytes([n]) * 3) for n in range(30)]
    stack.clock.now = START + timedelta(seconds=1)
    other_engine = create_engine(database_url)
    other = Stack(other_engine, stack.store, stack.clock, batch_size=5)
    mine = ExpiredFilesPurge(stack.uow_factory, stack.store, CountingRelay(), stack.clock, GRACE, 5)
    try:
        reports = await asyncio.gather(mine.run(), other.purge.run(), return_exceptions=True)
    finally:
        await other_engine.dispose()
    done = [report for report in reports if not isinstance(report, BaseException)]
    if stack.engine.dialect.name == "postgresql":
        assert len(done) == 2
    # SQLite has one writer: the other purge may fail on the lock and retry at its next run.
    for _ in range(3):
        if sum(report.purged[PurgeReason.EXPIRED] for report in done) < len(files):
            done.append(await mine.run())
    assert sum(report.purged[PurgeReason.EXPIRED] for report in done) == len(files)
    events = await stack.deleted_events()
    assert sorted(event.file_url for event in events) == sorted(stored.file_url for stored in files)
