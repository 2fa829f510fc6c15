"""POST /api/transfer through the real app, against the fake auth and files services."""

import grpc
import pytest

from gateway.api.routes import transfer

from .test_accounts import assert_auth_error, assert_error, bearer

MISSING = 'No files to transfer provided: send {"data": [{"file_url": ..., "key": ...}]}'
TOO_MANY = "Too many files to transfer (at most 100 per request)"


def upload_anonymously(fake_files, name: str) -> tuple[str, str]:
    info = fake_files.servicer.put(name, b"data")
    return info.file_url, fake_files.servicer.blobs[info.file_url].delete_key


async def test_transfer_claims_each_file_and_answers_in_request_order(client, fake_auth, fake_files):
    token = fake_auth.servicer.sign_up("alice")
    account_id = fake_auth.servicer.accounts["alice"][1].account_id
    mine, other, theirs, already = (upload_anonymously(fake_files, f"{n}.txt") for n in "abcd")
    fake_files.servicer.owners[theirs[0]] = "someone-else"
    fake_files.servicer.owners[already[0]] = account_id

    r = await client.post(
        "/api/transfer",
        headers=bearer(token),
        json={
            "data": [
                {"file_url": mine[0], "key": mine[1]},
                {"file_url": "NeverStored", "key": mine[1]},
                {"file_url": other[0], "key": mine[1]},
                {"file_url": theirs[0], "key": theirs[1]},
                {"file_url": already[0], "key": already[1]},
            ]
        },
    )

    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"
    assert r.json() == {
        "status": "success",
        "data": [
            {"file_url": mine[0], "claimed": True, "reason": None},
            {"file_url": "NeverStored", "claimed": False, "reason": "unknown_file"},
            {"file_url": other[0], "claimed": False, "reason": "wrong_key"},
            {"file_url": theirs[0], "claimed": False, "reason": "owned_by_another_account"},
            {"file_url": already[0], "claimed": False, "reason": "already_yours"},
        ],
    }
    [request] = fake_files.servicer.claim_requests
    assert request.owner_account_id == account_id
    assert fake_files.servicer.owners[theirs[0]] == "someone-else"
    # Only the claimed file is listed in the account at once (read-your-writes), with its delete key.
    assert [(owner, file.file_url, file.delete_key) for owner, file in fake_auth.servicer.recorded] == [
        (account_id, mine[0], mine[1])
    ]


async def test_transfer_answers_even_when_auth_cannot_list_the_claimed_files_yet(
    client, fake_auth, fake_files
):
    token = fake_auth.servicer.sign_up("alice")
    fake_auth.servicer.record_failure = grpc.StatusCode.UNAVAILABLE
    file_url, key = upload_anonymously(fake_files, "a.txt")

    r = await client.post(
        "/api/transfer", headers=bearer(token), json={"data": [{"file_url": file_url, "key": key}]}
    )

    assert r.json()["data"] == [{"file_url": file_url, "claimed": True, "reason": None}]


async def test_transfer_lists_many_claimed_files_in_the_account(client, fake_auth, fake_files):
    token = fake_auth.servicer.sign_up("alice")
    uploads = [upload_anonymously(fake_files, f"{n}.txt") for n in range(100)]

    r = await client.post(
        "/api/transfer",
        headers=bearer(token),
        json={"data": [{"file_url": url, "key": key} for url, key in uploads]},
    )

    assert [item["claimed"] for item in r.json()["data"]] == [True] * 100
    assert sorted(file.file_url for _, file in fake_auth.servicer.recorded) == sorted(
        url for url, _ in uploads
    )


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"data": []},
        {"data": None},
        {"data": "F0"},
        {"data": [{"file_url": "F0"}]},
        {"data": [{"file_url": 5, "key": "k"}]},
        {"data": [{"file_url": "F0", "key": None}]},
        [],
        "text",
        None,
    ],
)
async def test_transfer_is_error_6_without_a_list_of_files_and_keys(client, fake_auth, fake_files, body):
    token = fake_auth.servicer.sign_up("alice")
    assert_error(await client.post("/api/transfer", headers=bearer(token), json=body), 400, MISSING, 6)
    assert fake_files.servicer.claim_requests == []


async def test_transfer_is_error_6_when_the_body_is_not_json(client, fake_auth):
    token = fake_auth.servicer.sign_up("alice")
    r = await client.post("/api/transfer", headers=bearer(token), content=b"{broken")
    assert_error(r, 400, MISSING, 6)


async def test_transfer_is_error_7_past_100_files(client, fake_auth, fake_files):
    token = fake_auth.servicer.sign_up("alice")
    data = [{"file_url": f"F{n:09}", "key": "k"} for n in range(transfer.MAX_TRANSFERRED_PER_REQUEST + 1)]

    assert_error(
        await client.post("/api/transfer", headers=bearer(token), json={"data": data}), 400, TOO_MANY, 7
    )
    assert fake_files.servicer.claim_requests == []


@pytest.mark.parametrize(
    "header,error_id,message",
    [
        (None, -1, "No Authorization header provided"),
        ("Token abc", -2, "Authorization header must have Bearer <token> format"),
        ("Bearer expired-1", -3, "Access token expired"),
        ("Bearer nonsense", -4, "Invalid access token"),
    ],
)
async def test_transfer_answers_1_1_errors_and_claims_nothing(client, fake_files, header, error_id, message):
    file_url, key = upload_anonymously(fake_files, "a.txt")
    headers = {"Authorization": header} if header else {}

    r = await client.post(
        "/api/transfer", headers=headers, json={"data": [{"file_url": file_url, "key": key}]}
    )

    assert_auth_error(r, error_id, message)
    assert fake_files.servicer.claim_requests == [] and fake_files.servicer.owners == {}


async def test_a_claimed_file_downloads_as_before(client, fake_auth, fake_files):
    """The download cache keeps no owner: nothing a download answers changes with ownership."""
    token = fake_auth.servicer.sign_up("alice")
    file_url, key = upload_anonymously(fake_files, "a.txt")
    before = await client.get(f"/file/{file_url}")

    await client.post(
        "/api/transfer", headers=bearer(token), json={"data": [{"file_url": file_url, "key": key}]}
    )
    after = await client.get(f"/file/{file_url}")

    assert after.content == before.content == b"data"
    assert {k: v for k, v in after.headers.items() if k not in ("date", "x-request-id")} == {
        k: v for k, v in before.headers.items() if k not in ("date", "x-request-id")
    }


async def test_the_openapi_document_describes_the_transfer(client):
    operation = (await client.get("/openapi.json")).json()["paths"]["/api/transfer"]["post"]

    assert {"200", "400", "401", "413", "429", "503"} <= set(operation["responses"])
    assert operation["requestBody"]["content"]["application/json"]["schema"]["properties"]["data"]


async def test_transfer_is_limited_with_the_auth_bucket(make_client, fake_auth, fake_files):
    client = await make_client(auth_rate_limit="1/minute")
    token = fake_auth.servicer.sign_up("alice")
    body = {"data": [{"file_url": "F000000000", "key": "k"}]}

    first = await client.post("/api/transfer", headers=bearer(token), json=body)
    second = await client.post("/api/transfer", headers=bearer(token), json=body)

    assert (first.status_code, second.status_code) == (200, 429)
    assert second.headers["retry-after"]
