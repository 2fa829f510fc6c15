"""The database schema, brought to the newest Alembic revision: at start and by `python -m auth_service
migrate`. A database made by create_all before migrations existed is stamped at the baseline first, never
recreated. Replicas starting together take turns: the whole upgrade is one transaction under a lock."""

import pathlib

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

MIGRATIONS = pathlib.Path(__file__).with_name("migrations")
VERSION_TABLE = "alembic_version_auth"
BASELINE = "0001"
BASELINE_TABLES = frozenset({"accounts", "access_tokens", "account_files"})
# Any fixed 64-bit number, the same in every replica; files' differs.
ADVISORY_LOCK_KEY = 0x61757468_01
LOCK_TIMEOUT = "60s"


class UnknownSchema(RuntimeError):
    """The database holds part of the tables and no version: not one this service made."""


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("version_table", VERSION_TABLE)
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the migration history has a head"
    return head


async def upgrade_schema(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        await _take_turns(connection)
        await connection.run_sync(_upgrade)
        await connection.commit()


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as connection:
        return await connection.run_sync(_current_revision)


async def _take_turns(connection: AsyncConnection) -> None:
    """Holds, until the commit, a lock that every replica's upgrade takes first (waiting at most
    LOCK_TIMEOUT, which also bounds the waits of the DDL behind it)."""
    if connection.dialect.name == "postgresql":
        await connection.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
        await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
    elif connection.dialect.name == "sqlite":
        # The write lock now (waiting busy_timeout), and DDL inside the transaction rather than autocommitted.
        await connection.exec_driver_sql("BEGIN IMMEDIATE")


def _upgrade(connection: Connection) -> None:
    config = alembic_config(connection)
    if _made_before_migrations(connection):
        command.stamp(config, BASELINE)
    command.upgrade(config, "head")


def _made_before_migrations(connection: Connection) -> bool:
    tables = set(inspect(connection).get_table_names())
    if VERSION_TABLE in tables or not tables & BASELINE_TABLES:
        return False
    if not BASELINE_TABLES <= tables:
        raise UnknownSchema(
            f"the database has the tables {sorted(tables & BASELINE_TABLES)} but not "
            f"{sorted(BASELINE_TABLES - tables)} and no {VERSION_TABLE}: refusing to migrate it"
        )
    return True


def _current_revision(connection: Connection) -> str | None:
    context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
    return context.get_current_revision()
