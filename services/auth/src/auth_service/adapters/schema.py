"""The auth database's schema: its migration history (migrations/) and the tables of a database made
before migrations existed."""

import pathlib

from fileuploader_runtime.db.schema import MigratedSchema

SCHEMA = MigratedSchema(
    service="auth",
    migrations=pathlib.Path(__file__).with_name("migrations"),
    version_table="alembic_version_auth",
    baseline="0001",
    baseline_tables=frozenset({"accounts", "access_tokens", "account_files"}),
    advisory_lock_key=0x61757468_01,
)
