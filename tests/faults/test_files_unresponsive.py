"""Fault 9: files frozen (SIGSTOP: its sockets still accept, nothing answers). No transfer hangs: a new
upload or download, and one already in flight, gets a JSON 503 or is cut within BOUND_SECONDS.

The per-step bound is set far above BOUND_SECONDS here, so that the gRPC keepalive (its defaults)
is what notices the frozen peer. Slow clients are not mistaken for it."""

import contextlib
import os
import signal
import time

from support.api import client, uploaded
from support.raw_http import SlowDownload, SlowUpload
from support.storage import assert_nothing_stored_since, stored, wait_until_an_upload_is_in_temp

MB = 1024 * 1024
BOUND_SECONDS = 15
ONLY_KEEPALIVE_NOTICES = {"FU_GATEWAY_STREAM_STEP_TIMEOUT_SECONDS": "600"}
UNAVAILABLE = {"status": "error", "message": "Files service is unavailable, try again later"}
# Far more than the buffers between files and the client hold (some 5 MB): the download cannot end from them.
LARGE_FILE_BYTES = 32 * MB
SLOW_SECONDS = 8


@contextlib.contextmanager
def frozen(process):
    process.signal(signal.SIGSTOP)
    try:
        yield time.monotonic()
    finally:
        process.signal(signal.SIGCONT)


def test_new_uploads_and_downloads_while_files_is_frozen_are_answered_503_in_time(make_stack):
    stack = make_stack(**ONLY_KEEPALIVE_NOTICES)
    with client(stack.gateway_url, timeout=2 * BOUND_SECONDS) as c:
        earlier = uploaded(c, "earlier.txt", b"stored before")
        before = stored(stack)
        with frozen(stack.processes["files"]):
            for request in (
                lambda: c.post("/api/upload", files={"file": ("six.txt", b"6bytes")}),
                lambda: c.get("/file/" + earlier["file_url"]),
            ):
                started = time.monotonic()
                r = request()
                took = time.monotonic() - started
                assert (r.status_code, r.json()) == (503, UNAVAILABLE), (r.status_code, r.text)
                assert took < BOUND_SECONDS, f"answered after {took:.1f} s"
                print(f"{r.request.method} {r.request.url.path.split('/')[1]}: 503 after {took:.1f} s")
        assert_nothing_stored_since(stack, before)


def test_upload_in_flight_when_files_freezes_is_answered_503_in_time(make_stack):
    stack = make_stack(**ONLY_KEEPALIVE_NOTICES)
    before = stored(stack)
    upload = SlowUpload(stack.gateway_url, 8 * MB)
    upload.send(2 * MB)
    wait_until_an_upload_is_in_temp(stack.config.data_dir / "blobs")
    with frozen(stack.processes["files"]) as since:
        status, body = upload.finish()
        took = time.monotonic() - since
    assert (status, body) == (503, UNAVAILABLE)
    assert took < BOUND_SECONDS, f"answered after {took:.1f} s"
    print(f"upload in flight: 503 {took:.1f} s after files froze")
    assert_nothing_stored_since(stack, before)


def test_download_in_flight_when_files_freezes_is_cut_in_time(make_stack):
    stack = make_stack(**ONLY_KEEPALIVE_NOTICES)
    with client(stack.gateway_url) as c:
        large = uploaded(c, "large.bin", os.urandom(LARGE_FILE_BYTES))
    download = SlowDownload(stack.gateway_url, "/file/" + large["file_url"])
    download.read(MB)
    with frozen(stack.processes["files"]) as since:
        body = download.finish()
        took = time.monotonic() - since
    assert download.status == 200 and len(body) < LARGE_FILE_BYTES
    assert took < BOUND_SECONDS, f"cut after {took:.1f} s"
    print(f"download in flight: cut {took:.1f} s after files froze, {len(body) // MB} MB of 32 MB sent")


def test_slow_clients_are_not_mistaken_for_an_unresponsive_files(make_stack):
    """Each transfer outlasts several steps' bounds and keepalive pings: files, answering its pings and
    taking or sending each message at once, is never taken as unresponsive."""
    stack = make_stack(
        FU_GATEWAY_STREAM_STEP_TIMEOUT_SECONDS="1",
        FU_GATEWAY_RPC_KEEPALIVE_SECONDS="2",
        FU_GATEWAY_RPC_KEEPALIVE_TIMEOUT_SECONDS="2",
    )
    upload = SlowUpload(stack.gateway_url, 2 * MB)
    for _ in range(SLOW_SECONDS):
        assert upload.send(2 * MB // SLOW_SECONDS), "answered before the body ended"
        time.sleep(1)
    status, body = upload.finish()
    assert status == 200, body
    with client(stack.gateway_url) as c:
        assert c.get("/file/" + body["file_url"]).content == upload.data
        large = os.urandom(16 * MB)
        stored_large = uploaded(c, "large.bin", large)
    download = SlowDownload(stack.gateway_url, "/file/" + stored_large["file_url"])
    for second in range(SLOW_SECONDS):
        download.read(MB // 4 * (second + 1))
        time.sleep(1)
    assert download.status == 200 and download.finish() == large
