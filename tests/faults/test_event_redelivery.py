"""Fault 6: events delivered twice, and events taken by a consumer that died before its ack."""

import threading
import time

from support.api import client, listed, register, uploaded
from support.events import ack_pending, consumer_caught_up, publish_again, stream_events, take_without_ack
from support.load import AccountWorker, stop_all
from support.storage import file_rows, owned_like
from support.waiting import wait_until

ACK_WAIT_SECONDS = 2
CONVERGE_SECONDS = 20


def test_every_event_delivered_twice_in_any_order_leaves_every_list_exact(own_stack):
    with client(own_stack.gateway_url) as c:
        tokens = [register(c)["accessToken"] for _ in range(2)]
        kept = {
            token: [uploaded(c, f"keep-{i}.txt", b"kept", token=token)["file_url"] for i in range(2)]
            for token in tokens
        }
        for token in tokens:
            gone = uploaded(c, "gone.txt", b"deleted", token=token)
            assert c.get(f"/api/delete/{gone['file_url']}", params={"key": gone["key"]}).status_code == 200
        expected = {token: kept[token][::-1] for token in tokens}
        assert {token: listed(c, token) for token in tokens} == expected

        events = stream_events(own_stack)
        for subject, event in [*reversed(events), *events]:
            publish_again(own_stack, subject, event)
        wait_until(lambda: consumer_caught_up(own_stack), 10, "auth applying the duplicates")

        assert {token: listed(c, token) for token in tokens} == expected


def kill_auth_while_uploads_flow(stack, workers: list[AccountWorker], stop: threading.Event) -> None:
    for worker in workers:
        worker.start()
    try:
        wait_until(lambda: all(w.successes_since("upload", 0) >= 5 for w in workers), 30, "uploads flowing")
        stack.processes["auth"].kill()
        print(f"events delivered to auth, not acked when it was killed: {ack_pending(stack)}")
        time.sleep(0.5)
    finally:
        stop_all(workers, stop)


def test_auth_killed_while_events_flow_and_events_taken_unacked_leave_every_list_exact(make_stack):
    stack = make_stack(FU_AUTH_EVENTS_ACK_WAIT_SECONDS=str(ACK_WAIT_SECONDS))
    stop = threading.Event()
    workers = [AccountWorker(stack.gateway_url, stop, mixed=False) for _ in range(3)]
    kill_auth_while_uploads_flow(stack, workers, stop)
    assert {o.status for w in workers for o in w.outcomes} <= {200, 503}
    with client(stack.gateway_url) as c:
        for worker in workers:
            worker.delete_oldest(c)
        taken = take_without_ack(stack, batch=100)
        assert taken >= len(workers) and ack_pending(stack) >= len(workers), "deletes taken unacked"

        stack.start_service("auth")
        stack.wait_ready(30)
        rows = file_rows(stack.config.files_database_url)
        for worker in workers:
            assert set(worker.stored) <= set(rows)
            owned = owned_like(rows, next(iter(worker.stored)))
            wait_until(lambda: set(listed(c, worker.token)) == owned, CONVERGE_SECONDS, "every list exact")
            assert len(listed(c, worker.token)) == len(owned), "a file listed twice"
