"""Answers that carry secrets are never stored by a browser or a cache; no answer is content-sniffed."""

import pytest

NO_STORE = ("no-store", "nosniff")


def caching_and_sniffing(response) -> tuple[str | None, str | None]:
    return response.headers.get("cache-control"), response.headers.get("x-content-type-options")


async def test_answers_carrying_a_token_are_not_stored(client, fake_auth):
    credentials = {"username": "alice", "password": "secret"}
    registered = await client.post("/api/register", json=credentials)
    logged_in = await client.post("/api/login", json=credentials)
    refreshed = await client.post("/api/refresh_token", json={"accessToken": logged_in.json()["accessToken"]})

    assert [r.status_code for r in (registered, logged_in, refreshed)] == [200, 200, 200]
    assert [caching_and_sniffing(r) for r in (registered, logged_in, refreshed)] == [NO_STORE] * 3


@pytest.mark.parametrize("path", ["/api/get_files", "/api/getFiles"])
async def test_answers_carrying_delete_keys_are_not_stored(client, fake_auth, path):
    token = fake_auth.servicer.sign_up("bob")
    uploaded = await client.post(
        "/api/upload", files={"file": ("a.txt", b"x")}, headers={"Authorization": f"Bearer {token}"}
    )
    listed = await client.get(path, headers={"Authorization": f"Bearer {token}"})

    assert (uploaded.status_code, listed.status_code) == (200, 200)
    assert caching_and_sniffing(uploaded) == caching_and_sniffing(listed) == NO_STORE


async def test_api_errors_and_deletes_are_not_stored_and_not_sniffed(client):
    uploaded = (await client.post("/api/upload", files={"file": ("a.txt", b"x")})).json()
    wrong_key = await client.get(f"/api/delete/{uploaded['file_url']}", params={"key": "wrong"})
    deleted = await client.get(f"/api/delete/{uploaded['file_url']}", params={"key": uploaded["key"]})
    unauthorized = await client.get("/api/get_files")

    assert [r.status_code for r in (wrong_key, deleted, unauthorized)] == [400, 200, 401]
    assert [caching_and_sniffing(r) for r in (wrong_key, deleted, unauthorized)] == [NO_STORE] * 3


async def test_json_outside_the_api_is_not_sniffed_and_downloads_keep_their_caching(client):
    uploaded = (await client.post("/api/upload", files={"file": ("a.txt", b"x")})).json()
    download = await client.get(f"/file/{uploaded['file_url']}")
    health = await client.get("/healthz")
    unknown = await client.get("/no/such/page")

    assert caching_and_sniffing(download) == ("no-cache", "nosniff")
    assert health.headers["x-content-type-options"] == unknown.headers["x-content-type-options"] == "nosniff"
    assert "cache-control" not in health.headers


async def test_an_unexpected_failure_of_the_api_is_not_stored_either(make_app, client_of, monkeypatch):
    app = await make_app()

    async def broken(*args: object) -> None:
        raise RuntimeError("unexpected")

    monkeypatch.setattr(app.state.auth_client, "list_account_files", broken)
    r = await client_of(app, raise_app_exceptions=False).get(
        "/api/get_files", headers={"Authorization": "Bearer tok-x"}
    )
    assert r.status_code == 500 and caching_and_sniffing(r) == NO_STORE
