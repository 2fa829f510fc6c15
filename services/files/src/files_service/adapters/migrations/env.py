"""Alembic's entry for the files tables (see fileuploader_runtime.db.migrations_env)."""

from files_service.adapters.tables import metadata
from fileuploader_runtime.db.migrations_env import run_migrations

run_migrations(metadata)
