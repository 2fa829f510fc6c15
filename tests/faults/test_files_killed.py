"""Fault 1 and 2: the files service SIGKILLed mid-upload, and after its commit but before its event
reached NATS."""
import os

from support.api import client, listed, register, uploaded
from support.events import events_for
from support.raw_http import SlowUpload
from support.storage import (
    assert_every_file_served_whole,
    assert_every_row_has_its_bytes,
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
        assert set(blob_sizes(storage)) == {row["storage_key"] for row in rows.values()}
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
