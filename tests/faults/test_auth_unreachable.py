"""Fault 4: auth unreachable, killed (connections refused) or frozen (connections accepted, never
answered): anonymous files keep working, anything that carries a token fails closed."""

import signal
import time

import pytest

from support.api import bearer, client, register, upload, uploaded
from support.storage import blob_sizes, file_rows, temp_files

RPC_TIMEOUT_SECONDS = 1
ANSWERED_WITHIN_SECONDS = RPC_TIMEOUT_SECONDS + 2


def assert_json_503_in_time(request) -> None:
    started = time.monotonic()
    r = request()
    assert r.status_code == 503 and r.json()["status"] == "error", (r.status_code, r.text)
    assert time.monotonic() - started < ANSWERED_WITHIN_SECONDS


def account_requests(c, username: str, token: str) -> list:
    return [
        lambda: c.post("/api/login", json={"username": username, "password": "pw"}),
        lambda: c.post("/api/register", json={"username": "someone", "password": "pw"}),
        lambda: c.post("/api/refresh_token", json={"accessToken": token}),
        lambda: c.post("/api/logout", headers=bearer(token)),
        lambda: c.get("/api/get_files", headers=bearer(token)),
    ]


def assert_anonymous_files_work(c, mine: dict) -> None:
    anonymous = uploaded(c, "anonymous.txt", b"still works")
    assert anonymous["synced"] is False
    assert c.get("/file/" + anonymous["file_url"]).content == b"still works"
    assert c.get("/f/" + mine["file_url"]).content == b"my file"
    delete = c.get(f"/api/delete/{anonymous['file_url']}", params={"key": anonymous["key"]})
    assert delete.status_code == 200


@pytest.mark.parametrize("fault", ["killed", "frozen"])
def test_auth_unreachable_fails_closed_for_tokens_and_keeps_anonymous_files_working(make_stack, fault):
    stack = make_stack(FU_GATEWAY_RPC_TIMEOUT_SECONDS=str(RPC_TIMEOUT_SECONDS))
    storage, database = stack.config.data_dir / "blobs", stack.config.files_database_url
    auth = stack.processes["auth"]
    with client(stack.gateway_url) as c:
        account = register(c, password="pw")
        token = account["accessToken"]
        mine = uploaded(c, "mine.txt", b"my file", token=token)
        stored = file_rows(database), blob_sizes(storage)
        auth.kill() if fault == "killed" else auth.signal(signal.SIGSTOP)
        try:
            assert_json_503_in_time(lambda: upload(c, "detached.txt", b"never stored", token=token))
            assert (file_rows(database), blob_sizes(storage)) == stored and temp_files(storage) == []
            for request in account_requests(c, account["username"], token):
                assert_json_503_in_time(request)
            assert_anonymous_files_work(c, mine)
            assert c.get("/readyz").status_code == 503
        finally:
            auth.signal(signal.SIGCONT)
