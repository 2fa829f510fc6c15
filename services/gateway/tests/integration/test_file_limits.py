"""Uploads with expires_in / max_downloads, and how downloads of such files are answered and counted,
through the real app against the fake files service."""

from datetime import UTC, datetime, timedelta

import pytest

from fileuploader.auth.v1 import auth_pb2

DATA = bytes(range(256)) * 40


async def upload(client, params: dict | None = None, name: str = "clip.mp4"):
    return await client.post("/api/upload", params=params or {}, files={"file": (name, DATA)})


async def test_an_upload_without_limits_answers_nulls_and_is_downloaded_as_often_as_wanted(
    client, fake_files
):
    body = (await upload(client)).json()
    assert (body["expires_at"], body["max_downloads"], body["downloads_left"]) == (None, None, None)
    for _ in range(3):
        assert (await client.get(f"/file/{body['file_url']}")).status_code == 200
    assert fake_files.servicer.count_requests == []


async def test_an_upload_with_limits_answers_its_expiry_and_downloads(client):
    before = datetime.now(UTC)
    body = (await upload(client, {"expires_in": "1h", "max_downloads": "3"})).json()
    expires_at = datetime.fromisoformat(body["expires_at"])
    assert body["expires_at"].endswith("Z")
    assert before + timedelta(minutes=59) < expires_at <= before + timedelta(hours=1, seconds=1)
    assert (body["max_downloads"], body["downloads_left"]) == (3, 3)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"expires_in": "0"}, "Bad expires_in (seconds, or a duration such as 30m, 1h or 7d)"),
        ({"expires_in": "soon"}, "Bad expires_in (seconds, or a duration such as 30m, 1h or 7d)"),
        ({"expires_in": "8d"}, "expires_in exceeds the limit (604800 seconds)"),
        ({"max_downloads": "0"}, "Bad max_downloads (a whole number, at least 1)"),
        ({"max_downloads": "many"}, "Bad max_downloads (a whole number, at least 1)"),
    ],
)
async def test_limits_out_of_bounds_are_a_contract_shaped_400_and_store_nothing(
    make_client, fake_files, params, message
):
    client = await make_client(max_expiry_seconds=7 * 86400)
    r = await upload(client, params)
    assert r.status_code == 400
    assert r.json() == {"status": "error", "message": message}
    assert fake_files.servicer.blobs == {}


async def test_the_default_expiry_applies_to_an_upload_that_asks_none(make_client):
    client = await make_client(default_expiry_seconds=600, max_expiry_seconds=3600)
    body = (await upload(client)).json()
    assert body["expires_at"] is not None


async def test_each_get_from_byte_zero_counts_and_the_one_past_the_limit_is_404(client, fake_files):
    url = (await upload(client, {"max_downloads": "2"})).json()["file_url"]

    first = await client.get(f"/file/{url}")
    assert first.status_code == 200 and first.content == DATA
    assert first.headers["cache-control"] == "no-store"
    assert (await client.get(f"/file/{url}", headers={"Range": "bytes=0-99"})).status_code == 206
    refused = await client.get(f"/file/{url}")
    assert refused.status_code == 404 and refused.json() == {"status": "error", "message": "File not found"}
    # files answered the third with downloads_left 0: refused without another count
    assert len(fake_files.servicer.count_requests) == 2


async def test_head_304_and_later_ranges_do_not_count_and_a_used_up_file_still_seeks(client, fake_files):
    url = (await upload(client, {"max_downloads": "1"})).json()["file_url"]
    etag = (await client.head(f"/file/{url}")).headers["etag"]
    assert (await client.get(f"/file/{url}", headers={"If-None-Match": etag})).status_code == 304
    assert (await client.get(f"/file/{url}", headers={"Range": "bytes=100-"})).status_code == 206
    assert fake_files.servicer.count_requests == []

    assert (await client.get(f"/file/{url}")).status_code == 200
    seek = await client.get(f"/file/{url}", headers={"Range": "bytes=5000-5099"})
    assert seek.status_code == 206 and seek.content == DATA[5000:5100]
    for request in (
        {"method": "HEAD"},
        {"method": "GET"},
        {"method": "GET", "headers": {"Range": "bytes=0-"}},
        {"method": "GET", "headers": {"If-None-Match": etag}},
    ):
        assert (await client.request(url=f"/file/{url}", **request)).status_code == 404


async def test_get_files_lists_the_expiry_and_the_downloads_left_now(client, fake_auth, fake_files):
    token = fake_auth.servicer.sign_up("limited")
    headers = {"Authorization": f"Bearer {token}"}
    url = (
        await client.post(
            "/api/upload",
            params={"max_downloads": "5", "expires_in": "2d"},
            files={"file": ("a.txt", b"hello")},
            headers=headers,
        )
    ).json()["file_url"]
    plain = (await client.post("/api/upload", files={"file": ("b.txt", b"hi")}, headers=headers)).json()[
        "file_url"
    ]
    await client.get(f"/file/{url}")

    items = {
        item["file_url"]: item
        for item in (await client.get("/api/get_files", headers=headers)).json()["data"]
    }

    assert (items[url]["max_downloads"], items[url]["downloads_left"]) == (5, 4)
    assert items[url]["expires_at"].endswith("Z")
    assert (items[plain]["expires_at"], items[plain]["max_downloads"], items[plain]["downloads_left"]) == (
        None,
        None,
        None,
    )


async def test_get_files_leaves_out_a_file_whose_downloads_are_used_up(client, fake_auth, fake_files):
    token = fake_auth.servicer.sign_up("gone")
    headers = {"Authorization": f"Bearer {token}"}
    url = (
        await client.post(
            "/api/upload", files={"file": ("a.txt", b"hello")}, headers=headers, params={"max_downloads": "1"}
        )
    ).json()["file_url"]
    assert [
        item["file_url"] for item in (await client.get("/api/get_files", headers=headers)).json()["data"]
    ] == [url]
    assert (await client.get(f"/file/{url}")).status_code == 200

    assert (await client.get("/api/get_files", headers=headers)).json()["data"] == []


async def test_get_files_lists_every_file_without_limits_from_a_files_service_older_than_them(
    client, fake_auth, fake_files
):
    token = fake_auth.servicer.sign_up("rolling")
    headers = {"Authorization": f"Bearer {token}"}
    url = (
        await client.post(
            "/api/upload", files={"file": ("a.txt", b"hello")}, headers=headers, params={"max_downloads": "5"}
        )
    ).json()["file_url"]
    fake_files.servicer.limits_unimplemented = True
    items = (await client.get("/api/get_files", headers=headers)).json()["data"]
    assert [(item["file_url"], item["downloads_left"]) for item in items] == [(url, None)]


async def test_get_files_of_files_without_download_limits_asks_files_nothing(client, fake_auth, fake_files):
    token = fake_auth.servicer.sign_up("plain")
    headers = {"Authorization": f"Bearer {token}"}
    for name in ("a.txt", "b.txt"):
        await client.post("/api/upload", files={"file": (name, b"hi")}, headers=headers)
    dated = (
        await client.post(
            "/api/upload", params={"expires_in": "1h"}, files={"file": ("c.txt", b"hi")}, headers=headers
        )
    ).json()["file_url"]

    items = (await client.get("/api/get_files", headers=headers)).json()["data"]

    assert len(items) == 3
    assert [item["expires_at"] is not None for item in items] == [item["file_url"] == dated for item in items]
    assert fake_files.servicer.limits_requests == []


async def test_get_files_asks_files_the_downloads_left_of_the_limited_files_only(
    client, fake_auth, fake_files
):
    token = fake_auth.servicer.sign_up("mixed")
    headers = {"Authorization": f"Bearer {token}"}
    limited = (
        await client.post(
            "/api/upload", params={"max_downloads": "3"}, files={"file": ("a.txt", b"hi")}, headers=headers
        )
    ).json()["file_url"]
    await client.post("/api/upload", files={"file": ("b.txt", b"hi")}, headers=headers)
    await client.get(f"/file/{limited}")

    listing = (await client.get("/api/get_files", headers=headers)).json()["data"]
    items = {item["file_url"]: item for item in listing}

    assert (items[limited]["max_downloads"], items[limited]["downloads_left"]) == (3, 2)
    assert fake_files.servicer.limits_requests == [[limited]]


async def test_get_files_leaves_out_a_file_expired_before_its_purge_reached_auth(
    client, fake_auth, fake_files
):
    token = fake_auth.servicer.sign_up("late")
    headers = {"Authorization": f"Bearer {token}"}
    kept = (
        await client.post(
            "/api/upload", params={"expires_in": "1h"}, files={"file": ("a.txt", b"hi")}, headers=headers
        )
    ).json()["file_url"]
    listed = fake_auth.servicer.files[fake_auth.servicer.tokens[token][0].account_id]
    expired = auth_pb2.AccountFile(
        file_url="expired01", delete_key="k", ext=".txt", user_filename="old.txt", size=2
    )
    expired.created_at.FromDatetime(datetime(2026, 1, 1, tzinfo=UTC))
    expired.expires_at.FromDatetime(datetime.now(UTC) - timedelta(seconds=1))
    listed.append(expired)

    items = (await client.get("/api/get_files", headers=headers)).json()["data"]

    assert [item["file_url"] for item in items] == [kept]
    assert fake_files.servicer.limits_requests == []


async def test_an_owned_upload_is_recorded_in_the_accounts_list_with_its_limits(client, fake_auth):
    token = fake_auth.servicer.sign_up("recorder")
    body = (
        await client.post(
            "/api/upload",
            params={"max_downloads": "4", "expires_in": "1d"},
            files={"file": ("a.txt", b"hi")},
            headers={"Authorization": f"Bearer {token}"},
        )
    ).json()

    [(_, recorded)] = fake_auth.servicer.recorded
    recorded_expiry = recorded.expires_at.ToDatetime(tzinfo=UTC).isoformat(timespec="seconds")
    recorded_expiry = recorded_expiry.replace("+00:00", "Z")
    assert (recorded.max_downloads, recorded_expiry) == (4, body["expires_at"])
