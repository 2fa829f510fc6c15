"""Account quotas through the real app: a refused upload's answer, the size bound sent to files, and
GET /api/account, against the fake services."""

import pytest

BOUNDARY = "quotatestboundary"


def form(name: str, content: bytes) -> bytes:
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    )
    return head.encode() + content + f"\r\n--{BOUNDARY}--\r\n".encode()


def upload(client, token: str | None, content: bytes, name: str = "a.bin"):
    headers = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return client.post("/api/upload", content=form(name, content), headers=headers)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_files_is_told_the_files_size_from_the_bodys_length_before_it_arrives(
    client, fake_auth, fake_files
):
    token = fake_auth.servicer.sign_up("alice")
    content = b"x" * 12345

    r = await upload(client, token, content)

    assert r.status_code == 200, r.text
    bound = fake_files.servicer.upload_metadata[-1].size_bound
    assert bound == len(content)


async def test_an_upload_past_the_byte_quota_is_413_with_its_error_id_and_stores_nothing(
    client, fake_auth, fake_files
):
    fake_files.servicer.quota_bytes = 1024 * 1024
    token = fake_auth.servicer.sign_up("bob")
    assert (await upload(client, token, b"a" * 1000 * 1000)).status_code == 200

    r = await upload(client, token, b"b" * 50 * 1000)

    assert r.status_code == 413
    assert r.json() == {
        "status": "error",
        "message": "Account storage quota exceeded (limit 1MB)",
        "errorId": 20,
    }
    assert r.headers["connection"] == "close"
    assert len(fake_files.servicer.blobs) == 1


async def test_an_upload_past_the_file_count_quota_is_413_naming_the_limit(client, fake_auth, fake_files):
    fake_files.servicer.quota_files = 1
    token = fake_auth.servicer.sign_up("carol")
    assert (await upload(client, token, b"one")).status_code == 200

    r = await upload(client, token, b"two")

    assert r.status_code == 413
    assert r.json() == {
        "status": "error",
        "message": "Account file count quota exceeded (limit 1 files)",
        "errorId": 21,
    }


async def test_anonymous_uploads_and_failed_tokens_pass_whatever_the_quotas(client, fake_files):
    fake_files.servicer.quota_files = 1
    for token in (None, "tok-unknown", None):
        r = await upload(client, token, b"anyone")
        assert r.status_code == 200 and r.json()["synced"] is False


async def test_account_answers_the_name_usage_and_limits(client, fake_auth, fake_files):
    fake_files.servicer.quota_bytes = 5000
    token = fake_auth.servicer.sign_up("dave")
    first = (await upload(client, token, b"12345")).json()
    await upload(client, token, b"678")
    await upload(client, None, b"not dave's")

    r = await client.get("/api/account", headers=bearer(token))

    assert r.status_code == 200
    assert r.json() == {
        "status": "success",
        "message": "account got successfully",
        "username": "dave",
        "files": 2,
        "bytes_used": 8,
        "quota_bytes": 5000,
        "quota_files": None,
    }
    assert r.headers["cache-control"] == "no-store"
    await client.get(f"/api/delete/{first['file_url']}", params={"key": first["key"]})
    after = (await client.get("/api/account", headers=bearer(token))).json()
    assert (after["files"], after["bytes_used"]) == (1, 3)


async def test_account_without_quotas_answers_null_limits(client, fake_auth):
    token = fake_auth.servicer.sign_up("erin")

    body = (await client.get("/api/account", headers=bearer(token))).json()

    assert (body["files"], body["bytes_used"], body["quota_bytes"], body["quota_files"]) == (0, 0, None, None)


@pytest.mark.parametrize(
    "headers,error_id",
    [
        ({}, -1),
        ({"Authorization": "Token abc"}, -2),
        ({"Authorization": "Bearer expired-1"}, -3),
        ({"Authorization": "Bearer not-a-jwt"}, -4),
        ({"Authorization": "Bearer tok-gone"}, -5),
    ],
)
async def test_account_answers_the_authorization_errors(client, headers, error_id):
    r = await client.get("/api/account", headers=headers)

    assert r.status_code == 401
    assert r.json()["status"] == "error" and r.json()["auth_error"]["errorId"] == error_id


async def test_account_is_503_when_files_cannot_be_reached(client, fake_auth, fake_files):
    token = fake_auth.servicer.sign_up("frank")
    await fake_files.stop()

    r = await client.get("/api/account", headers=bearer(token))

    assert r.status_code == 503 and r.json()["status"] == "error"


async def test_openapi_describes_the_account_and_the_quota_errors_of_an_upload(client):
    spec = (await client.get("/openapi.json")).json()

    account = spec["paths"]["/api/account"]["get"]
    assert {"200", "401", "503"} <= set(account["responses"])
    body = spec["components"]["schemas"]["AccountBody"]["properties"]
    assert {"username", "files", "bytes_used", "quota_bytes", "quota_files"} <= set(body)
    too_large = spec["paths"]["/api/upload"]["post"]["responses"]["413"]["content"]["application/json"][
        "schema"
    ]
    assert too_large["$ref"].endswith("/UploadTooLargeBody")
    assert "errorId" in spec["components"]["schemas"]["UploadTooLargeBody"]["properties"]


async def test_a_transfer_the_account_has_no_room_for_answers_over_quota(client, fake_auth, fake_files):
    fake_files.servicer.quota_files = 1
    token = fake_auth.servicer.sign_up("grace")
    first, second = [(await upload(client, None, content)).json() for content in (b"one", b"two")]

    r = await client.post(
        "/api/transfer",
        headers=bearer(token),
        json={
            "data": [
                {"file_url": first["file_url"], "key": first["key"]},
                {"file_url": second["file_url"], "key": second["key"]},
            ]
        },
    )

    assert r.status_code == 200, r.text
    outcomes = [(item["claimed"], item["reason"]) for item in r.json()["data"]]
    assert outcomes == [(True, None), (False, "over_quota")]
