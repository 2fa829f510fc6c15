"""POST/GET /api/tokens, DELETE /api/tokens/<id> and POST /api/password through the real app, against
the fake auth service."""

import pytest

from .test_accounts import assert_auth_error, assert_error, bearer

NAME_INVALID = "Token name must be 1-100 characters, none of them control characters"


async def create(client, token: str, **body) -> dict:
    r = await client.post("/api/tokens", headers=bearer(token), json={"name": "ci", **body})
    assert r.status_code == 200, r.text
    return r.json()


async def test_a_created_api_token_is_shown_once_and_works_as_a_login_token(client, fake_auth):
    login = fake_auth.servicer.sign_up("alice")

    r = await client.post("/api/tokens", headers=bearer(login), json={"name": "backup", "expires_in": 600})

    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    body = r.json()
    assert body == {
        "status": "success",
        "message": "token created successfully",
        "token": body["token"],
        "id": body["id"],
        "name": "backup",
        "created_at": "2026-01-02T03:04:05Z",
        "last_used_at": None,
        "expires_at": "2026-01-02T03:14:05Z",
    }
    files = await client.get("/api/get_files", headers=bearer(body["token"]))
    assert files.status_code == 200 and files.json()["username"] == "alice"
    assert fake_auth.servicer.api_token_requests[-1].expires_in_seconds == 600


async def test_without_expires_in_auth_chooses_the_lifetime(client, fake_auth):
    await create(client, fake_auth.servicer.sign_up("alice"))
    assert fake_auth.servicer.api_token_requests[-1].expires_in_seconds == 0


async def test_the_listing_shows_the_accounts_tokens_but_never_a_token(client, fake_auth):
    alice = fake_auth.servicer.sign_up("alice")
    first, second = await create(client, alice, name="one"), await create(client, alice, name="two")
    await create(client, fake_auth.servicer.sign_up("bob"), name="bob's")

    r = await client.get("/api/tokens", headers=bearer(alice))

    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    body = r.json()
    assert (body["status"], body["message"]) == ("success", "tokens got successfully")
    assert [item["id"] for item in body["data"]] == [second["id"], first["id"]]
    assert set(body["data"][0]) == {"id", "name", "created_at", "last_used_at", "expires_at"}
    assert first["token"] not in r.text and second["token"] not in r.text


async def test_a_revoked_api_token_is_refused_at_once(client, fake_auth):
    alice = fake_auth.servicer.sign_up("alice")
    created = await create(client, alice)

    r = await client.delete(f"/api/tokens/{created['id']}", headers=bearer(alice))

    assert r.status_code == 200 and r.json() == {"status": "success", "message": "token revoked successfully"}
    assert_auth_error(
        await client.get("/api/get_files", headers=bearer(created["token"])), -5, "Token not found"
    )
    assert (await client.get("/api/tokens", headers=bearer(alice))).json()["data"] == []


@pytest.mark.parametrize("token_id", ["no-such-id", "x" * 65])
async def test_revoking_an_unknown_id_is_404(client, fake_auth, token_id):
    alice = fake_auth.servicer.sign_up("alice")
    assert_error(
        await client.delete(f"/api/tokens/{token_id}", headers=bearer(alice)), 404, "API token not found"
    )


async def test_another_accounts_api_token_is_404_and_keeps_working(client, fake_auth):
    created = await create(client, fake_auth.servicer.sign_up("alice"))
    bob = fake_auth.servicer.sign_up("bob")

    assert_error(
        await client.delete(f"/api/tokens/{created['id']}", headers=bearer(bob)), 404, "API token not found"
    )
    assert (await client.get("/api/get_files", headers=bearer(created["token"]))).status_code == 200


@pytest.mark.parametrize(
    "method,path,body",
    [
        ("GET", "/api/tokens", None),
        ("POST", "/api/tokens", {"name": "ci"}),
        ("DELETE", "/api/tokens/abc", None),
        ("POST", "/api/password", {"old_password": "pw", "new_password": "new"}),
    ],
)
async def test_the_token_endpoints_answer_the_authorization_errors(client, fake_auth, method, path, body):
    assert_auth_error(await client.request(method, path, json=body), -1, "No Authorization header provided")
    r = await client.request(method, path, json=body, headers={"Authorization": "Token abc"})
    assert_auth_error(r, -2, "Authorization header must have Bearer <token> format")
    assert_auth_error(
        await client.request(method, path, json=body, headers=bearer("tok-gone")), -5, "Token not found"
    )
    assert_auth_error(
        await client.request(method, path, json=body, headers=bearer("expired")), -3, "Access token expired"
    )
    assert fake_auth.servicer.api_tokens == {}


@pytest.mark.parametrize(
    "body", [{}, {"name": ""}, {"name": "x" * 101}, {"name": 5}, {"name": None}, [], "ci", None]
)
async def test_a_missing_or_bad_name_is_400(client, fake_auth, body):
    alice = fake_auth.servicer.sign_up("alice")
    assert_error(await client.post("/api/tokens", headers=bearer(alice), json=body), 400, NAME_INVALID)
    assert list(fake_auth.servicer.api_tokens) == []


@pytest.mark.parametrize("expires_in", [0, -5, "3600", 1.5, True])
async def test_an_expires_in_that_is_not_a_positive_whole_number_is_400(client, fake_auth, expires_in):
    alice = fake_auth.servicer.sign_up("alice")
    r = await client.post("/api/tokens", headers=bearer(alice), json={"name": "ci", "expires_in": expires_in})
    assert_error(r, 400, "expires_in must be a whole number of seconds")
    assert list(fake_auth.servicer.api_tokens) == []


@pytest.mark.parametrize("expires_in", [30, 3601])
async def test_an_expires_in_out_of_auths_bounds_is_400_naming_them(client, fake_auth, expires_in):
    alice = fake_auth.servicer.sign_up("alice")
    r = await client.post("/api/tokens", headers=bearer(alice), json={"name": "ci", "expires_in": expires_in})
    assert_error(r, 400, "expires_in must be a whole number of seconds from 60 to 3600")


async def test_a_password_change_revokes_the_other_tokens_and_keeps_the_callers(client, fake_auth):
    caller = fake_auth.servicer.sign_up("alice", password="old")
    other = (await client.post("/api/login", json={"username": "alice", "password": "old"})).json()[
        "accessToken"
    ]
    api = (await create(client, caller))["token"]

    r = await client.post(
        "/api/password", headers=bearer(caller), json={"old_password": "old", "new_password": "new"}
    )

    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    assert r.json() == {"status": "success", "message": "password changed successfully", "revoked_tokens": 2}
    for revoked in (other, api):
        assert_auth_error(await client.get("/api/get_files", headers=bearer(revoked)), -5, "Token not found")
    assert (await client.get("/api/get_files", headers=bearer(caller))).status_code == 200
    assert (await client.post("/api/login", json={"username": "alice", "password": "new"})).status_code == 200


async def test_a_wrong_old_password_is_403_and_changes_nothing(client, fake_auth):
    caller = fake_auth.servicer.sign_up("alice", password="old")
    other = fake_auth.servicer._issue(fake_auth.servicer.accounts["alice"][1], 1).access_token

    r = await client.post(
        "/api/password", headers=bearer(caller), json={"old_password": "nope", "new_password": "n"}
    )

    assert_error(r, 403, "Wrong password", 3)
    assert (await client.get("/api/get_files", headers=bearer(other))).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"old_password": "old"},
        {"new_password": "new"},
        {"old_password": "", "new_password": "new"},
        {"old_password": 1, "new_password": "n"},
        [],
        None,
    ],
)
async def test_a_password_change_without_both_passwords_is_400_error_2(client, fake_auth, body):
    caller = fake_auth.servicer.sign_up("alice", password="old")
    r = await client.post("/api/password", headers=bearer(caller), json=body)
    assert_error(r, 400, "No old_password/new_password provided", 2)
    assert fake_auth.servicer.accounts["alice"][0] == "old"


async def test_a_too_long_new_password_is_400_as_at_register(client, fake_auth):
    caller = fake_auth.servicer.sign_up("alice", password="old")
    r = await client.post(
        "/api/password", headers=bearer(caller), json={"old_password": "old", "new_password": "x" * 1025}
    )
    assert_error(r, 400, "Password is too long (at most 1024 characters)")


@pytest.mark.parametrize(
    "method,path,body",
    [
        ("POST", "/api/tokens", {"name": "ci"}),
        ("DELETE", "/api/tokens/abc", None),
        ("POST", "/api/password", {"old_password": "pw", "new_password": "pw"}),
    ],
)
async def test_the_token_endpoints_count_in_the_auth_bucket(make_client, fake_auth, method, path, body):
    client = await make_client(auth_rate_limit="2/minute")
    token = fake_auth.servicer.sign_up("alice")
    assert (await client.post("/api/login", json={"username": "alice", "password": "pw"})).status_code == 200
    await client.request(method, path, json=body, headers=bearer(token))
    r = await client.request(method, path, json=body, headers=bearer(token))
    assert r.status_code == 429 and "retry-after" in r.headers
