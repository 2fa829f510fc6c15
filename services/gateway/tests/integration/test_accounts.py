"""Accounts (contract 1.3), authorization errors (1.1) and deletes through the real app."""

import asyncio
import uuid
from datetime import UTC, datetime

import pytest

from fileuploader.auth.v1 import auth_pb2
from gateway.api.schemas import FileItem, FilesBody

MISSING = "No username/password provided"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_error(r, status: int, message: str, error_id: int | None = None) -> None:
    expected: dict[str, object] = {"status": "error", "message": message}
    if error_id is not None:
        expected["errorId"] = error_id
    assert (r.status_code, r.json()) == (status, expected)


def assert_auth_error(r, error_id: int, message: str) -> None:
    assert r.status_code == 401
    assert r.json() == {"status": "error", "auth_error": {"message": message, "errorId": error_id}}


@pytest.mark.parametrize("path", ["/api/register", "/api/login"])
async def test_sign_in_answers_token_and_username(client, fake_auth, path):
    if path == "/api/login":
        fake_auth.servicer.sign_up("alice", "secret")
    r = await client.post(path, json={"username": "alice", "password": "secret"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body == {
        "status": "success",
        "accessToken": body["accessToken"],
        "username": "alice",
        "message": "logged in with password",
    }
    assert body["accessToken"] in fake_auth.servicer.tokens


@pytest.mark.parametrize("path", ["/api/register", "/api/login"])
@pytest.mark.parametrize(
    "bot,kind", [("true", auth_pb2.TOKEN_KIND_BOT), ("false", auth_pb2.TOKEN_KIND_NORMAL)]
)
async def test_sign_in_asks_for_a_bot_token_when_bot_is_true(client, fake_auth, path, bot, kind):
    if path == "/api/login":
        fake_auth.servicer.sign_up("bob", "pw")
    r = await client.post(path, params={"bot": bot}, json={"username": "bob", "password": "pw"})
    assert fake_auth.servicer.tokens[r.json()["accessToken"]][1] == kind


@pytest.mark.parametrize("path", ["/api/register", "/api/login"])
@pytest.mark.parametrize(
    "body",
    [
        {},
        {"username": "x"},
        {"password": "y"},
        {"username": "", "password": "y"},
        {"username": 5, "password": "y"},
        {"username": "x", "password": None},
        [],
        "text",
        None,
    ],
)
async def test_sign_in_is_error_2_when_credentials_are_missing(client, path, body):
    assert_error(await client.post(path, json=body), 400, MISSING, 2)


@pytest.mark.parametrize("path", ["/api/register", "/api/login"])
@pytest.mark.parametrize("content", [b"", b"username=x&password=y", b"{broken"])
async def test_sign_in_is_error_2_when_body_is_not_json(client, path, content):
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    r = await client.post(path, content=content, headers=headers)
    assert_error(r, 400, MISSING, 2)


async def test_register_is_error_1_when_the_name_is_taken(client, fake_auth):
    fake_auth.servicer.sign_up("taken")
    r = await client.post("/api/register", json={"username": "taken", "password": "other"})
    assert_error(r, 400, "An account with this name is already registered", 1)


async def test_login_is_error_3_when_the_password_is_wrong(client, fake_auth):
    fake_auth.servicer.sign_up("carol", "right")
    assert_error(
        await client.post("/api/login", json={"username": "carol", "password": "wrong"}),
        400,
        "Wrong password",
        3,
    )


async def test_login_is_error_4_when_the_user_is_unknown(client):
    assert_error(
        await client.post("/api/login", json={"username": "nobody", "password": "x"}),
        404,
        "User not found",
        4,
    )


async def test_login_of_a_disabled_account_is_403_error_8(client, fake_auth):
    await client.post("/api/register", json={"username": "mallory", "password": "secret"})
    fake_auth.servicer.disabled.add("mallory")

    assert_error(
        await client.post("/api/login", json={"username": "mallory", "password": "secret"}),
        403,
        "This account is disabled",
        8,
    )
    assert_error(
        await client.post("/api/login", json={"username": "mallory", "password": "wrong"}),
        400,
        "Wrong password",
        3,
    )


async def test_register_refuses_overlong_username_and_password(client):
    long_name = await client.post("/api/register", json={"username": "u" * 65, "password": "p"})
    long_password = await client.post("/api/register", json={"username": "dave", "password": "p" * 1025})
    assert_error(long_name, 400, "Username is too long (at most 64 characters)")
    assert_error(long_password, 400, "Password is too long (at most 1024 characters)")


async def test_sign_in_is_413_when_body_is_huge(client):
    r = await client.post("/api/login", content=b"{" + b" " * 70_000 + b"}")
    assert_error(r, 413, "Request body too large")


@pytest.mark.parametrize("prefix", ["", "Bearer "])
async def test_refresh_rotates_the_token_with_or_without_bearer_prefix(client, fake_auth, prefix):
    old = fake_auth.servicer.sign_up("erin", kind=auth_pb2.TOKEN_KIND_BOT)
    r = await client.post("/api/refresh_token", json={"accessToken": prefix + old})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body == {
        "status": "success",
        "accessToken": body["accessToken"],
        "username": "erin",
        "message": "token refreshed successfully",
    }
    assert old not in fake_auth.servicer.tokens
    assert fake_auth.servicer.tokens[body["accessToken"]][1] == auth_pb2.TOKEN_KIND_BOT


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"accessToken": ""},
        {"accessToken": "   "},
        {"accessToken": "Bearer "},
        {"accessToken": 7},
        ["x"],
        "x",
        None,
    ],
)
async def test_refresh_is_error_5_when_no_token_is_given(client, body):
    assert_error(await client.post("/api/refresh_token", json=body), 400, "No access token provided", 5)


@pytest.mark.parametrize(
    "token,error_id,message",
    [
        ("garbage", -4, "Invalid access token"),
        ("expired-1", -3, "Access token expired"),
        ("tok-gone", -5, "Token not found"),
    ],
)
async def test_refresh_is_a_1_1_error_when_the_token_fails(client, token, error_id, message):
    assert_auth_error(await client.post("/api/refresh_token", json={"accessToken": token}), error_id, message)


async def test_logout_revokes_only_the_presented_token(client, fake_auth):
    first = fake_auth.servicer.sign_up("frank", "pw")
    login = await client.post("/api/login", json={"username": "frank", "password": "pw"})
    second = login.json()["accessToken"]
    r = await client.post("/api/logout", headers=bearer(first))
    assert r.status_code == 200 and r.json() == {"status": "success", "message": "logged out successfully"}
    assert_auth_error(await client.post("/api/logout", headers=bearer(first)), -5, "Token not found")
    assert (await client.get("/api/get_files", headers=bearer(second))).status_code == 200


@pytest.mark.parametrize("path", ["/api/get_files", "/api/getFiles"])
@pytest.mark.parametrize(
    "header,error_id,message",
    [
        (None, -1, "No Authorization header provided"),
        ("Token abc", -2, "Authorization header must have Bearer <token> format"),
        ("Bearer", -2, "Authorization header must have Bearer <token> format"),
        ("Bearer a b", -2, "Authorization header must have Bearer <token> format"),
        ("bearer", -2, "Authorization header must have Bearer <token> format"),
        ("Bearer expired-x", -3, "Access token expired"),
        ("Bearer not.a.jwt", -4, "Invalid access token"),
        ("Bearer tok-unknown", -5, "Token not found"),
    ],
)
async def test_token_routes_answer_1_1_errors(client, path, header, error_id, message):
    headers = {"Authorization": header} if header is not None else {}
    assert_auth_error(await client.get(path, headers=headers), error_id, message)


async def test_logout_is_error_minus_1_without_header(client):
    assert_auth_error(await client.post("/api/logout"), -1, "No Authorization header provided")


@pytest.mark.parametrize("path", ["/api/get_files", "/api/getFiles"])
async def test_get_files_lists_the_account_files_newest_first(client, fake_auth, path):
    token = fake_auth.servicer.sign_up("gina")
    other = fake_auth.servicer.sign_up("hank")
    first = (
        await client.post("/api/upload", files={"file": ("one.txt", b"1")}, headers=bearer(token))
    ).json()
    second = (
        await client.post(
            "/api/upload",
            params={"include_ext": "true"},
            files={"file": ("two.PNG", b"22")},
            headers=bearer(token),
        )
    ).json()
    await client.post("/api/upload", files={"file": ("anon.txt", b"3")})
    r = await client.get(path, headers=bearer(token))
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "success" and body["message"] == "files got successfully"
    assert body["username"] == "gina"
    assert [item["file_url"] for item in body["data"]] == [second["file_url"], first["file_url"]]
    item = body["data"][0]
    assert item["file_url_full"] == second["file_url_full"] and item["key"] == second["key"]
    assert (item["ext"], item["user_filename"], item["size"], item["synced"]) == (".png", "two.PNG", 2, True)
    assert (item["creation_date"], item["created_at"]) == ("2.1.2026", "2026-01-02T03:04:05Z")
    assert (await client.get(path, headers=bearer(other))).json()["data"] == []


async def test_get_files_renders_every_field_of_the_contract_and_any_file_name_exactly(client, fake_auth):
    token = fake_auth.servicer.sign_up('ïris "the" \\ 🦊')
    account_id = fake_auth.servicer.accounts['ïris "the" \\ 🦊'][1].account_id
    name = 'naïve "quoted" \\ back\tslash\u0001 日本.txt'
    listed = auth_pb2.AccountFile(
        file_url="abc123", delete_key="k-1", ext=".txt", user_filename=name, size=2**40
    )
    listed.created_at.FromDatetime(datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=UTC))
    fake_auth.servicer.files[account_id] = [listed]

    r = await client.get("/api/get_files", headers=bearer(token))

    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    assert r.json() == {
        "status": "success",
        "message": "files got successfully",
        "username": 'ïris "the" \\ 🦊',
        "data": [
            {
                "file_url": "abc123",
                "file_url_full": "https://files.example.test/file/abc123",
                "key": "k-1",
                "ext": ".txt",
                "user_filename": name,
                "creation_date": "31.12.2026",
                "created_at": "2026-12-31T23:59:59Z",
                "size": 2**40,
                "synced": True,
                "expires_at": None,
                "max_downloads": None,
                "downloads_left": None,
            }
        ],
    }
    assert list(r.json()) == list(FilesBody.model_fields)
    assert list(r.json()["data"][0]) == list(FileItem.model_fields)


async def test_delete_with_the_key_removes_the_file(client, fake_files):
    body = (await client.post("/api/upload", files={"file": ("d.txt", b"delete me")})).json()
    r = await client.get(f"/api/delete/{body['file_url']}", params={"key": body["key"]})
    assert r.status_code == 200 and r.json() == {"status": "success", "message": "File deleted successfully"}
    assert body["file_url"] not in fake_files.servicer.blobs
    assert_error(
        await client.get(f"/api/delete/{body['file_url']}", params={"key": body["key"]}),
        404,
        "File not found",
    )


@pytest.mark.parametrize("params", [{"key": str(uuid.uuid4())}, {}, {"key": ""}, {"key": "not-a-uuid"}])
async def test_delete_is_400_and_keeps_the_file_when_key_is_wrong_or_missing(client, fake_files, params):
    body = (await client.post("/api/upload", files={"file": ("d.txt", b"keep me")})).json()
    r = await client.get(f"/api/delete/{body['file_url']}", params=params)
    assert_error(r, 400, "Invalid unique key")
    assert body["file_url"] in fake_files.servicer.blobs


@pytest.mark.parametrize("params", [{"key": str(uuid.uuid4())}, {}])
async def test_delete_is_404_when_the_file_is_unknown(client, params):
    assert_error(await client.get("/api/delete/nosuchfile9", params=params), 404, "File not found")


async def test_listings_asked_while_calls_are_out_share_one_call_each_answered_alone(client, fake_auth):
    fake_auth.servicer.delay_seconds = 0.2
    tokens = {name: fake_auth.servicer.sign_up(name) for name in ("ida", "jon", "kim", "lou", "max", "ned")}
    for name, token in tokens.items():
        await client.post(
            "/api/upload", files={"file": (f"{name}.txt", name.encode())}, headers=bearer(token)
        )
    asked = [*tokens.values(), "tok-unknown", "expired-x"]
    fake_auth.servicer.request_ids.clear()

    replies = await asyncio.gather(
        *(
            client.get("/api/get_files", headers={**bearer(token), "X-Request-ID": f"req-{n}"})
            for n, token in enumerate(asked)
        )
    )

    for name, r in zip(tokens, replies, strict=False):
        assert r.status_code == 200 and r.json()["username"] == name
        assert [item["user_filename"] for item in r.json()["data"]] == [f"{name}.txt"]
    assert_auth_error(replies[-2], -5, "Token not found")
    assert_auth_error(replies[-1], -3, "Access token expired")
    sizes = fake_auth.servicer.listing_batch_sizes
    assert max(sizes) > 1 and sum(sizes) == len(asked)
    assert sorted(fake_auth.servicer.request_ids) == sorted(f"req-{n}" for n in range(len(asked)))


async def test_listings_go_one_per_call_to_an_auth_service_without_batches(client, fake_auth):
    fake_auth.servicer.listing_batches_unimplemented = True
    tokens = [fake_auth.servicer.sign_up(name) for name in ("oli", "pam", "quin")]

    replies = await asyncio.gather(*(client.get("/api/get_files", headers=bearer(token)) for token in tokens))
    again = await client.get("/api/get_files", headers=bearer("tok-unknown"))

    assert [r.json()["username"] for r in replies] == ["oli", "pam", "quin"]
    assert_auth_error(again, -5, "Token not found")
    assert fake_auth.servicer.listing_batch_sizes == []


async def test_long_listings_too_large_to_share_one_answer_are_asked_for_one_a_call(make_client, fake_auth):
    """Four lists of ~4.6 MiB each: two together pass the 8 MiB a gateway takes in one message. (A
    roomy RPC timeout: moving ~30 MB through a loaded machine may take a few seconds.)"""
    client = await make_client(rpc_timeout_seconds=30.0)
    fake_auth.servicer.delay_seconds = 0.2
    tokens = [fake_auth.servicer.sign_up(name) for name in ("ray", "sue", "tom", "uma")]
    for token in tokens:
        account, _ = fake_auth.servicer.tokens[token]
        fake_auth.servicer.files[account.account_id] = [
            auth_pb2.AccountFile(file_url=f"f{n}", user_filename=f"{n:030000d}.txt") for n in range(160)
        ]

    replies = await asyncio.gather(*(client.get("/api/get_files", headers=bearer(token)) for token in tokens))

    assert [r.status_code for r in replies] == [200] * 4
    assert [len(r.json()["data"]) for r in replies] == [160] * 4
    assert max(fake_auth.servicer.listing_batch_sizes) == 2, "the last two were asked for together first"
