"""A service behind the gateway that cannot be reached: a JSON 503 within the deadline (Part 2 #12)."""

import time

from support.api import client, upload, uploaded

UNAVAILABLE_WITHIN_SECONDS = 8


def test_files_down_gives_json_503_for_uploads_downloads_and_deletes(own_stack):
    with client(own_stack.gateway_url) as c:
        body = uploaded(c)
        own_stack.processes["files"].stop()
        for request in (
            lambda: upload(c),
            lambda: c.get("/file/" + body["file_url"]),
            lambda: c.get(f"/api/delete/{body['file_url']}", params={"key": body["key"]}),
        ):
            started = time.monotonic()
            r = request()
            assert r.status_code == 503, r.text
            assert r.json()["status"] == "error" and "unavailable" in r.json()["message"]
            assert time.monotonic() - started < UNAVAILABLE_WITHIN_SECONDS
        assert c.get("/readyz").status_code == 503


def test_restarted_service_is_found_again(own_stack):
    with client(own_stack.gateway_url) as c:
        own_stack.processes["files"].stop()
        assert upload(c).status_code == 503
        own_stack.start_service("files")
        deadline = time.monotonic() + 20
        while (r := upload(c)).status_code != 200:
            assert time.monotonic() < deadline, r.text
            time.sleep(0.2)
