"""Listings read from a SQLite database on a connection of their own, on its thread.

Through the engine a listing costs a pool checkout, a cursor, the statement, its rows, closing the cursor
and two rollbacks, each a hop to the connection's thread and back. Here it is one hop, shared by every
listing asked for at the same moment (each still read by a statement begun after it was asked). The connection
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
Rows = list[tuple[Any, ...]]


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
        self._queued: list[tuple[str, asyncio.Future[Rows]]] = []

    async def of_token_holder(self, token_hash: str) -> AccountFileList | None:
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[Rows] = loop.create_future()
        self._queued.append((token_hash, answer))
        if len(self._queued) == 1:
            loop.call_soon(self._read_queued, loop)  # once the callers woken with this one have queued too
        try:
            rows = await answer
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

    def _read_queued(self, loop: asyncio.AbstractEventLoop) -> None:
        """Every queued listing read in one trip to the connection's thread: the callers that one look at
        the file events lets through arrive together."""
        queued, self._queued = self._queued, []
        try:
            reading = loop.run_in_executor(self._thread, self._read_all, [token for token, _ in queued])
        except RuntimeError as error:  # closed
            _answer_all(queued, error)
            return
        reading.add_done_callback(lambda done: _answer_each(queued, done))

    def _read_all(self, token_hashes: list[str]) -> list[Rows | sqlite3.Error]:
        answers: list[Rows | sqlite3.Error] = []
        for token_hash in token_hashes:
            try:
                answers.append(self._read(token_hash))
            except sqlite3.Error as error:
                answers.append(error)
        return answers

    def _read(self, token_hash: str) -> Rows:
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
    processors: list[tuple[int, ColumnProcessor]] = []
    for index, column in enumerate(LIVE_FILES_OF_TOKEN_HOLDER.selected_columns):
        process = column.type.dialect_impl(engine.dialect).result_processor(engine.dialect, None)
        if process is not None:
            processors.append((index, process))
    return processors


def _answer_each(queued: list[tuple[str, asyncio.Future[Rows]]], done: asyncio.Future[list[Any]]) -> None:
    if done.cancelled():
        _answer_all(queued, RuntimeError("listing read cancelled"))
        return
    if (error := done.exception()) is not None:
        _answer_all(queued, error)
        return
    for (_, answer), result in zip(queued, done.result(), strict=True):
        if answer.done():  # its caller gave up waiting
            continue
        if isinstance(result, BaseException):
            answer.set_exception(result)
        else:
            answer.set_result(result)


def _answer_all(queued: list[tuple[str, asyncio.Future[Rows]]], error: BaseException) -> None:
    for _, answer in queued:
        if not answer.done():
            answer.set_exception(error)
