"""Fault 5: PostgreSQL crashes and restarts under load (a private cluster: `pg_ctl stop -m immediate`,
so whatever was acknowledged must come back from the WAL)."""

import threading
import time
from collections import Counter

from support.api import client, listed
from support.load import AccountWorker, stop_all
from support.storage import assert_every_file_served_whole, assert_every_row_has_its_bytes, owned_like
from support.waiting import wait_until

WORKERS = 4
OUTAGE_SECONDS = 3
NO_HANG_SECONDS = 10  # the gateway's 5 s deadline plus room for a loaded machine
RECOVERY_SECONDS = 30


def all_served_since(workers: list[AccountWorker], since: float, uploads: int) -> bool:
    return all(
        w.successes_since("upload", since) >= uploads and w.successes_since("get_files", since)
        for w in workers
    )


def crash_and_restart_postgres_under_load(private_postgres, workers: list[AccountWorker]) -> None:
    wait_until(lambda: all_served_since(workers, 0, uploads=3), 30, "load before the outage")
    private_postgres.stop("immediate")
    time.sleep(OUTAGE_SECONDS)
    private_postgres.start()
    back = time.monotonic()
    wait_until(
        lambda: all_served_since(workers, back, uploads=2),
        RECOVERY_SECONDS,
        "every client served again, no service restarted",
    )


def test_postgres_restart_under_load_gives_json_503s_and_loses_nothing_acknowledged(
    private_postgres, make_stack
):
    stack = make_stack(database_server=private_postgres)
    stop = threading.Event()
    workers = [AccountWorker(stack.gateway_url, stop) for _ in range(WORKERS)]
    for worker in workers:
        worker.start()
    try:
        crash_and_restart_postgres_under_load(private_postgres, workers)
    finally:
        stop_all(workers, stop)

    outcomes = [o for w in workers for o in w.outcomes]
    print(Counter((o.operation, o.status) for o in outcomes))
    assert {o.status for o in outcomes} <= {200, 503}, Counter(o.status for o in outcomes)
    assert all(o.json_error for o in outcomes if o.status == 503)
    assert any(o.status == 503 for o in outcomes), "the outage was never seen"
    assert max(o.seconds for o in outcomes) < NO_HANG_SECONDS
    assert not [url for w in workers for url in w.corrupt], "a download served other bytes than uploaded"
    assert_nothing_acknowledged_was_lost(stack, workers)


def assert_nothing_acknowledged_was_lost(stack, workers: list[AccountWorker]) -> None:
    database = stack.config.files_database_url
    rows = assert_every_row_has_its_bytes(database, stack.config.data_dir / "blobs")
    with client(stack.gateway_url) as c:
        assert_every_file_served_whole(c, database)
        for worker in workers:
            assert set(worker.stored) <= set(rows), "an acknowledged upload is gone"
            assert not worker.deleted & set(rows), "an acknowledged delete came back"
            owned = owned_like(rows, next(iter(worker.stored)))
            wait_until(
                lambda: set(listed(c, worker.token)) == owned,
                RECOVERY_SECONDS,
                "the account's list equal to the files it owns",
            )
            r = c.post("/api/login", json={"username": worker.username, "password": worker.password})
            assert r.status_code == 200, r.text
