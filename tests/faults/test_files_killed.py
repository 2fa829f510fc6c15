"""Fault 1 and 2: the files service SIGKILLed mid-upload, and after its commit but before its event
reached NATS; and uploads retried with their Idempotency-Key after files died around their commit."""

import concurrent.futures
import hashlib
import os
import uuid

import httpx

from support.api import client, listed, loopback_address, register, upload, uploaded
from support.events import events_for
from support.raw_http import SlowUpload
from support.storage import (
    assert_every_file_served_whole,
    assert_every_row_has_its_bytes,
    blob_keys_of,
    blob_sizes,
    file_rows,
    outbox_size,
    temp_files,
    wait_until_an_upload_is_in_temp,
)
from support.waiting import wait_until

MB = 1024 * 1024
RESTART_SECONDS = 30
TEMP_CLEANED = "removed 1 temp leftover(s) of interrupted uploads"


def test_files_killed_mid_upload_answers_json_5xx_and_keeps_no_part_of_it(own_stack):
    storage, database = own_stack.config.data_dir / "blobs", own_stack.config.files_database_url
    with client(own_stack.gateway_url) as c:
        whole = uploaded(c, "whole.bin", os.urandom(300_000))
        upload = SlowUpload(own_stack.gateway_url, 4 * MB)
        upload.send(2 * MB)
        wait_until_an_upload_is_in_temp(storage)

        own_stack.processes["files"].kill()
        status, body = upload.finish()

        assert status in (502, 503) and body["status"] == "error", (status, body)
        assert set(file_rows(database)) == {whole["file_url"]}, "a row for the cut-off upload"
        assert len(temp_files(storage)) == 1, "the killed process had no chance to clean its temp file"
        own_stack.start_service("files")
        own_stack.wait_ready(RESTART_SECONDS)
        assert temp_files(storage) == [] and TEMP_CLEANED in own_stack.processes["files"].log_tail(200)
        rows = assert_every_row_has_its_bytes(database, storage)
        assert set(blob_sizes(storage)) == blob_keys_of(rows)
        assert_every_file_served_whole(c, database)


def test_event_committed_before_files_is_killed_is_published_after_restart_exactly_once(own_stack):
    database = own_stack.config.files_database_url
    with client(own_stack.gateway_url) as c:
        token = register(c)["accessToken"]
        earlier = uploaded(c, "earlier.txt", b"published at once", token=token)
        own_stack.processes["nats"].stop()
        body = uploaded(c, "outbox.txt", b"left in the outbox", token=token)
        assert body["synced"] is True and outbox_size(database) == 1

        own_stack.processes["files"].kill()
        own_stack.start_nats()
        own_stack.start_service("files")
        own_stack.wait_ready(RESTART_SECONDS)

        expected = [body["file_url"], earlier["file_url"]]
        wait_until(lambda: listed(c, token) == expected, 15, "the relayed event listed")
        wait_until(lambda: outbox_size(database) == 0, 10, "the outbox emptied by the relay")
        assert events_for(own_stack, body["file_url"]) == ["files.uploaded"]
        assert listed(c, token) == expected


def test_uploads_retried_with_their_idempotency_key_after_files_is_killed_are_stored_once(own_stack):
    """Files SIGKILLed while 8 clients upload, each with its own Idempotency-Key: some answers are lost
    (503), possibly after their commit. Every upload retried with its key, whatever it was answered,
    ends as exactly one file: a retry never stores a second copy."""
    database = own_stack.config.files_database_url
    with client(own_stack.gateway_url) as c:
        token = register(c)["accessToken"]
    uploads = [
        {
            "key": str(uuid.uuid4()),
            "name": f"doc{n}.bin",
            "data": os.urandom((n + 1) * 256 * 1024),
            "token": token if n % 2 else None,
            "address": loopback_address(),
        }
        for n in range(8)
    ]

    def send(item: dict) -> httpx.Response:
        with client(own_stack.gateway_url, item["address"]) as each:  # an anonymous key's scope
            return upload(
                each,
                item["name"],
                item["data"],
                token=item["token"],
                headers={"Idempotency-Key": item["key"]},
            )

    with concurrent.futures.ThreadPoolExecutor(len(uploads)) as pool:
        answers = [pool.submit(send, item) for item in uploads]
        wait_until(lambda: sum(answer.done() for answer in answers) >= 2, 30, "two uploads answered")
        own_stack.processes["files"].kill()
        first = [answer.result() for answer in answers]
    assert {r.status_code for r in first} <= {200, 502, 503}, [r.text for r in first]
    own_stack.start_service("files")
    own_stack.wait_ready(RESTART_SECONDS)

    with concurrent.futures.ThreadPoolExecutor(len(uploads)) as pool:
        retries = list(pool.map(send, uploads))

    assert [r.status_code for r in retries] == [200] * len(uploads), [r.text for r in retries]
    for before, after in zip(first, retries, strict=True):
        if before.status_code == 200:
            assert (after.json()["file_url"], after.json()["key"]) == (
                before.json()["file_url"],
                before.json()["key"],
            )
    rows = file_rows(database)
    digests = sorted(hashlib.sha256(item["data"]).hexdigest() for item in uploads)
    assert sorted(row["sha256"] for row in rows.values()) == digests, "a file stored twice, or lost"
    assert set(rows) == {r.json()["file_url"] for r in retries}
    with client(own_stack.gateway_url) as c:
        owned = [r.json()["file_url"] for r, item in zip(retries, uploads, strict=True) if item["token"]]
        wait_until(lambda: sorted(listed(c, token)) == sorted(owned), 15, "each owned file listed once")
