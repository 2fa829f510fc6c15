"""The Alembic history: it makes the tables the models describe, upgrades a database that an earlier
release made with create_all (rows included) instead of recreating it, and lets replicas start together."""

import asyncio
import dataclasses
import functools
from datetime import UTC, datetime

import pytest
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    inspect,
    select,
    text,
)

from files_service.adapters.database import create_engine
from files_service.adapters.event_codec import encode_event
from files_service.adapters.schema import SCHEMA
from files_service.adapters.tables import metadata, outbox_table
from files_service.adapters.unit_of_work import SqlAlchemyUnitOfWork
from files_service.domain.idempotency import IdempotencyKey
from files_service.domain.model import StoredFile
from files_service.domain.quotas import AccountUsage
from fileuploader_runtime.db.schema import UnknownSchema
from support.migrations import differences_from_models, schema_of, upgrade_to

pytestmark = pytest.mark.integration

DIFFERENCES_FROM_MODELS = differences_from_models(SCHEMA, metadata)
SCHEMA_OF = schema_of(SCHEMA)

CREATED = datetime(2025, 11, 12, 13, 14, 15, 161718, tzinfo=UTC)

# The tables as the releases before migrations defined them (and create_all made them), frozen here.
LEGACY = MetaData()
Table(
    "files",
    LEGACY,
    Column("file_url", String(64), primary_key=True),
    Column("storage_key", String(64), nullable=False, unique=True),
    Column("user_filename", String(255), nullable=False),
    Column("ext", String(17), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("delete_key", String(36), nullable=False),
    Column("owner_account_id", String(128), nullable=False, default=""),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
Table(
    "outbox",
    LEGACY,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("subject", String(255), nullable=False),
    Column("payload", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

LEGACY_FILE = StoredFile(
    file_url="legacy0001",
    storage_key="b" * 32,
    user_filename="old report.pdf",
    ext=".pdf",
    size=12345,
    sha256="c" * 64,
    delete_key="0b1d3a52-7a35-4c0a-9e57-3d1f5b0e8f11",
    owner_account_id="acc-legacy",
    created_at=CREATED,
)

# The row as the legacy table holds it (a StoredFile's limits are columns of later revisions).
LEGACY_COLUMNS = {
    name: value for name, value in LEGACY_FILE.__dict__.items() if name not in ("limits", "inline", "content")
}


async def test_the_migrations_make_the_tables_the_models_describe(engine):
    await SCHEMA.upgrade(engine)

    async with engine.connect() as connection:
        assert await connection.run_sync(DIFFERENCES_FROM_MODELS) == []
    assert await SCHEMA.current_revision(engine) == SCHEMA.head_revision()


async def test_the_baseline_makes_exactly_what_create_all_made(engine):
    async with engine.begin() as connection:
        await connection.run_sync(LEGACY.create_all)
        made_by_create_all = await connection.run_sync(SCHEMA_OF)
        await connection.run_sync(LEGACY.drop_all)

    async with engine.begin() as connection:
        await connection.run_sync(upgrade_to(SCHEMA, "0001"))

    async with engine.connect() as connection:
        baseline_tables = {
            name: value
            for name, value in (await connection.run_sync(SCHEMA_OF)).items()
            if name in LEGACY.tables
        }
    assert baseline_tables == made_by_create_all


async def test_a_database_made_before_migrations_is_upgraded_with_its_rows_kept(engine):
    async with engine.begin() as connection:
        await connection.run_sync(LEGACY.create_all)
        await connection.execute(LEGACY.tables["files"].insert().values(**LEGACY_COLUMNS))
        await connection.execute(
            LEGACY.tables["outbox"]
            .insert()
            .values(
                event_id="8a0d3c1e-3f7b-4c0e-9a1b-2c3d4e5f6a7b",
                subject="files.uploaded",
                payload=b"\x0a\x01x",
                created_at=CREATED,
            )
        )

    await SCHEMA.upgrade(engine)

    async with SqlAlchemyUnitOfWork(engine, encode_event, "files") as uow:
        assert await uow.files.get("legacy0001") == LEGACY_FILE
    async with engine.connect() as connection:
        pending = (await connection.execute(select(outbox_table.c.subject, outbox_table.c.payload))).all()
        assert pending == [("files.uploaded", b"\x0a\x01x")]
        assert await connection.run_sync(DIFFERENCES_FROM_MODELS) == []
    assert await SCHEMA.current_revision(engine) == SCHEMA.head_revision()


async def test_a_database_with_part_of_the_tables_and_no_version_is_refused_untouched(engine):
    async with engine.begin() as connection:
        await connection.run_sync(functools.partial(LEGACY.create_all, tables=[LEGACY.tables["files"]]))

    with pytest.raises(UnknownSchema, match="outbox"):
        await SCHEMA.upgrade(engine)

    async with engine.connect() as connection:
        assert await connection.run_sync(lambda sync: inspect(sync).get_table_names()) == ["files"]


@pytest.mark.timeout(60)
async def test_replicas_starting_together_on_one_database_both_come_up(database_url):
    engines = [create_engine(database_url) for _ in range(3)]
    try:
        await asyncio.gather(*(SCHEMA.upgrade(engine) for engine in engines))
        assert await SCHEMA.current_revision(engines[0]) == SCHEMA.head_revision()
    finally:
        for engine in engines:
            await engine.dispose()


async def test_a_database_at_0002_is_upgraded_with_its_files_kept_and_usage_read_from_the_new_index(engine):
    async with engine.begin() as connection:
        await connection.run_sync(upgrade_to(SCHEMA, "0002"))
        await connection.execute(LEGACY.tables["files"].insert().values(**LEGACY_COLUMNS))
        await connection.execute(
            LEGACY.tables["files"]
            .insert()
            .values(
                **{
                    **LEGACY_COLUMNS,
                    "file_url": "legacy0002",
                    "storage_key": "d" * 32,
                    "size": 55,
                }
            )
        )

    await SCHEMA.upgrade(engine)

    async with SqlAlchemyUnitOfWork(engine, encode_event, "files") as uow:
        assert await uow.files.get("legacy0001") == LEGACY_FILE
        assert await uow.files.usage_of("acc-legacy") == AccountUsage(files=2, bytes=12345 + 55)
        assert await uow.files.usage_of("acc-other") == AccountUsage(files=0, bytes=0)
    async with engine.connect() as connection:
        indexes = await connection.run_sync(lambda sync: inspect(sync).get_indexes("files"))
        assert ("ix_files_owner_account_id_size", ["owner_account_id", "size"]) in [
            (index["name"], index["column_names"]) for index in indexes
        ]
    assert await SCHEMA.current_revision(engine) == SCHEMA.head_revision()


async def test_a_database_at_0003_gains_the_blocked_hashes_with_its_rows_kept(engine):
    async with engine.begin() as connection:
        await connection.run_sync(upgrade_to(SCHEMA, "0003"))
        await connection.execute(LEGACY.tables["files"].insert().values(**LEGACY_COLUMNS))
        await connection.execute(
            text(
                "INSERT INTO upload_idempotency (scope, idempotency_key, fingerprint, file_url, created_at) "
                "VALUES ('account:acc-legacy', 'key-1', :fingerprint, 'legacy0001', :created)"
            ),
            {"fingerprint": "f" * 64, "created": CREATED},
        )
    assert await SCHEMA.current_revision(engine) == "0003"

    await SCHEMA.upgrade(engine)

    assert await SCHEMA.current_revision(engine) == SCHEMA.head_revision()
    async with SqlAlchemyUnitOfWork(engine, encode_event, "files") as uow:
        assert await uow.files.get("legacy0001") == LEGACY_FILE
        assert (
            await uow.idempotency.get(IdempotencyKey("account:acc-legacy", "key-1"))
        ).file_url == "legacy0001"
        assert await uow.blocked.list_all() == []
        # The new table joins the file insert: an upload of the legacy file's bytes is stored.
        again = dataclasses.replace(LEGACY_FILE, file_url="legacy0002", storage_key="d" * 32)
        await uow.files.add(again)
        assert await uow.files.get("legacy0002") == again
    async with engine.connect() as connection:
        assert await connection.run_sync(DIFFERENCES_FROM_MODELS) == []
