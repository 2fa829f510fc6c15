from sqlalchemy import Column, Integer, MetaData, String, Table

from fileuploader_runtime.db.migrations_env import run_migrations

metadata = MetaData()
Table("notes", metadata, Column("id", Integer, primary_key=True), Column("text", String, nullable=False))
Table("tags", metadata, Column("id", Integer, primary_key=True), Column("name", String, nullable=True))

run_migrations(metadata)
