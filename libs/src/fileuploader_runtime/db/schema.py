"""A service's database schema, brought to the newest Alembic revision: at start and by `python -m <service>
migrate`. A database made by create_all before migrations existed is stamped at the baseline first, never
recreated. Replicas starting together take turns: the whole upgrade is one transaction under a lock."""

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

LOCK_TIMEOUT = "60s"


class UnknownSchema(RuntimeError):
    """The database holds part of the tables and no version: not one this service made."""


@dataclass(frozen=True)
class MigratedSchema:
    """One service's migration history and how its tables are recognised in a database made before it."""

    service: str  # as `python -m <service>_service` and log lines name it: "auth", "files"
    migrations: Path  # the Alembic script directory (env.py and versions/)
    version_table: str
    baseline: str
    baseline_tables: frozenset[str]
    advisory_lock_key: int  # any fixed 64-bit number, the same in every replica, each service its own

    def alembic_config(self, connection: Connection | None = None) -> Config:
        config = Config()
        config.set_main_option("script_location", str(self.migrations))
        config.set_main_option("version_table", self.version_table)
        config.attributes["connection"] = connection
        return config

    def head_revision(self) -> str:
        head = ScriptDirectory.from_config(self.alembic_config()).get_current_head()
        assert head is not None, "the migration history has a head"
        return head

    async def upgrade(self, engine: AsyncEngine) -> None:
        async with engine.connect() as connection:
            await self._take_turns(connection)
            await connection.run_sync(self._upgrade)
            await connection.commit()

    async def current_revision(self, engine: AsyncEngine) -> str | None:
        async with engine.connect() as connection:
            return await connection.run_sync(self._current_revision)

    async def problem(self, engine: AsyncEngine) -> str | None:
        """What keeps commands that never change the schema from working on this database, or None."""
        current, head = await self.current_revision(engine), self.head_revision()
        if current == head:
            return None
        return (
            f"the {self.service} database is at schema revision {current or 'none'}, not {head}: "
            f"run `python -m {self.service}_service migrate` (or start this release's service) first"
        )

    async def _take_turns(self, connection: AsyncConnection) -> None:
        """Holds, until the commit, a lock that every replica's upgrade takes first (waiting at most
        LOCK_TIMEOUT, which also bounds the waits of the DDL behind it)."""
        if connection.dialect.name == "postgresql":
            await connection.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
            await connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": self.advisory_lock_key}
            )
        elif connection.dialect.name == "sqlite":
            # The write lock now (waiting busy_timeout), and DDL inside the transaction rather than
            # autocommitted.
            await connection.exec_driver_sql("BEGIN IMMEDIATE")

    def _upgrade(self, connection: Connection) -> None:
        config = self.alembic_config(connection)
        if self._made_before_migrations(connection):
            command.stamp(config, self.baseline)
        command.upgrade(config, "head")

    def _made_before_migrations(self, connection: Connection) -> bool:
        tables = set(inspect(connection).get_table_names())
        if self.version_table in tables or not tables & self.baseline_tables:
            return False
        if not self.baseline_tables <= tables:
            raise UnknownSchema(
                f"the database has the tables {sorted(tables & self.baseline_tables)} but not "
                f"{sorted(self.baseline_tables - tables)} and no {self.version_table}: refusing to migrate it"
            )
        return True

    def _current_revision(self, connection: Connection) -> str | None:
        context = MigrationContext.configure(connection, opts={"version_table": self.version_table})
        return context.get_current_revision()
