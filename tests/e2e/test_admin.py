"""The operators' commands (`python -m files_service admin`, `python -m auth_service admin`) run as
one-off processes with the services' own settings, beside the services as processes
(docs/operations.md, "Operators")."""

import hashlib
import json
import subprocess
import sys
import uuid

from stack import SERVICE_MODULES
from support.api import assert_auth_error, assert_error, bearer, client, listed, register, upload, uploaded


def run_admin(stack, service: str, *arguments: str) -> tuple[int, object, str]:
    """Exit status, the JSON printed (None when nothing was) and the log lines."""
    argv = [
        sys.executable,
        "-m",
        SERVICE_MODULES[service],
        "admin",
        "--operator",
        "e2e-ops",
        "--json",
        *arguments,
    ]
    completed = subprocess.run(
        argv, env=stack.service_env(service), capture_output=True, timeout=120, check=False
    )
    out = completed.stdout.decode()
    return completed.returncode, json.loads(out) if out else None, completed.stderr.decode()


def stored_blobs(stack) -> set:
    return {path for path in (stack.config.data_dir / "blobs").rglob("*") if path.is_file()}


def test_blocked_bytes_are_refused_on_upload_and_nothing_is_stored(stack, base_url):
    data = b"abusive bytes " + uuid.uuid4().bytes
    sha256 = hashlib.sha256(data).hexdigest()
    status, blocked, log = run_admin(stack, "files", "block", sha256, "--reason", "abuse report 12")
    assert status == 0 and blocked["sha256"] == sha256 and blocked["blocked_by"] == "e2e-ops"
    assert "operator e2e-ops: blocked sha256 " + sha256 in log
    try:
        with client(base_url) as c:
            account = register(c)
            before = stored_blobs(stack)

            r = upload(c, "again.bin", data, token=account["accessToken"])

            assert_error(r, 403, "This file is blocked on this server")
            assert "errorId" not in r.json()
            assert stored_blobs(stack) == before
            assert not any((stack.config.data_dir / "blobs" / ".tmp").glob("*"))
            assert listed(c, account["accessToken"]) == []
            assert uploaded(c, "other.bin", data + b"!")["file_url"]
    finally:
        assert run_admin(stack, "files", "unblock", sha256)[0] == 0
    with client(base_url) as c:
        assert uploaded(c, "again.bin", data)["file_url"]


def test_admin_delete_answers_404_and_leaves_the_owners_list(stack, base_url):
    with client(base_url) as c:
        account = register(c)
        token = account["accessToken"]
        body = uploaded(c, "evidence.txt", b"to be removed", token=token)
        kept = uploaded(c, "kept.txt", b"stays", token=token)
        assert c.get("/file/" + body["file_url"]).content == b"to be removed"  # in the download cache now
        status, shown, _ = run_admin(stack, "files", "show", body["file_url_full"])
        assert status == 0 and shown["size"] == len(b"to be removed") and shown["owner_account_id"]
        assert shown["sha256"] == hashlib.sha256(b"to be removed").hexdigest()
        assert shown["stored_in"] == "database"  # a small file: its bytes are in its row
        assert body["key"] not in json.dumps(shown)

        status, result, log = run_admin(stack, "files", "delete", "--", body["file_url"])

        assert status == 0 and result["deleted"]["file_url"] == body["file_url"]
        assert "operator e2e-ops: deleted file " + body["file_url"] in log and body["key"] not in log
        assert_error(c.get("/file/" + body["file_url"]), 404, "File not found")
        assert listed(c, token) == [kept["file_url"]]
        assert run_admin(stack, "files", "show", body["file_url_full"])[0] == 1


def test_largest_and_newest_list_the_files(stack, base_url):
    with client(base_url) as c:
        big = uploaded(c, "big.bin", b"\0" * 3_000_000)
        newest = uploaded(c, "newest.txt", b"last")
    status, largest, _ = run_admin(stack, "files", "largest", "--limit", "50")
    assert status == 0 and big["file_url"] in [row["file_url"] for row in largest]
    assert [row["size"] for row in largest] == sorted((row["size"] for row in largest), reverse=True)
    status, latest, _ = run_admin(stack, "files", "newest", "--limit", "1")
    assert status == 0 and [row["file_url"] for row in latest] == [newest["file_url"]]


def test_a_disabled_account_is_refused_and_keeps_its_files_until_enabled(stack, base_url):
    with client(base_url) as c:
        account = register(c, password="the password")
        username, token = account["username"], account["accessToken"]
        body = uploaded(c, "mine.txt", b"my file", token=token)

        status, result, log = run_admin(stack, "auth", "disable", username)

        assert status == 0 and result["changed"] and result["tokens_revoked"] == 1
        assert "operator e2e-ops: disabled account" in log and token not in log
        assert_auth_error(c.get("/api/get_files", headers=bearer(token)), -5, "Token not found")
        refused = upload(c, "new.txt", b"new", token=token)
        assert refused.status_code == 200 and refused.json()["synced"] is False
        assert refused.json()["auth_error"] == {"message": "Token not found", "errorId": -5}
        assert_error(
            c.post("/api/login", json={"username": username, "password": "the password"}),
            403,
            "This account is disabled",
            8,
        )
        assert_error(
            c.post("/api/login", json={"username": username, "password": "not it"}), 400, "Wrong password", 3
        )
        assert c.get("/file/" + body["file_url"]).content == b"my file"

        assert run_admin(stack, "auth", "enable", username)[0] == 0

        again = c.post("/api/login", json={"username": username, "password": "the password"})
        assert again.status_code == 200
        assert listed(c, again.json()["accessToken"]) == [body["file_url"]]
        assert_auth_error(c.get("/api/get_files", headers=bearer(token)), -5, "Token not found")


def test_unknown_targets_exit_1_and_bad_input_2(stack):
    assert run_admin(stack, "auth", "disable", "no-such-user-" + uuid.uuid4().hex)[0] == 1
    assert run_admin(stack, "files", "delete", "nosuchfile")[0] == 1
    assert run_admin(stack, "files", "block", "not-a-sha256")[0] == 2
