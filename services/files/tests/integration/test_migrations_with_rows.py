"""Revisions that add columns to files upgrade a database made at the revision before, its rows kept.

0005 (expiry and download limits): the files stored before have no expiry and no limit, are served and
counted as before, and never purged. 0006 (small files' bytes in their row): the files stored before
keep their bytes in the blob store, where reads and deletes still find them."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import Connection, inspect, text

from files_service.adapters.event_codec import encode_event
from files_service.adapters.schema import SCHEMA
from files_service.adapters.unit_of_work import SqlAlchemyUnitOfWork
from files_service.domain.limits import FileLimits

pytestmark = pytest.mark.integration

CREATED = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
FILE_ROW = {
    "file_url": "before0003",
    "storage_key": "d" * 32,
    "user_filename": "old.mp4",
    "ext": ".mp4",
    "size": 42,
    "sha256": "f" * 64,
    "delete_key": "0b1d3a52-7a35-4c0a-9e57-3d1f5b0e8f11",
    "owner_account_id": "acc-1",
    "created_at": CREATED,
}


def _upgrade_to(revision: str) -> Callable[[Connection], None]:
    def upgrade(connection: Connection) -> None:
        command.upgrade(SCHEMA.alembic_config(connection), revision)

    return upgrade


async def test_a_database_at_0004_is_upgraded_with_its_files_kept_and_unlimited(engine):
    async with engine.begin() as connection:
        await connection.run_sync(_upgrade_to("0004"))
        await connection.execute(
            text(
                "INSERT INTO files (file_url, storage_key, user_filename, ext, size, sha256, delete_key, "
                "owner_account_id, created_at) VALUES (:file_url, :storage_key, :user_filename, :ext, :size, "
                ":sha256, :delete_key, :owner_account_id, :created_at)"
            ),
            FILE_ROW,
        )
        await connection.execute(
            text(
                "INSERT INTO upload_idempotency (scope, idempotency_key, fingerprint, file_url, created_at) "
                "VALUES ('account:acc-1', 'key-1', :fingerprint, 'before0003', :created_at)"
            ),
            {"fingerprint": "a" * 64, "created_at": CREATED},
        )
    assert await SCHEMA.current_revision(engine) == "0004"

    await SCHEMA.upgrade(engine)

    assert await SCHEMA.current_revision(engine) == SCHEMA.head_revision()
    async with engine.connect() as connection:
        columns = await connection.run_sync(
            lambda sync: {c["name"] for c in inspect(sync).get_columns("files")}
        )
    assert {"expires_at", "max_downloads", "downloads_left", "used_up_at"} <= columns
    async with SqlAlchemyUnitOfWork(engine, encode_event, "files") as uow:
        stored = await uow.files.get("before0003")
        assert stored is not None and stored.size == 42 and stored.created_at == CREATED
        assert stored.limits == FileLimits()
        assert await uow.files.count_download("before0003", CREATED + timedelta(days=1)) is None
        far_future = CREATED + timedelta(days=100_000)
        assert await uow.files.lock_purgeable(far_future, timedelta(0), 10) == []
        assert await uow.files.oldest_purgeable_since(far_future, timedelta(0)) is None


async def test_a_database_at_0005_is_upgraded_with_its_files_kept_in_the_blob_store(engine):
    async with engine.begin() as connection:
        await connection.run_sync(_upgrade_to("0005"))
        await connection.execute(
            text(
                "INSERT INTO files (file_url, storage_key, user_filename, ext, size, sha256, delete_key, "
                "owner_account_id, created_at, max_downloads, downloads_left) VALUES (:file_url, "
                ":storage_key, :user_filename, :ext, :size, :sha256, :delete_key, :owner_account_id, "
                ":created_at, 3, 2)"
            ),
            FILE_ROW,
        )
    assert await SCHEMA.current_revision(engine) == "0005"

    await SCHEMA.upgrade(engine)

    assert await SCHEMA.current_revision(engine) == SCHEMA.head_revision()
    async with engine.connect() as connection:
        columns = await connection.run_sync(
            lambda sync: {c["name"] for c in inspect(sync).get_columns("files")}
        )
    assert "content" in columns
    if engine.dialect.name == "postgresql":
        async with engine.connect() as connection:
            storage = await connection.scalar(
                text(
                    "SELECT attstorage::text FROM pg_attribute WHERE attrelid = 'files'::regclass "
                    "AND attname = 'content'"
                )
            )
        assert storage == "e", "small files' bytes are stored out of line, uncompressed"
    async with SqlAlchemyUnitOfWork(engine, encode_event, "files") as uow:
        stored = await uow.files.get("before0003")
        assert stored is not None and (stored.size, stored.storage_key) == (42, "d" * 32)
        assert not stored.inline and stored.content is None
        assert (stored.limits.max_downloads, stored.limits.downloads_left) == (3, 2)
        assert [listed.file_url async for listed in uow.files.stream_owned()] == ["before0003"]
        assert [kept.inline for kept in await uow.files.largest(10)] == [False]


async def test_the_downgrade_to_0005_is_refused_while_a_small_file_keeps_its_bytes_in_a_row(engine):
    await SCHEMA.upgrade(engine)
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO files (file_url, storage_key, user_filename, ext, size, sha256, delete_key, "
                "owner_account_id, created_at, content) VALUES (:file_url, :storage_key, :user_filename, "
                ":ext, :size, :sha256, :delete_key, :owner_account_id, :created_at, :content)"
            ),
            FILE_ROW | {"content": b"x" * 42},
        )

    def downgrade(connection) -> None:
        command.downgrade(SCHEMA.alembic_config(connection), "0005")

    with pytest.raises(RuntimeError, match="keep their bytes in the database"):
        async with engine.begin() as connection:
            await connection.run_sync(downgrade)
    assert await SCHEMA.current_revision(engine) == SCHEMA.head_revision()
