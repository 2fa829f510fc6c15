"""Checks of a service's migration history against its models and against what create_all made."""

from collections.abc import Callable

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, MetaData, inspect

from fileuploader_runtime.db.schema import MigratedSchema


def upgrade_to(schema: MigratedSchema, revision: str) -> Callable[[Connection], None]:
    """For `connection.run_sync`: the history up to `revision`, without the lock and the baseline stamp."""

    def upgrade(connection: Connection) -> None:
        command.upgrade(schema.alembic_config(connection), revision)

    return upgrade


def differences_from_models(schema: MigratedSchema, metadata: MetaData) -> Callable[[Connection], list]:
    """For `connection.run_sync`: what the database has that the models do not, or the other way."""

    def differences(connection: Connection) -> list:
        context = MigrationContext.configure(connection, opts={"version_table": schema.version_table})
        return compare_metadata(context, metadata)

    return differences


def schema_of(schema: MigratedSchema) -> Callable[[Connection], dict]:
    """For `connection.run_sync`: every table's columns, keys, constraints and indexes, as the database
    reports them (the version table left out)."""

    def described(connection: Connection) -> dict:
        inspector = inspect(connection)
        return {
            table: {
                "columns": [(c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(table)],
                "primary key": inspector.get_pk_constraint(table),
                "unique": sorted(
                    (u["name"], tuple(u["column_names"])) for u in inspector.get_unique_constraints(table)
                ),
                "foreign keys": sorted(
                    (f["name"], tuple(f["constrained_columns"]), f["referred_table"], str(f["options"]))
                    for f in inspector.get_foreign_keys(table)
                ),
                "indexes": sorted(
                    (i["name"], tuple(i["column_names"])) for i in inspector.get_indexes(table)
                ),
            }
            for table in sorted(inspector.get_table_names())
            if table != schema.version_table
        }

    return described
