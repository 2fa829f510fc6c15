"""Issue 11, account deletion with the services as processes: the account's files are deleted as the
purge deletes them (404 on download), then the account (its tokens refused, its login refused, its
username free again); anonymous files and other accounts' files are untouched, and a wrong password
changes nothing."""

from support.api import (
    assert_auth_error,
    assert_error,
    bearer,
    client,
    get_files,
    listed,
    register,
    uploaded,
)
from support.waiting import wait_until

PASSWORD = "a good password"


def delete_account(c, token: str, password: str):
    return c.request("DELETE", "/api/account", json={"password": password}, headers=bearer(token))


def test_an_account_with_files_deletes_itself_and_nothing_else(base_url):
    with client(base_url) as c:
        registered = register(c, password=PASSWORD)
        username, token = registered["username"], registered["accessToken"]
        api = c.post("/api/tokens", headers=bearer(token), json={"name": "ci"}).json()["token"]
        mine = [uploaded(c, f"mine-{n}.txt", b"mine %d" % n, token=token)["file_url"] for n in range(3)]
        other_token = register(c)["accessToken"]
        theirs = uploaded(c, "theirs.txt", b"theirs", token=other_token)["file_url"]
        anonymous = uploaded(c, "anonymous.txt", b"nobody's")["file_url"]
        assert c.get(f"/file/{mine[0]}").content == b"mine 0"  # in the gateway's cache too

        r = delete_account(c, token, PASSWORD)

        assert r.status_code == 200, r.text
        assert r.json() == {
            "status": "success",
            "message": "account deleted successfully",
            "deleted_files": 3,
        }
        for url in mine:
            wait_until(lambda url=url: c.get(f"/file/{url}").status_code == 404, 5, f"{url} gone")
            assert_error(c.get(f"/file/{url}"), 404, "File not found")
        for revoked in (token, api):
            assert_auth_error(c.get("/api/get_files", headers=bearer(revoked)), -5, "Token not found")
        assert_error(
            c.post("/api/login", json={"username": username, "password": PASSWORD}), 404, "User not found", 4
        )
        assert c.get(f"/file/{anonymous}").content == b"nobody's"
        assert c.get(f"/file/{theirs}").content == b"theirs"
        assert listed(c, other_token) == [theirs]

        again = register(c, username=username, password="another good password")["accessToken"]
        assert get_files(c, again) == []


def test_a_wrong_password_changes_nothing(base_url):
    with client(base_url) as c:
        registered = register(c, password=PASSWORD)
        username, token = registered["username"], registered["accessToken"]
        file = uploaded(c, "kept.txt", b"kept", token=token)["file_url"]

        assert_error(delete_account(c, token, "not the password"), 403, "Wrong password", 3)

        assert listed(c, token) == [file]
        assert c.get(f"/file/{file}").content == b"kept"
        assert c.post("/api/login", json={"username": username, "password": PASSWORD}).status_code == 200
