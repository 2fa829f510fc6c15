"""Fault 3: NATS stopped while uploads and deletes go on."""

import time

from support.api import client, listed, register, uploaded
from support.storage import outbox_size
from support.waiting import wait_until

PUBLISH_TIMEOUT_SECONDS = 5
FAST_SECONDS = 1.5  # well under the publish timeout: nobody waits for a NATS that is known to be down
CATCH_UP_SECONDS = 10


def timed(call):
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def upload_and_delete_while_nats_is_down(c, token: str, files: list[dict]) -> float:
    """The slowest of three uploads and a delete."""
    slowest = 0.0
    for i in range(3):
        body, seconds = timed(lambda: uploaded(c, f"during-{i}.txt", b"during", token=token))
        assert seconds < FAST_SECONDS, f"an upload waited {seconds:.1f} s for NATS"
        files.append(body)
        slowest = max(slowest, seconds)
    gone = files.pop(0)
    r, seconds = timed(lambda: c.get(f"/api/delete/{gone['file_url']}", params={"key": gone["key"]}))
    assert r.status_code == 200 and seconds < FAST_SECONDS, (r.text, seconds)
    assert c.get("/file/" + files[-1]["file_url"]).content == b"during"
    return max(slowest, seconds)


def test_uploads_deletes_and_lists_go_on_while_nats_is_down_and_lists_catch_up_after(make_stack):
    stack = make_stack(FU_FILES_PUBLISH_TIMEOUT_SECONDS=str(PUBLISH_TIMEOUT_SECONDS))
    database = stack.config.files_database_url
    with client(stack.gateway_url) as c:
        tokens = [register(c)["accessToken"] for _ in range(3)]
        files = {
            token: [uploaded(c, f"before-{i}.txt", b"before", token=token) for i in range(2)]
            for token in tokens
        }
        before_outage = {token: listed(c, token) for token in tokens}
        stack.processes["nats"].stop()

        slowest = max(upload_and_delete_while_nats_is_down(c, token, files[token]) for token in tokens)
        print(f"slowest upload or delete while NATS was down: {slowest:.3f} s")
        for token in tokens:
            listing, seconds = timed(lambda: listed(c, token))
            assert seconds < FAST_SECONDS, f"get_files took {seconds:.1f} s while NATS is down"
            during = [
                f["file_url"] for f in reversed(files[token]) if f["user_filename"].startswith("during")
            ]
            # Uploads answered synced are listed at once; a delete's event waits for NATS.
            assert listing == during + before_outage[token], "the list as it stood, plus the uploads since"
        assert outbox_size(database) == len(tokens) * 4

        stack.start_nats()
        returned = time.monotonic()
        for token in tokens:
            expected = [f["file_url"] for f in reversed(files[token])]
            wait_until(lambda: listed(c, token) == expected, CATCH_UP_SECONDS, "every list complete again")
        print(f"every list complete {time.monotonic() - returned:.1f} s after NATS returned")
        wait_until(lambda: outbox_size(database) == 0, CATCH_UP_SECONDS, "the outbox emptied")
