"""Alembic's entry, shared: runs the revisions on the connection that `MigratedSchema.upgrade` hands it,
which is already locked against other replicas and inside the one transaction of the whole upgrade."""

from alembic import context
from sqlalchemy import MetaData


def run_migrations(metadata: MetaData) -> None:
    """Called from a service's migrations/env.py with its tables' metadata."""
    context.configure(
        connection=context.config.attributes["connection"],
        target_metadata=metadata,
        version_table=context.config.get_main_option("version_table"),
    )
    with context.begin_transaction():
        context.run_migrations()
