"""The Alembic history: it makes the tables the models describe, upgrades a database that an earlier
release made with create_all (rows included) instead of recreating it, and lets replicas start together."""

import asyncio
import functools
from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    MetaData,
    String,
    Table,
    inspect,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from auth_service.adapters.database import create_engine
from auth_service.adapters.schema import SCHEMA
from auth_service.adapters.tables import UtcDateTime, metadata
from auth_service.adapters.unit_of_work import SqlAlchemyUnitOfWork
from auth_service.domain.account_files import AccountFile
from auth_service.domain.model import Account, ApiToken, TokenKind, TokenRecord
from fileuploader_runtime.db.schema import UnknownSchema
from support.migrations import differences_from_models, schema_of, upgrade_to

pytestmark = pytest.mark.integration

DIFFERENCES_FROM_MODELS = differences_from_models(SCHEMA, metadata)
SCHEMA_OF = schema_of(SCHEMA)

CREATED = datetime(2025, 11, 12, 13, 14, 15, 161718, tzinfo=UTC)
EXPIRES = datetime(2035, 1, 2, 3, 4, 5, tzinfo=UTC)

# The tables as the releases before migrations defined them (and create_all made them), frozen here.
LEGACY = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)
Table(
    "accounts",
    LEGACY,
    Column("account_id", String(36), primary_key=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("password_hash", String, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)
Table(
    "access_tokens",
    LEGACY,
    Column("token_hash", String(64), primary_key=True),
    Column(
        "account_id",
        String(36),
        ForeignKey("accounts.account_id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("kind", String(16), nullable=False),
    Column("expires_at", UtcDateTime, nullable=False, index=True),
    Column("created_at", UtcDateTime, nullable=False),
)
Table(
    "account_files",
    LEGACY,
    Column("file_url", String, primary_key=True),
    Column("account_id", String, nullable=False),
    Column("delete_key", String, nullable=False),
    Column("ext", String, nullable=False),
    Column("user_filename", String, nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("deleted", Boolean, nullable=False, default=False),
    Index(None, "account_id", "created_at"),
)

ACCOUNT = Account("acc-legacy", "alice", "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA", CREATED)
TOKEN = TokenRecord("d" * 64, "acc-legacy", TokenKind.BOT, EXPIRES, CREATED)
LISTED = AccountFile(
    "legacy0001",
    "acc-legacy",
    "0b1d3a52-7a35-4c0a-9e57-3d1f5b0e8f11",
    ".pdf",
    "old report.pdf",
    12345,
    CREATED,
)


async def insert_baseline_rows(connection: AsyncConnection) -> None:
    """ACCOUNT, TOKEN and LISTED, in the baseline's tables."""
    legacy_account = {name: value for name, value in ACCOUNT.__dict__.items() if name != "disabled_at"}
    await connection.execute(LEGACY.tables["accounts"].insert().values(**legacy_account))
    await connection.execute(
        LEGACY.tables["access_tokens"]
        .insert()
        .values(
            token_hash=TOKEN.token_hash,
            account_id=TOKEN.account_id,
            kind=TOKEN.kind.value,
            expires_at=TOKEN.expires_at,
            created_at=TOKEN.created_at,
        )
    )
    legacy_file = {
        name: value for name, value in LISTED.__dict__.items() if name not in ("expires_at", "max_downloads")
    }
    await connection.execute(LEGACY.tables["account_files"].insert().values(**legacy_file))


@pytest.fixture
async def engine(database_url):
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


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
        await connection.run_sync(upgrade_to(SCHEMA, SCHEMA.baseline))

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
        await insert_baseline_rows(connection)

    await SCHEMA.upgrade(engine)

    async with SqlAlchemyUnitOfWork(engine) as uow:
        assert await uow.accounts.get_by_username("alice") == ACCOUNT
        assert await uow.tokens.get(TOKEN.token_hash) == TOKEN
        assert await uow.files.list_live("acc-legacy") == [LISTED]
    async with engine.connect() as connection:
        assert await connection.run_sync(DIFFERENCES_FROM_MODELS) == []
    assert await SCHEMA.current_revision(engine) == SCHEMA.head_revision()


async def test_a_database_with_part_of_the_tables_and_no_version_is_refused_untouched(engine):
    async with engine.begin() as connection:
        await connection.run_sync(functools.partial(LEGACY.create_all, tables=[LEGACY.tables["accounts"]]))

    with pytest.raises(UnknownSchema, match="access_tokens"):
        await SCHEMA.upgrade(engine)

    async with engine.connect() as connection:
        assert await connection.run_sync(lambda sync: inspect(sync).get_table_names()) == ["accounts"]


async def test_a_database_at_0001_with_rows_upgrades_to_api_tokens_and_keeps_its_tokens_working(engine):
    async with engine.connect() as connection:
        await connection.run_sync(lambda sync: command.upgrade(SCHEMA.alembic_config(sync), "0001"))
        await connection.commit()
    async with engine.begin() as connection:
        await insert_baseline_rows(connection)
    assert await SCHEMA.current_revision(engine) == "0001"

    await SCHEMA.upgrade(engine)

    api_token = ApiToken("a" * 32, "e" * 64, "acc-legacy", "ci", CREATED, EXPIRES)
    async with SqlAlchemyUnitOfWork(engine) as uow:
        assert await uow.tokens.get_with_account(TOKEN.token_hash) == (TOKEN, ACCOUNT)
        await uow.tokens.add(TokenRecord("e" * 64, "acc-legacy", TokenKind.API, EXPIRES, CREATED))
        await uow.api_tokens.add(api_token)
        await uow.commit()
    async with SqlAlchemyUnitOfWork(engine) as uow:
        assert await uow.api_tokens.list_live("acc-legacy", CREATED) == [api_token]
    assert await SCHEMA.current_revision(engine) == SCHEMA.head_revision()


@pytest.mark.timeout(60)
async def test_replicas_starting_together_on_one_database_both_come_up(database_url):
    engines = [create_engine(database_url) for _ in range(3)]
    try:
        await asyncio.gather(*(SCHEMA.upgrade(engine) for engine in engines))
        assert await SCHEMA.current_revision(engines[0]) == SCHEMA.head_revision()
    finally:
        for engine in engines:
            await engine.dispose()


async def test_a_database_at_0002_gains_disabled_at_with_its_rows_kept_and_enabled(engine):
    async with engine.begin() as connection:
        await connection.run_sync(upgrade_to(SCHEMA, "0002"))
        await insert_baseline_rows(connection)
    assert await SCHEMA.current_revision(engine) == "0002"

    await SCHEMA.upgrade(engine)

    assert await SCHEMA.current_revision(engine) == SCHEMA.head_revision()
    async with SqlAlchemyUnitOfWork(engine) as uow:
        account = await uow.accounts.get_by_username("alice")
        assert account == ACCOUNT and not account.disabled
        assert await uow.tokens.get_with_account(TOKEN.token_hash) == (TOKEN, ACCOUNT)
        assert await uow.files.list_live("acc-legacy") == [LISTED]
    async with engine.connect() as connection:
        assert await connection.run_sync(DIFFERENCES_FROM_MODELS) == []


async def test_a_database_at_0003_gains_file_limits_with_its_files_kept_unlimited(engine):
    async with engine.begin() as connection:
        await connection.run_sync(upgrade_to(SCHEMA, "0003"))
        await insert_baseline_rows(connection)
    assert await SCHEMA.current_revision(engine) == "0003"

    await SCHEMA.upgrade(engine)

    assert await SCHEMA.current_revision(engine) == SCHEMA.head_revision() == "0004"
    limited = AccountFile(
        "limited001", "acc-legacy", "key", ".txt", "burn.txt", 3, CREATED, expires_at=EXPIRES, max_downloads=2
    )
    async with SqlAlchemyUnitOfWork(engine) as uow:
        assert await uow.files.list_live("acc-legacy") == [LISTED]
        assert LISTED.expires_at is None and LISTED.max_downloads is None
        await uow.files.add_unless_present(limited)
        await uow.commit()
    async with SqlAlchemyUnitOfWork(engine) as uow:
        assert await uow.files.get("limited001") == limited
        listing = await uow.files.list_live_of_token_holder(TOKEN.token_hash)
    assert listing is not None and listing.files == [LISTED, limited]
    async with engine.connect() as connection:
        assert await connection.run_sync(DIFFERENCES_FROM_MODELS) == []
