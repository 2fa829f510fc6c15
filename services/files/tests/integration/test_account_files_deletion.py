"""An account's files deleted by the purge's batches (SQLite, and PostgreSQL when given): every file of
the account goes (bytes, row, idempotency record) with a files.deleted event of reason ACCOUNT_DELETED,
no other account's file nor anonymous file is touched, and a deletion cut short is finished by the next."""

import asyncio
import functools

import pytest
from sqlalchemy import select

from files_service.adapters.database import create_engine
from files_service.adapters.event_codec import encode_event
from files_service.adapters.local_disk_blob_store import LocalDiskBlobStore
from files_service.adapters.schema import SCHEMA
from files_service.adapters.tables import outbox_table
from files_service.adapters.unit_of_work import SqlAlchemyUnitOfWork
from files_service.domain.errors import OwnerMissing
from files_service.domain.idempotency import IdempotencyKey
from files_service.domain.model import UploadRequest
from files_service.purge import AccountFilesDeletion
from files_service.service import FilesService, utc_now
from fileuploader.events.v1 import file_events_pb2

pytestmark = pytest.mark.integration


class PublishingRelay:
    def __init__(self) -> None:
        self.watched: list[str] = []

    def wake(self) -> None:
        return None

    async def published(self, event_id: str, timeout_seconds: float) -> bool:
        self.watched.append(event_id)
        return True


class Stack:
    def __init__(self, engine, store: LocalDiskBlobStore) -> None:
        self.engine = engine
        self.store = store
        self.relay = PublishingRelay()
        self.uow_factory = functools.partial(SqlAlchemyUnitOfWork, engine, encode_event, "files")
        self.service = FilesService(self.uow_factory, store, max_file_size=1 << 20, relay=self.relay)

    def deletion(self, batch_size: int) -> AccountFilesDeletion:
        return AccountFilesDeletion(self.uow_factory, self.store, self.relay, utc_now, 1.0, batch_size)

    async def upload(self, owner: str, data: bytes, idempotency_key: str = ""):
        async def chunks():
            yield data

        key = IdempotencyKey(f"account:{owner}", idempotency_key) if idempotency_key else None
        return await self.service.upload_file(UploadRequest("a.txt", False, owner, idempotency=key), chunks())

    async def exists(self, file_url: str) -> bool:
        async with self.uow_factory() as uow:
            return await uow.files.get(file_url) is not None

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
    yield Stack(engine, store)
    await engine.dispose()


async def test_every_file_of_the_account_is_deleted_with_its_reason_and_no_other(stack):
    mine = [await stack.upload("acc-1", bytes([n]) * 10, idempotency_key=f"k{n}") for n in range(5)]
    other = await stack.upload("acc-2", b"other")
    anonymous = await stack.upload("", b"anonymous")

    report = await stack.deletion(batch_size=2).delete_all_of("acc-1")

    assert sum(report.purged.values()) == 5 and report.bytes_freed == 50
    assert [await stack.exists(stored.file_url) for stored in mine] == [False] * 5
    assert [await stack.store.stat(stored.storage_key) for stored in mine] == [None] * 5
    async with stack.uow_factory() as uow:
        assert await uow.idempotency.get(IdempotencyKey("account:acc-1", "k0")) is None
    assert await stack.exists(other.file_url) and await stack.exists(anonymous.file_url)
    assert await stack.store.stat(other.storage_key) is not None
    events = await stack.deleted_events()
    assert sorted(event.file_url for event in events) == sorted(stored.file_url for stored in mine)
    assert {(event.reason, event.owner_account_id) for event in events} == {
        (file_events_pb2.ACCOUNT_DELETED, "acc-1")
    }
    assert sorted(stack.relay.watched) == sorted(event.event_id for event in events)
    assert sum((await stack.deletion(batch_size=2).delete_all_of("acc-1")).purged.values()) == 0


async def test_the_service_answers_how_many_and_refuses_an_empty_owner(stack):
    await stack.upload("acc-1", b"one")
    anonymous = await stack.upload("", b"anonymous")

    with pytest.raises(OwnerMissing):
        await stack.service.delete_account_files("")
    assert await stack.exists(anonymous.file_url)

    assert await stack.service.delete_account_files("acc-1") == 1
    assert await stack.service.delete_account_files("acc-1") == 0
    assert await stack.exists(anonymous.file_url)


async def test_a_deletion_killed_before_its_commit_is_finished_by_the_next(stack):
    files = [await stack.upload("acc-1", bytes([n]) * 4) for n in range(3)]
    real_delete = stack.store.delete
    deleted: list[str] = []

    async def dies_after_two(key: str) -> None:
        if len(deleted) == 2:
            raise asyncio.CancelledError  # the process killed mid-batch
        await real_delete(key)
        deleted.append(key)

    stack.store.delete = dies_after_two
    with pytest.raises(asyncio.CancelledError):
        await stack.service.delete_account_files("acc-1")
    stack.store.delete = real_delete
    assert [await stack.exists(stored.file_url) for stored in files] == [True] * 3
    assert await stack.deleted_events() == []

    assert await stack.service.delete_account_files("acc-1") == 3
    assert [await stack.store.stat(stored.storage_key) for stored in files] == [None] * 3
    assert len(await stack.deleted_events()) == 3
