"""The queries the reconciliation and ListOwnedFiles run, on SQLite and PostgreSQL."""

import functools
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from files_service.adapters.database import create_engine
from files_service.adapters.event_codec import encode_event
from files_service.adapters.schema import SCHEMA
from files_service.adapters.unit_of_work import SqlAlchemyUnitOfWork
from files_service.domain.events import FileDeleted
from files_service.domain.model import StoredFile

pytestmark = pytest.mark.integration

CREATED = datetime(2026, 3, 4, 5, 6, 7, 123456, tzinfo=UTC)


def stored_file(file_url: str, storage_key: str, owner: str = "acc-1") -> StoredFile:
    return StoredFile(
        file_url=file_url,
        storage_key=storage_key,
        user_filename="notes.txt",
        ext=".txt",
        size=3,
        sha256="e" * 64,
        delete_key="6b9a1c1b-5594-4cb9-8d49-99a4c28782a1",
        owner_account_id=owner,
        created_at=CREATED,
    )


@pytest.fixture
async def uow_factory(database_url):
    engine = create_engine(database_url)
    await SCHEMA.upgrade(engine)
    if engine.dialect.name == "postgresql":
        await sort_text_by_language(engine)
    yield functools.partial(SqlAlchemyUnitOfWork, engine, encode_event, "files")
    await engine.dispose()


async def sort_text_by_language(engine) -> None:
    """As on most PostgreSQL servers (en_US.UTF-8), where "a" sorts before "B"."""
    async with engine.begin() as connection:
        for column in ("file_url", "storage_key"):
            await connection.execute(
                text(f'ALTER TABLE files ALTER COLUMN {column} TYPE varchar(64) COLLATE "en-x-icu"')
            )


@pytest.fixture
async def files(uow_factory):
    """Upper- and lower-case file_urls: a locale's collation would interleave them, code points do not."""
    files = [
        stored_file("b-file", "0b" + "0" * 30),
        stored_file("B-file", "0a" + "0" * 30),
        stored_file("a-anonymous", "1f" + "0" * 30, owner=""),
        stored_file("A-file", "ff" + "0" * 30, owner="acc-2"),
        stored_file("_-file", "00" + "f" * 30),
    ]
    async with uow_factory() as uow:
        for stored in files:
            await uow.files.add(stored)
        await uow.commit()
    return files


async def test_stream_owned_yields_the_owned_files_by_code_point(uow_factory, files):
    async with uow_factory() as uow:
        owned = [stored async for stored in uow.files.stream_owned()]

    assert [stored.file_url for stored in owned] == ["A-file", "B-file", "_-file", "b-file"]
    assert owned[0] == files[3]


async def test_stream_by_storage_key_yields_every_file_by_storage_key(uow_factory, files):
    async with uow_factory() as uow:
        keys = [stored.storage_key async for stored in uow.files.stream_by_storage_key()]

    assert keys == sorted(stored.storage_key for stored in files)


async def test_count_and_uses_storage_key_see_the_committed_files(uow_factory, files):
    async with uow_factory() as uow:
        assert await uow.files.count() == len(files)
        assert await uow.files.uses_storage_key(files[0].storage_key)
        assert not await uow.files.uses_storage_key("9" * 32)


async def test_outbox_counts_and_lists_the_events_created_before_a_moment(uow_factory):
    async with uow_factory() as uow:
        for minutes in (30, 20, 10):
            event = FileDeleted(f"e-{minutes}", CREATED - timedelta(minutes=minutes), "url", "acc-1")
            await uow.outbox.add(event)
        await uow.commit()

    async with uow_factory() as uow:
        count = await uow.outbox.count_older_than(CREATED - timedelta(minutes=15))
        oldest = await uow.outbox.oldest_before(CREATED - timedelta(minutes=15), limit=1)

    assert count == 2
    assert [(event.event_id, event.subject) for event in oldest] == [("e-30", "files.deleted")]
    assert oldest[0].created_at == CREATED - timedelta(minutes=30)
