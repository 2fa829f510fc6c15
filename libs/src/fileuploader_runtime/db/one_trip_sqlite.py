"""SQLite connections on which a statement costs one trip to the connection's thread.

SQLAlchemy's aiosqlite adapter makes three or four trips per statement (create the cursor, execute,
fetch the rows, close the cursor), each a hand-off to aiosqlite's thread and back to the event loop.
Here a cursor's `execute` runs the statement, fetches the first rows and closes the cursor in one
trip; only a result longer than that (a streamed listing) goes back for the rest, a batch at a time,
so memory stays bounded. Everything else is aiosqlite's, on the same thread."""

import sqlite3
from collections.abc import Callable, Sequence
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import SQLiteDialect_aiosqlite
from sqlalchemy.engine import URL

PREFETCH_ROWS = 1000

_Description = tuple[tuple[Any, ...], ...] | None


def _execute(
    connection: sqlite3.Connection, sql: str, parameters: Any, many: bool
) -> tuple[sqlite3.Cursor | None, _Description, int, int | None, list[Any]]:
    """In the connection's thread: the statement run, its first rows, and the cursor if more may follow."""
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(sql, parameters)
        elif parameters is None:
            cursor.execute(sql)
        else:
            cursor.execute(sql, parameters)
        rows = cursor.fetchmany(PREFETCH_ROWS) if cursor.description else []
        meta = (cursor.description, cursor.rowcount, cursor.lastrowid)
    except BaseException:
        cursor.close()
        raise
    if len(rows) < PREFETCH_ROWS:
        cursor.close()
        return None, *meta, rows
    return cursor, *meta, rows


def _more(cursor: sqlite3.Cursor, size: int | None) -> tuple[list[Any], bool]:
    """In the connection's thread: up to `size` more rows (all when None), and whether any remain."""
    rows = cursor.fetchall() if size is None else cursor.fetchmany(size)
    finished = size is None or len(rows) < size
    if finished:
        cursor.close()
    return rows, not finished


class OneTripCursor:
    """The part of an aiosqlite cursor that SQLAlchemy's adapter uses."""

    arraysize = 1

    def __init__(self, connection: "OneTripConnection") -> None:
        self._connection = connection
        self._open: sqlite3.Cursor | None = None
        self._rows: list[Any] = []
        self.description: _Description = None
        self.rowcount = -1
        self.lastrowid: int | None = None

    async def __aenter__(self) -> "OneTripCursor":
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def execute(self, sql: str, parameters: Any = None) -> "OneTripCursor":
        return await self._run(sql, parameters, many=False)

    async def executemany(self, sql: str, parameters: Sequence[Any]) -> "OneTripCursor":
        return await self._run(sql, parameters, many=True)

    async def fetchone(self) -> Any:
        rows = await self.fetchmany(1)
        return rows[0] if rows else None

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        size = size or self.arraysize
        if len(self._rows) < size and self._open is not None:
            await self._fetch(max(size - len(self._rows), PREFETCH_ROWS))
        taken, self._rows = self._rows[:size], self._rows[size:]
        return taken

    async def fetchall(self) -> list[Any]:
        if self._open is not None:
            await self._fetch(None)
        taken, self._rows = self._rows, []
        return taken

    async def close(self) -> None:
        self._rows = []
        if self._open is not None:
            cursor, self._open = self._open, None
            await self._connection.in_thread(cursor.close)

    async def _run(self, sql: str, parameters: Any, many: bool) -> "OneTripCursor":
        await self.close()
        (
            self._open,
            self.description,
            self.rowcount,
            self.lastrowid,
            self._rows,
        ) = await self._connection.in_thread(_execute, self._connection.sqlite, sql, parameters, many)
        return self

    async def _fetch(self, size: int | None) -> None:
        assert self._open is not None
        rows, more = await self._connection.in_thread(_more, self._open, size)
        self._rows += rows
        if not more:
            self._open = None


class OneTripConnection(aiosqlite.Connection):
    def cursor(self) -> OneTripCursor:  # type: ignore[override]
        return OneTripCursor(self)

    @property
    def sqlite(self) -> sqlite3.Connection:
        return self._conn

    async def in_thread(self, function: Callable[..., Any], *args: Any) -> Any:
        return await self._execute(function, *args)  # type: ignore[no-untyped-call]  # aiosqlite's own queue


def one_trip_connector(
    url: URL, prepare: Callable[[sqlite3.Connection], None] | None = None
) -> Callable[[], OneTripConnection]:
    """`create_async_engine(url, async_creator=one_trip_connector(url))`: the connections SQLAlchemy's
    aiosqlite dialect would make of `url`, as OneTripConnection; `prepare`, when given, runs on each
    new connection in its own thread, where it may wait without holding up the event loop."""
    arguments, options = SQLiteDialect_aiosqlite().create_connect_args(url)

    def connect() -> OneTripConnection:
        (database,) = arguments

        def sqlite_connection() -> sqlite3.Connection:
            connection = sqlite3.connect(database, **options)
            if prepare is not None:
                try:
                    prepare(connection)
                except BaseException:
                    connection.close()
                    raise
            return connection

        connection = OneTripConnection(sqlite_connection, iter_chunk_size=64)
        connection._thread.daemon = True  # as SQLAlchemy's dialect makes it: never holds the process up
        return connection

    return connect
