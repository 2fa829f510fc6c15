"""Listings read from a SQLite database on a connection of their own, in one step on its thread each.

Through the engine a listing costs a pool checkout, a cursor, the statement, its rows, closing the cursor
and two rollbacks, each a hop to the connection's thread and back. Here it is one hop. The connection
stays outside any transaction, so each statement reads the database as of its last commit (WAL readers
never wait for writers), and it may only read.
"""

import asyncio
import sqlite3
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from auth_service.adapters.database import SQLITE_BUSY_TIMEOUT_MS
from auth_service.adapters.repositories import LIVE_FILES_OF_TOKEN_HOLDER, account_file_list_of
from auth_service.domain.errors import StorageUnavailable
from auth_service.domain.model import AccountFileList

ColumnProcessor = Callable[[Any], Any]


class SqliteAccountListings:
    def __init__(self, engine: AsyncEngine, database: Path) -> None:
        """`engine` is the service's engine on `database`: its dialect compiles the statement and
        converts the values it reads (timestamps, booleans) exactly as it would."""
        self._uri = database.resolve().as_uri() + "?mode=rw"  # never creates the file
        self._sql = str(LIVE_FILES_OF_TOKEN_HOLDER.compile(dialect=engine.dialect))
        self._processors = _result_processors(engine)
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="auth-listings")
        self._connection: sqlite3.Connection | None = None  # used on self._thread only
        self._closed = False

    async def of_token_holder(self, token_hash: str) -> AccountFileList | None:
        loop = asyncio.get_running_loop()
        try:
            rows = await loop.run_in_executor(self._thread, self._read, token_hash)
        except sqlite3.OperationalError as error:  # locked past the busy timeout, unreadable, no schema
            raise StorageUnavailable() from error
        return account_file_list_of([self._processed(row) for row in rows])

    async def close(self) -> None:
        """Closes the connection and ends its thread; closing again does nothing."""
        if self._closed:
            return
        self._closed = True
        await asyncio.get_running_loop().run_in_executor(self._thread, self._disconnect)
        self._thread.shutdown(wait=False)

    def _read(self, token_hash: str) -> list[tuple[Any, ...]]:
        connection = self._connected()
        try:
            return connection.execute(self._sql, (token_hash,)).fetchall()
        except sqlite3.Error:
            self._disconnect()  # the next read starts afresh on a new connection
            raise

    def _connected(self) -> sqlite3.Connection:
        if self._connection is None:
            connection = sqlite3.connect(self._uri, uri=True, isolation_level=None)
            try:
                connection.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
                connection.execute("PRAGMA query_only=ON")
            except BaseException:
                connection.close()
                raise
            self._connection = connection
        return self._connection

    def _disconnect(self) -> None:
        if self._connection is not None:
            connection, self._connection = self._connection, None
            connection.close()

    def _processed(self, row: Sequence[Any]) -> list[Any]:
        values = list(row)
        for index, process in self._processors:
            values[index] = process(values[index])
        return values


def _result_processors(engine: AsyncEngine) -> list[tuple[int, ColumnProcessor]]:
    """(column index, its conversion) for the statement's columns that the dialect converts."""
    processors = []
    for index, column in enumerate(LIVE_FILES_OF_TOKEN_HOLDER.selected_columns):
        process = column.type.dialect_impl(engine.dialect).result_processor(engine.dialect, None)
        if process is not None:
            processors.append((index, process))
    return processors
