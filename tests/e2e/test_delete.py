"""Delete (contract 1.2 and Part 2 #11)."""

import uuid

from support.api import assert_error, client, uploaded
from support.storage import file_rows


def test_delete_with_the_key_removes_the_file(base_url):
    with client(base_url) as c:
        body = uploaded(c, "d.txt", b"delete me")
        r = c.get(f"/api/delete/{body['file_url']}", params={"key": body["key"]})
        assert r.status_code == 200 and r.json()["status"] == "success"
        assert_error(c.get("/file/" + body["file_url"]), 404, "File not found")
        assert_error(
            c.get(f"/api/delete/{body['file_url']}", params={"key": body["key"]}), 404, "File not found"
        )


def test_delete_with_a_wrong_or_missing_key_is_400_and_keeps_the_file(base_url):
    with client(base_url) as c:
        body = uploaded(c, "d.txt", b"keep me")
        assert_error(
            c.get(f"/api/delete/{body['file_url']}", params={"key": str(uuid.uuid4())}),
            400,
            "Invalid unique key",
        )
        assert_error(c.get(f"/api/delete/{body['file_url']}"), 400, "Invalid unique key")
        assert_error(
            c.get(f"/api/delete/{body['file_url']}", params={"key": "not-a-uuid"}), 400, "Invalid unique key"
        )
        assert c.get("/file/" + body["file_url"]).content == b"keep me"


def test_delete_of_an_unknown_file_is_404_whatever_the_key(base_url):
    with client(base_url) as c:
        assert_error(
            c.get("/api/delete/nosuchfile9", params={"key": str(uuid.uuid4())}), 404, "File not found"
        )
        assert_error(c.get("/api/delete/nosuchfile9"), 404, "File not found")


def test_delete_removes_the_stored_bytes(stack, base_url):
    blobs = stack.config.data_dir / "blobs"
    with client(base_url) as c:
        before = {p for p in blobs.rglob("*") if p.is_file()}
        body = uploaded(c, "bytes.bin", b"b" * 100_000)  # over FU_FILES_INLINE_MAX_BYTES: a blob
        added = {p for p in blobs.rglob("*") if p.is_file()} - before
        assert len(added) == 1
        c.get(f"/api/delete/{body['file_url']}", params={"key": body["key"]})
    assert not any(p.exists() for p in added)


def test_a_small_file_is_kept_in_its_row_alone_and_deleted_with_it(stack, base_url):
    blobs, database = stack.config.data_dir / "blobs", stack.config.files_database_url
    with client(base_url) as c:
        before = {p for p in blobs.rglob("*") if p.is_file()}
        body = uploaded(c, "small.bin", b"s" * 65536)  # FU_FILES_INLINE_MAX_BYTES, the default
        assert {p for p in blobs.rglob("*") if p.is_file()} == before
        assert file_rows(database)[body["file_url"]]["inline_size"] == 65536
        assert c.get("/file/" + body["file_url"]).content == b"s" * 65536

        c.get(f"/api/delete/{body['file_url']}", params={"key": body["key"]})

    assert body["file_url"] not in file_rows(database)
