"""Fault 7: a client that goes away mid-upload, politely (FIN) or not (RST)."""

from support.api import client, uploaded
from support.raw_http import SlowUpload
from support.storage import blob_sizes, file_rows, temp_files, wait_until_an_upload_is_in_temp
from support.waiting import wait_until

MB = 1024 * 1024


def test_client_gone_mid_upload_leaves_nothing_stored_and_nothing_in_temp_space(own_stack):
    storage, database = own_stack.config.data_dir / "blobs", own_stack.config.files_database_url
    for reset in (False, True):
        upload = SlowUpload(own_stack.gateway_url, 4 * MB)
        upload.send(2 * MB)
        wait_until_an_upload_is_in_temp(storage)

        upload.disconnect(reset=reset)

        how = "RST" if reset else "FIN"
        wait_until(lambda: temp_files(storage) == [], 10, f"temp space emptied after a {how}")
        assert (file_rows(database), blob_sizes(storage)) == ({}, {})
    with client(own_stack.gateway_url) as c:
        assert uploaded(c, "after.txt", b"uploads go on")["file_url"] in file_rows(database)
