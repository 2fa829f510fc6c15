"""Revision 0005 (expiry and download limits) upgrades a database made at 0004, its rows kept: the files
stored before have no expiry and no limit, are served and counted as before, and never purged."""

from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import inspect, text

from files_service.adapters.database import create_engine
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


@pytest.fixture
async def engine(database_url):
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


def _upgrade_to_0004(connection) -> None:
    command.upgrade(SCHEMA.alembic_config(connection), "0004")


async def test_a_database_at_0004_is_upgraded_with_its_files_kept_and_unlimited(engine):
    async with engine.begin() as connection:
        await connection.run_sync(_upgrade_to_0004)
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
