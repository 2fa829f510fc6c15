"""Fault 4: auth unreachable, killed (connections refused) or frozen (connections accepted, never
answered): anonymous files keep working, anything that carries a token fails closed."""
import signal
import time

import pytest

from support.api import bearer, client, register, upload, uploaded
from support.storage import blob_sizes, file_rows, temp_files

RPC_TIMEOUT_SECONDS = 1
ANSWERED_WITHIN_SECONDS = RPC_TIMEOUT_SECONDS + 2


def assert_json_503(r, started: float) -> None:
    assert r.status_code == 503 and r.json()["status"] == "error", (r.status_code, r.text)
    assert time.monotonic() - started < ANSWERED_WITHIN_SECONDS


@pytest.mark.parametrize("fault", ["killed", "frozen"])
def test_auth_unreachable_fails_closed_for_tokens_and_keeps_anonymous_files_working(make_stack, fault):
    stack = make_stack(FU_GATEWAY_RPC_TIMEOUT_SECONDS=str(RPC_TIMEOUT_SECONDS))
    storage, database = stack.config.data_dir / "blobs", stack.config.files_database_url
    auth = stack.processes["auth"]
    with client(stack.gateway_url) as c:
        account = register(c, password="pw")
        token = account["accessToken"]
        mine = uploaded(c, "mine.txt", b"my file", token=token)
        rows, blobs = file_rows(database), blob_sizes(storage)
        auth.kill() if fault == "killed" else auth.signal(signal.SIGSTOP)
        try:
            started = time.monotonic()
            assert_json_503(upload(c, "detached.txt", b"never stored", token=token), started)
            assert (file_rows(database), blob_sizes(storage), temp_files(storage)) == (rows, blobs, [])
            for request in (lambda: c.post("/api/login", json={"username": account["username"], "password": "pw"}),
                            lambda: c.post("/api/register", json={"username": "someone", "password": "pw"}),
                            lambda: c.post("/api/refresh_token", json={"accessToken": token}),
                            lambda: c.post("/api/logout", headers=bearer(token)),
                            lambda: c.get("/api/get_files", headers=bearer(token))):
                started = time.monotonic()
                assert_json_503(request(), started)

            anonymous = uploaded(c, "anonymous.txt", b"still works")
            assert anonymous["synced"] is False
            assert c.get("/file/" + anonymous["file_url"]).content == b"still works"
            assert c.get("/f/" + mine["file_url"]).content == b"my file"
            assert c.get(f"/api/delete/{anonymous['file_url']}", params={"key": anonymous["key"]}).status_code == 200
            assert c.get("/readyz").status_code == 503
        finally:
            auth.signal(signal.SIGCONT)
