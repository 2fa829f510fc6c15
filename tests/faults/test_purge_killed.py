"""Fault: files SIGKILLed in the middle of a purge batch (its blobs deleted, its rows and events not yet
committed). Nothing is half-deleted: the rows stay, expired (404), without events; the next purge, by
the restarted process, deletes them and publishes their files.deleted events, once each."""

import asyncio
import contextlib
import threading
import time

import asyncpg

from support.api import client, get_files, register, uploaded
from support.events import stream_events
from support.storage import blob_sizes, file_rows, outbox_size
from support.waiting import wait_until

RESTART_SECONDS = 30
FILES = 5
EXPIRES_IN = 4


class HeldLock:
    """A transaction of the test's own holding `LOCK TABLE outbox IN EXCLUSIVE MODE`: the purge's insert of
    its events waits for it, after the purge has deleted its batch's blobs."""

    def __init__(self, database_url: str) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._connection = self._run(
            asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://", 1))
        )
        self._run(self._connection.execute("BEGIN; LOCK TABLE outbox IN EXCLUSIVE MODE"))

    def release(self) -> None:
        with contextlib.suppress(Exception):
            self._run(self._connection.execute("ROLLBACK"))
        self._run(self._connection.close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def _run(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(30)


def deleted_events(stack, file_urls: set[str]) -> list[str]:
    return [
        event.file_url
        for subject, event in stream_events(stack)
        if subject.endswith(".deleted") and event.file_url in file_urls
    ]


def test_files_killed_mid_purge_leaves_whole_rows_and_the_next_purge_finishes_them(make_stack):
    stack = make_stack(FU_FILES_PURGE_INTERVAL_SECONDS="0.5")
    database, storage = stack.config.files_database_url, stack.config.data_dir / "blobs"
    with client(stack.gateway_url) as c:
        token = register(c)["accessToken"]
        kept = uploaded(c, "kept.txt", b"never expires", token=token)["file_url"]
        urls = {
            uploaded(c, f"e{n}.txt", b"expiring %d" % n, token=token, expires_in=str(EXPIRES_IN))["file_url"]
            for n in range(FILES)
        }
        keys = {url: row["storage_key"] for url, row in file_rows(database).items() if url in urls}
        wait_until(lambda: outbox_size(database) == 0, 10, "the upload events published")

        lock = HeldLock(database)
        try:
            # Any of them: a purge that began while only some had expired holds those in its batch and
            # waits on the lock, so the others are not reached before the kill (the next purge takes them).
            wait_until(
                lambda: set(keys.values()) - set(blob_sizes(storage)),
                EXPIRES_IN + 10,
                "the purge deleting expired files' bytes",
            )
            time.sleep(0.5)  # the purge now waits on the lock, its rows deleted but not committed
            assert urls <= set(file_rows(database)), "rows were deleted before the purge committed"
            stack.processes["files"].kill()
        finally:
            lock.release()

        rows = file_rows(database)
        assert urls <= set(rows) and kept in rows, "the killed purge's transaction must roll back whole"
        assert deleted_events(stack, urls) == [] and outbox_size(database) == 0
        assert all(c.get(f"/file/{url}").status_code in (404, 503) for url in urls)

        stack.start_service("files")
        stack.wait_ready(RESTART_SECONDS)
        wait_until(lambda: not urls & set(file_rows(database)), 10, "the next purge finishing the batch")
        wait_until(lambda: sorted(deleted_events(stack, urls)) == sorted(urls), 10, "one event per file")
        assert kept in file_rows(database) and keys[min(urls)] not in blob_sizes(storage)
        assert all(c.get(f"/file/{url}").status_code == 404 for url in urls)
        assert [item["file_url"] for item in get_files(c, token)] == [kept]
        assert c.get(f"/file/{kept}").content == b"never expires"
