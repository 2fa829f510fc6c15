"""Connections opening a new SQLite database together all come up in write-ahead logging."""

import sqlite3
import threading

import pytest

from fileuploader_runtime.db.sqlite_wal import enter_wal_mode

CONNECTIONS = 3
ROUNDS = 40  # a plain `PRAGMA journal_mode=WAL` is refused in about one round in four here


def _open_together(database: str, switch) -> list[BaseException]:
    start = threading.Barrier(CONNECTIONS)
    failures: list[BaseException] = []

    def open_one() -> None:
        connection = sqlite3.connect(database, timeout=5, isolation_level=None)
        try:
            start.wait(timeout=10)
            switch(connection)
            assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        except BaseException as failure:
            failures.append(failure)
        finally:
            connection.close()

    threads = [threading.Thread(target=open_one) for _ in range(CONNECTIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return failures


@pytest.mark.timeout(120)
def test_connections_opening_a_new_database_together_all_switch_it(tmp_path):
    for round_ in range(ROUNDS):
        assert _open_together(str(tmp_path / f"{round_}.db"), enter_wal_mode) == []


def test_a_switch_kept_from_the_database_past_its_bound_fails(tmp_path):
    database = str(tmp_path / "held.db")
    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        waiter = sqlite3.connect(database, timeout=0, isolation_level=None)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            enter_wal_mode(waiter, within_seconds=0.2)
        waiter.close()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
