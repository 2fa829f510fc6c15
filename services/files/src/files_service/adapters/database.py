"""The async engine for SQLite or PostgreSQL (the schema is `schema.upgrade_schema`'s)."""

import pathlib
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from fileuploader_runtime.db.one_trip_sqlite import one_trip_connector
from fileuploader_runtime.db.sqlite_wal import enter_wal_mode

SQLITE_BUSY_TIMEOUT_MS = 5000
POSTGRES_CONNECT_TIMEOUT_SECONDS = 5


def create_engine(url: str) -> AsyncEngine:
    """A failed statement's error (which gets logged) leaves out its parameters: delete keys."""
    backend = make_url(url).get_backend_name()
    if backend == "sqlite":
        _ensure_sqlite_directory(url)
        engine = create_async_engine(
            url, hide_parameters=True, async_creator=one_trip_connector(make_url(url), enter_wal_mode)
        )
        event.listen(engine.sync_engine, "connect", _configure_sqlite_connection)
        return engine
    return create_async_engine(
        url,
        pool_pre_ping=True,
        hide_parameters=True,
        connect_args={"timeout": POSTGRES_CONNECT_TIMEOUT_SECONDS},
    )


def sqlite_database_path(url: str) -> pathlib.Path | None:
    """The file of a SQLite database; None for another database or an in-memory one."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return pathlib.Path(parsed.database)


def _ensure_sqlite_directory(url: str) -> None:
    database = sqlite_database_path(url)
    if database is not None:
        database.parent.mkdir(mode=0o700, parents=True, exist_ok=True)


def _configure_sqlite_connection(dbapi_connection: Any, _connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA synchronous=FULL")  # each commit fsynced, whatever the build's default
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    finally:
        cursor.close()
