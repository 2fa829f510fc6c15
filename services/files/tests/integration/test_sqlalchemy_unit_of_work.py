import dataclasses
import functools
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.dml import ValuesBase

from files_service.adapters.database import create_engine
from files_service.adapters.event_codec import encode_event
from files_service.adapters.schema import SCHEMA
from files_service.adapters.unit_of_work import SqlAlchemyUnitOfWork
from files_service.domain.errors import DatabaseUnavailable, FileUrlTaken, IdempotencyKeyTaken
from files_service.domain.events import FileDeleted, FileUploaded
from files_service.domain.idempotency import IdempotencyKey, IdempotencyRecord
from files_service.domain.model import StoredFile

pytestmark = pytest.mark.integration

CREATED = datetime(2026, 3, 4, 5, 6, 7, 123456, tzinfo=UTC)


def stored_file(file_url: str = "url0000001", storage_key: str = "a" * 32, owner: str = "") -> StoredFile:
    return StoredFile(
        file_url=file_url,
        storage_key=storage_key,
        user_filename="movie.mp4",
        ext=".mp4",
        size=5 * 1024**3,
        sha256="e" * 64,
        delete_key="6b9a1c1b-5594-4cb9-8d49-99a4c28782a1",
        owner_account_id=owner,
        created_at=CREATED,
    )


@pytest.fixture
async def uow_factory(database_url):
    engine = create_engine(database_url)
    await SCHEMA.upgrade(engine)
    yield functools.partial(SqlAlchemyUnitOfWork, engine, encode_event, "files")
    await engine.dispose()


async def test_files_repository_round_trips_a_file_with_utc_created_at(uow_factory):
    stored = stored_file(owner="acc-1")
    async with uow_factory() as uow:
        await uow.files.add(stored)
        await uow.commit()

    async with uow_factory() as uow:
        loaded = await uow.files.get(stored.file_url)

    assert loaded == stored and loaded.created_at.utcoffset() == timedelta(0)


async def test_files_repository_stores_created_at_in_utc_whatever_the_zone(uow_factory):
    plus_three = CREATED.astimezone(timezone(timedelta(hours=3)))
    async with uow_factory() as uow:
        await uow.files.add(dataclasses.replace(stored_file(), created_at=plus_three))
        await uow.commit()

    async with uow_factory() as uow:
        loaded = await uow.files.get("url0000001")

    assert loaded.created_at == CREATED and loaded.created_at.tzinfo == UTC


async def test_files_repository_get_unknown_url_is_none(uow_factory):
    async with uow_factory() as uow:
        assert await uow.files.get("missing") is None


async def test_files_repository_add_existing_url_raises_file_url_taken(uow_factory):
    async with uow_factory() as uow:
        await uow.files.add(stored_file())
        await uow.commit()

    with pytest.raises(FileUrlTaken):
        async with uow_factory() as uow:
            await uow.files.add(stored_file(storage_key="b" * 32))
            await uow.commit()


async def test_a_failed_statement_does_not_show_its_values_to_the_logs(uow_factory):
    async with uow_factory() as uow:
        await uow.files.add(stored_file())
        await uow.commit()

    # A taken file_url inserts nothing (no error); a taken storage_key is a failed statement.
    with pytest.raises(IntegrityError) as refused:
        async with uow_factory() as uow:
            await uow.files.add(
                dataclasses.replace(stored_file(), file_url="url0000002", delete_key="c" * 36)
            )

    logged = str(refused.value)  # what a traceback in the log shows
    assert "INSERT INTO files" in logged and "c" * 36 not in logged


async def test_files_repository_remove_reports_whether_a_row_went(uow_factory):
    async with uow_factory() as uow:
        await uow.files.add(stored_file())
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.files.remove("url0000001") is True
        assert await uow.files.remove("url0000001") is False
        await uow.commit()


async def test_unit_of_work_without_commit_rolls_back_file_and_event(uow_factory):
    stored = stored_file()
    async with uow_factory() as uow:
        await uow.files.add(stored)
        await uow.outbox.add(FileUploaded.of(stored, "event-1", CREATED))

    async with uow_factory() as uow:
        assert await uow.files.get(stored.file_url) is None
        assert await uow.outbox.oldest(10) == []


async def test_unit_of_work_rolls_back_when_the_block_raises(uow_factory):
    with pytest.raises(RuntimeError):
        async with uow_factory() as uow:
            await uow.files.add(stored_file())
            raise RuntimeError("boom")

    async with uow_factory() as uow:
        assert await uow.files.get("url0000001") is None


async def test_outbox_keeps_encoded_events_oldest_first_until_removed(uow_factory):
    stored = stored_file(owner="acc-1")
    async with uow_factory() as uow:
        uploaded = await uow.outbox.add(FileUploaded.of(stored, "event-1", CREATED))
        deleted = await uow.outbox.add(FileDeleted.of(stored, "event-2", CREATED))
        await uow.commit()

    async with uow_factory() as uow:
        pending = await uow.outbox.oldest(10)
        first_only = await uow.outbox.oldest(1)
        await uow.outbox.remove("event-1")
        await uow.outbox.remove("unknown-event")
        await uow.commit()
    async with uow_factory() as uow:
        remaining = await uow.outbox.oldest(10)

    assert pending == [uploaded, deleted] and first_only == [uploaded] and remaining == [deleted]
    assert (uploaded.subject, deleted.subject) == ("files.uploaded", "files.deleted")
    assert uploaded.payload == encode_event(FileUploaded.of(stored, "event-1", CREATED))


async def test_an_upload_writes_its_rows_with_statements_built_once(uow_factory, monkeypatch):
    built = []
    real_values = ValuesBase.values

    def recording_values(self, *args, **kwargs):
        built.append(self.table)
        return real_values(self, *args, **kwargs)

    monkeypatch.setattr(ValuesBase, "values", recording_values)
    record = IdempotencyRecord("address:127.0.0.1", "key-1", "f" * 64, "url0000001", CREATED)

    async with uow_factory() as uow:
        await uow.files.add(stored_file())
        await uow.idempotency.add(record)
        await uow.outbox.add(FileUploaded.of(stored_file(), "event-1", CREATED))
        await uow.commit()
    with pytest.raises(IdempotencyKeyTaken):
        async with uow_factory() as uow:
            await uow.idempotency.add(dataclasses.replace(record, file_url="url0000002"))

    async with uow_factory() as uow:
        assert await uow.files.get("url0000001") == stored_file()
        assert await uow.idempotency.get(IdempotencyKey("address:127.0.0.1", "key-1")) == record
        assert [message.event_id for message in await uow.outbox.oldest(10)] == ["event-1"]
    assert built == []


async def test_the_events_of_a_transaction_are_inserted_together_and_seen_by_its_reads(uow_factory):
    stored = stored_file(owner="acc-1")
    inserts = []
    async with uow_factory() as uow:
        engine = uow._engine.sync_engine

        def count_outbox_inserts(_conn, _cursor, statement, parameters, _context, executemany):
            if statement.lstrip().upper().startswith("INSERT INTO OUTBOX"):
                inserts.append(len(parameters) if executemany else 1)

        event.listen(engine, "before_cursor_execute", count_outbox_inserts)
        try:
            added = [await uow.outbox.add(FileUploaded.of(stored, f"event-{n}", CREATED)) for n in range(3)]
            seen_before_commit = await uow.outbox.oldest(10)
            later = await uow.outbox.add(FileDeleted.of(stored, "event-3", CREATED))
            await uow.commit()
        finally:
            event.remove(engine, "before_cursor_execute", count_outbox_inserts)

    async with uow_factory() as uow:
        assert await uow.outbox.oldest(10) == [*added, later]
    assert seen_before_commit == added
    assert sum(inserts) == 4 and len(inserts) == 2  # the three, then the one added after the read


async def test_outbox_remove_many_removes_the_listed_events_only(uow_factory):
    stored = stored_file(owner="acc-1")
    async with uow_factory() as uow:
        for event_id in ("event-1", "event-2", "event-3"):
            await uow.outbox.add(FileUploaded.of(stored, event_id, CREATED))
        await uow.commit()

    async with uow_factory() as uow:
        await uow.outbox.remove_many(["event-1", "event-3", "unknown-event"])
        await uow.commit()
    async with uow_factory() as uow:
        remaining = await uow.outbox.oldest(10)

    assert [message.event_id for message in remaining] == ["event-2"]


async def test_unit_of_work_reports_an_unreachable_database(unused_tcp_port):
    engine = create_engine(f"postgresql+asyncpg://postgres@127.0.0.1:{unused_tcp_port}/files")
    try:
        with pytest.raises(DatabaseUnavailable):
            async with SqlAlchemyUnitOfWork(engine, encode_event, "files") as uow:
                await uow.files.get("url0000001")
    finally:
        await engine.dispose()


async def test_sqlite_connections_fsync_every_commit(tmp_path):
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'files.db'}")
    async with engine.connect() as connection:
        journal = (await connection.exec_driver_sql("PRAGMA journal_mode")).scalar()
        synchronous = (await connection.exec_driver_sql("PRAGMA synchronous")).scalar()
    await engine.dispose()
    assert (journal, synchronous) == ("wal", 2)  # 2: FULL
