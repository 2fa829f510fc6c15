"""The async engine for SQLite (aiosqlite) or PostgreSQL (asyncpg); the schema is in `schema`."""

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from fileuploader_runtime.db.one_trip_sqlite import one_trip_connector
from fileuploader_runtime.db.sqlite_wal import enter_wal_mode

SQLITE_BUSY_TIMEOUT_MS = 5000
POSTGRES_CONNECT_TIMEOUT_SECONDS = 5
# As many connections as SQLAlchemy's default pool allows at once (5 + 10 overflow), all of them kept:
# overflow connections were closed on return, so a burst of requests opened new ones (a thread and the
# pragmas per SQLite connection, a login per PostgreSQL one) request after request.
POOL_SIZE = 15
POOL_OPTIONS: dict[str, Any] = {"pool_size": POOL_SIZE, "max_overflow": 0}


def create_engine(database_url: str) -> AsyncEngine:
    """A failed statement's error (which gets logged) leaves out its parameters: hashes, delete keys."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return create_async_engine(
            url,
            pool_pre_ping=True,
            hide_parameters=True,
            **POOL_OPTIONS,
            connect_args={"timeout": POSTGRES_CONNECT_TIMEOUT_SECONDS},
        )
    database = sqlite_database_path(database_url)
    if database is not None:
        database.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    pool_options = POOL_OPTIONS if database is not None else {}  # in memory: one static connection
    engine = create_async_engine(
        url, hide_parameters=True, async_creator=one_trip_connector(url, enter_wal_mode), **pool_options
    )
    event.listen(engine.sync_engine, "connect", _configure_sqlite_connection)
    return engine


def sqlite_database_path(database_url: str) -> Path | None:
    """The file of a SQLite database; None for another database or an in-memory one."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def _configure_sqlite_connection(dbapi_connection: Any, _connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=FULL")  # each commit fsynced, whatever the build's default
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
