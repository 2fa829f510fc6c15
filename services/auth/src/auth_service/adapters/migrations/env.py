"""Alembic's entry: runs the revisions on the connection that `schema.upgrade_schema` hands it, which is
already locked against other replicas and inside the one transaction of the whole upgrade."""

from alembic import context

from auth_service.adapters.tables import metadata

context.configure(
    connection=context.config.attributes["connection"],
    target_metadata=metadata,
    version_table=context.config.get_main_option("version_table"),
)
with context.begin_transaction():
    context.run_migrations()
