"""Alembic's entry for the files tables (see fileuploader_runtime.db.migrations_env)."""

from fileuploader_runtime.db.migrations_env import run_migrations

from files_service.adapters.tables import metadata

run_migrations(metadata)
