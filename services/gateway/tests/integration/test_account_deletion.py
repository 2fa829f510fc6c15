"""DELETE /api/account through the real app, against the fake services: the password confirms it, the
account's files go, then the account; a wrong or missing password changes nothing."""

import pytest

from .test_account_quotas import upload
from .test_accounts import assert_auth_error, assert_error, bearer


def delete_account(client, token: str, body: object):
    return client.request("DELETE", "/api/account", json=body, headers=bearer(token))


async def test_an_account_deleted_takes_its_files_and_tokens_and_frees_its_username(
    client, fake_auth, fake_files
):
    token = fake_auth.servicer.sign_up("alice", password="pw")
    other = fake_auth.servicer.sign_up("bob")
    mine = [(await upload(client, token, bytes([n]) * 10)).json()["file_url"] for n in range(2)]
    theirs = (await upload(client, other, b"theirs")).json()["file_url"]
    anonymous = (await upload(client, None, b"anonymous")).json()["file_url"]

    r = await delete_account(client, token, {"password": "pw"})

    assert r.status_code == 200, r.text
    assert r.json() == {"status": "success", "message": "account deleted successfully", "deleted_files": 2}
    assert set(fake_files.servicer.blobs) == {theirs, anonymous}
    for url in mine:
        assert (await client.get(f"/file/{url}")).status_code == 404
    assert_auth_error(await client.get("/api/get_files", headers=bearer(token)), -5, "Token not found")
    login = await client.post("/api/login", json={"username": "alice", "password": "pw"})
    assert login.status_code == 404
    again = await client.post("/api/register", json={"username": "alice", "password": "pw2"})
    assert again.status_code == 200


async def test_a_wrong_password_is_403_and_changes_nothing(client, fake_auth, fake_files):
    token = fake_auth.servicer.sign_up("alice", password="pw")
    url = (await upload(client, token, b"kept")).json()["file_url"]

    assert_error(await delete_account(client, token, {"password": "nope"}), 403, "Wrong password", 3)

    assert url in fake_files.servicer.blobs
    assert (await client.get("/api/get_files", headers=bearer(token))).status_code == 200
    assert "alice" not in fake_auth.servicer.disabled


@pytest.mark.parametrize("body", [{}, {"password": ""}, {"password": 1}, {"pass": "pw"}, []])
async def test_a_missing_password_is_400_error_2_and_changes_nothing(client, fake_auth, fake_files, body):
    token = fake_auth.servicer.sign_up("alice", password="pw")

    assert_error(await delete_account(client, token, body), 400, "No password provided", 2)

    assert (await client.get("/api/get_files", headers=bearer(token))).status_code == 200


async def test_without_a_valid_token_it_is_401(client, fake_auth):
    r = await client.request("DELETE", "/api/account", json={"password": "pw"})
    assert r.status_code == 401
    assert_auth_error(await delete_account(client, "tok-unknown", {"password": "pw"}), -5, "Token not found")


async def test_account_deletion_counts_in_the_auth_bucket(make_client, fake_auth):
    client = await make_client(auth_rate_limit="2/minute")
    token = fake_auth.servicer.sign_up("alice")
    assert (await client.post("/api/login", json={"username": "alice", "password": "pw"})).status_code == 200
    await delete_account(client, token, {"password": "wrong"})
    r = await delete_account(client, token, {"password": "wrong"})
    assert r.status_code == 429 and "retry-after" in r.headers


async def test_an_account_enabled_mid_deletion_is_409_and_kept(client, fake_auth, fake_files):
    token = fake_auth.servicer.sign_up("alice", password="pw")
    fake_auth.servicer.after_deletion_start = fake_auth.servicer.disabled.discard  # an operator's enable

    r = await delete_account(client, token, {"password": "pw"})

    assert_error(r, 409, "The account was enabled again while it was being deleted")
    assert (await client.post("/api/login", json={"username": "alice", "password": "pw"})).status_code == 200
