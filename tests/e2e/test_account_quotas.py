"""Account quotas and GET /api/account (issue 11), with the services as processes: a refused upload
stores nothing (no row, no blob, no temp data, no event), anonymous uploads pass, concurrent uploads at
the limit never take an account past it, and the account's numbers are exact right after each upload
and delete."""

import concurrent.futures

import pytest

from support.api import assert_error, bearer, client, listed, register, upload, uploaded
from support.events import stream_events
from support.stacks import UNLIMITED_RATES, running_stack, stack_config
from support.storage import blob_sizes, file_rows, outbox_size, temp_files
from support.waiting import wait_until

QUOTA_BYTES = 1_000_000
QUOTA_FILES = 5


@pytest.fixture(scope="module")
def stack(tmp_path_factory, postgres_server):
    config = stack_config(
        tmp_path_factory.mktemp("quotas"),
        postgres_server,
        **UNLIMITED_RATES,
        FU_FILES_ACCOUNT_QUOTA_BYTES=str(QUOTA_BYTES),
        FU_FILES_ACCOUNT_QUOTA_FILES=str(QUOTA_FILES),
    )
    with running_stack(config, postgres_server) as running:
        yield running


def account(c, token: str) -> dict:
    r = c.get("/api/account", headers=bearer(token))
    assert r.status_code == 200, r.text
    return r.json()


def stored_state(stack) -> tuple:
    """Rows, blobs and published events, once every event committed so far is published."""
    storage = stack.config.data_dir / "blobs"
    wait_until(lambda: outbox_size(stack.config.files_database_url) == 0, 10, "the outbox published")
    return file_rows(stack.config.files_database_url), blob_sizes(storage), len(stream_events(stack))


def test_account_numbers_are_exact_after_every_upload_and_delete(stack):
    with client(stack.gateway_url) as c:
        registered = register(c)
        token = registered["accessToken"]
        assert account(c, token) == {
            "status": "success",
            "message": "account got successfully",
            "username": registered["username"],
            "files": 0,
            "bytes_used": 0,
            "quota_bytes": QUOTA_BYTES,
            "quota_files": QUOTA_FILES,
        }
        one = uploaded(c, "one.bin", b"a" * 1000, token=token)
        assert (account(c, token)["files"], account(c, token)["bytes_used"]) == (1, 1000)
        uploaded(c, "two.bin", b"b" * 234, token=token)
        uploaded(c, "anonymous.bin", b"c" * 5000)
        assert (account(c, token)["files"], account(c, token)["bytes_used"]) == (2, 1234)
        assert c.get(f"/api/delete/{one['file_url']}", params={"key": one["key"]}).status_code == 200
        assert (account(c, token)["files"], account(c, token)["bytes_used"]) == (1, 234)


def test_an_upload_past_the_byte_quota_is_refused_and_stores_nothing(stack):
    with client(stack.gateway_url) as c:
        token = register(c)["accessToken"]
        kept = uploaded(c, "most.bin", b"m" * (QUOTA_BYTES - 100), token=token)
        before = stored_state(stack)

        r = upload(c, "over.bin", b"o" * 101, token=token)

        assert_error(r, 413, "Account storage quota exceeded (limit 1000000 bytes)", 20)
        assert stored_state(stack) == before
        assert temp_files(stack.config.data_dir / "blobs") == []
        assert outbox_size(stack.config.files_database_url) == 0
        assert listed(c, token) == [kept["file_url"]]
        uploaded(c, "exactly.bin", b"e" * 100, token=token)
        assert account(c, token)["bytes_used"] == QUOTA_BYTES


def test_a_big_upload_past_the_quota_is_refused_whatever_way_its_body_comes(stack):
    with client(stack.gateway_url) as c:
        token = register(c)["accessToken"]
        before = stored_state(stack)

        sized = upload(c, "big.bin", b"x" * (QUOTA_BYTES + 1), token=token)

        def chunked():
            head = b'--b\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n\r\n'
            yield head
            for _ in range(40):
                yield b"y" * 65536
            yield b"\r\n--b--\r\n"

        streamed = c.post(
            "/api/upload",
            content=chunked(),
            headers={**bearer(token), "Content-Type": "multipart/form-data; boundary=b"},
        )

        for r in (sized, streamed):
            assert_error(r, 413, "Account storage quota exceeded (limit 1000000 bytes)", 20)
        assert stored_state(stack) == before
        assert account(c, token)["files"] == 0


def test_the_file_count_quota_refuses_one_more_file_and_anonymous_uploads_pass(stack):
    with client(stack.gateway_url) as c:
        token = register(c)["accessToken"]
        for i in range(QUOTA_FILES):
            uploaded(c, f"f{i}.txt", b"x", token=token)
        before = stored_state(stack)

        r = upload(c, "one-more.txt", b"x", token=token)

        assert_error(r, 413, f"Account file count quota exceeded (limit {QUOTA_FILES} files)", 21)
        assert stored_state(stack) == before
        for _ in range(QUOTA_FILES + 1):
            assert uploaded(c, "anonymous.txt", b"x" * 2000)["synced"] is False
        assert account(c, token)["files"] == QUOTA_FILES


def test_concurrent_uploads_at_the_limit_never_take_the_account_past_it(stack):
    size = 300_000  # three fit in QUOTA_BYTES, not four
    with client(stack.gateway_url) as c:
        token = register(c)["accessToken"]

    def one_upload(i: int) -> int:
        with client(stack.gateway_url) as own:
            return upload(own, f"c{i}.bin", bytes([i]) * size, token=token).status_code

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(one_upload, range(8)))

    assert sorted(statuses) == [200] * 3 + [413] * 5, statuses
    with client(stack.gateway_url) as c:
        numbers = account(c, token)
        assert (numbers["files"], numbers["bytes_used"]) == (3, 3 * size)
        assert len(listed(c, token)) == 3
    rows = file_rows(stack.config.files_database_url)
    assert sum(1 for row in rows.values() if row["size"] == size) == 3
    assert temp_files(stack.config.data_dir / "blobs") == []


def test_account_needs_a_valid_token(stack):
    with client(stack.gateway_url) as c:
        r = c.get("/api/account")
        assert r.status_code == 401 and r.json()["auth_error"]["errorId"] == -1
        r = c.get("/api/account", headers=bearer("x.y.z"))
        assert r.status_code == 401 and r.json()["auth_error"]["errorId"] == -4


def test_a_transfer_past_the_quota_leaves_the_file_anonymous(stack):
    with client(stack.gateway_url) as c:
        token = register(c)["accessToken"]
        kept = uploaded(c, "mine.bin", b"k" * (QUOTA_BYTES - 1000), token=token)
        small, large = uploaded(c, "small.bin", b"s" * 1000), uploaded(c, "large.bin", b"l" * 1001)

        r = c.post(
            "/api/transfer",
            headers=bearer(token),
            json={
                "data": [
                    {"file_url": large["file_url"], "key": large["key"]},
                    {"file_url": small["file_url"], "key": small["key"]},
                ]
            },
        )

        assert r.status_code == 200, r.text
        assert [(item["claimed"], item["reason"]) for item in r.json()["data"]] == [
            (False, "over_quota"),
            (True, None),
        ]
        assert set(listed(c, token)) == {kept["file_url"], small["file_url"]}
        assert file_rows(stack.config.files_database_url)[large["file_url"]]["owner_account_id"] == ""
        assert account(c, token)["bytes_used"] == QUOTA_BYTES
