"""The files database's schema: its migration history (migrations/) and the tables of a database made
before migrations existed."""

import pathlib

from fileuploader_runtime.db.schema import MigratedSchema

SCHEMA = MigratedSchema(
    service="files",
    migrations=pathlib.Path(__file__).with_name("migrations"),
    version_table="alembic_version_files",
    baseline="0001",
    baseline_tables=frozenset({"files", "outbox"}),
    advisory_lock_key=0x66696C6573_01,
)
