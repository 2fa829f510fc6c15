"""Alembic's entry for the auth tables (see fileuploader_runtime.db.migrations_env)."""

from fileuploader_runtime.db.migrations_env import run_migrations

from auth_service.adapters.tables import metadata

run_migrations(metadata)
