"""DELETE /api/files/<file_url> with X-Delete-Key: the answers of GET /api/delete/<url>?key=, with the
key out of the URL."""

import uuid

import pytest

from .test_accounts import assert_error


async def upload(client) -> dict:
    return (await client.post("/api/upload", files={"file": ("d.txt", b"delete me")})).json()


async def test_delete_with_the_key_in_the_header_removes_the_file(client, fake_files):
    body = await upload(client)

    r = await client.delete(f"/api/files/{body['file_url']}", headers={"X-Delete-Key": body["key"]})

    assert r.status_code == 200 and r.json() == {"status": "success", "message": "File deleted successfully"}
    assert r.headers["cache-control"] == "no-store"
    assert body["file_url"] not in fake_files.servicer.blobs
    again = await client.delete(f"/api/files/{body['file_url']}", headers={"X-Delete-Key": body["key"]})
    assert_error(again, 404, "File not found")


@pytest.mark.parametrize("headers", [{"X-Delete-Key": str(uuid.uuid4())}, {}, {"X-Delete-Key": ""}])
async def test_delete_with_a_wrong_or_missing_header_is_400_as_with_the_query(client, fake_files, headers):
    body = await upload(client)

    by_header = await client.delete(f"/api/files/{body['file_url']}", headers=headers)
    by_query = await client.get(
        f"/api/delete/{body['file_url']}", params={"key": headers["X-Delete-Key"]} if headers else {}
    )

    assert_error(by_header, 400, "Invalid unique key")
    assert (by_header.status_code, by_header.json()) == (by_query.status_code, by_query.json())
    assert body["file_url"] in fake_files.servicer.blobs


@pytest.mark.parametrize("headers", [{"X-Delete-Key": str(uuid.uuid4())}, {}])
async def test_delete_with_the_header_is_404_when_the_file_is_unknown(client, headers):
    assert_error(await client.delete("/api/files/nosuchfile9", headers=headers), 404, "File not found")


async def test_a_query_key_on_the_header_route_deletes_nothing(client, fake_files):
    body = await upload(client)

    r = await client.delete(f"/api/files/{body['file_url']}", params={"key": body["key"]})

    assert_error(r, 400, "Invalid unique key")
    assert body["file_url"] in fake_files.servicer.blobs
