"""Write-ahead logging for a SQLite database, switched on by each connection as it opens.

Connections opening a new database together each try the switch, which needs the database to
themselves; SQLite refuses all but one of them at once (SQLITE_BUSY without calling the busy handler,
which could deadlock there), so a refused one tries again, for a bounded time."""

import sqlite3
import time

SWITCH_WITHIN_SECONDS = 5.0
_FIRST_PAUSE_SECONDS = 0.001
_LONGEST_PAUSE_SECONDS = 0.05


def enter_wal_mode(connection: sqlite3.Connection, within_seconds: float = SWITCH_WITHIN_SECONDS) -> None:
    """Blocks the calling thread: run it in the connection's own (an in-memory database stays in memory)."""
    deadline = time.monotonic() + within_seconds
    pause = _FIRST_PAUSE_SECONDS
    while True:
        try:
            connection.execute("PRAGMA journal_mode=WAL").fetchall()
            return
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode != sqlite3.SQLITE_BUSY or time.monotonic() + pause > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, _LONGEST_PAUSE_SECONDS)
