"""A service behind the gateway that cannot be reached: a JSON 503 within the deadline (Part 2 #12)."""

import time

import pytest

RPC_TIMEOUT = 2.0


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_unavailable(r, service: str) -> None:
    assert r.status_code == 503, r.text
    assert r.json() == {"status": "error", "message": f"{service} service is unavailable, try again later"}


async def test_files_down_gives_503_for_uploads_downloads_and_deletes(client, fake_files):
    url = fake_files.servicer.put("a.txt", b"x").file_url
    await fake_files.stop()
    requests = [
        lambda: client.post("/api/upload", files={"file": ("a.txt", b"x")}),
        lambda: client.get("/file/" + url),
        lambda: client.get(f"/api/delete/{url}", params={"key": "k"}),
        lambda: client.delete(f"/api/files/{url}", headers={"X-Delete-Key": "k"}),
    ]
    for request in requests:
        started = time.monotonic()
        assert_unavailable(await request(), "Files")
        assert time.monotonic() - started < RPC_TIMEOUT
    assert (await client.head("/f/" + url)).status_code == 503


async def test_auth_down_fails_closed_for_token_uploads_and_stores_nothing(client, fake_auth, fake_files):
    token = fake_auth.servicer.sign_up("alice")
    await fake_auth.stop()
    started = time.monotonic()
    r = await client.post("/api/upload", files={"file": ("a.txt", b"x")}, headers=bearer(token))
    assert_unavailable(r, "Auth")
    assert time.monotonic() - started < RPC_TIMEOUT
    assert fake_files.servicer.blobs == {} and fake_files.servicer.chunks_received == 0


async def test_auth_down_keeps_anonymous_uploads_and_downloads_working(client, fake_auth, fake_files):
    await fake_auth.stop()
    r = await client.post("/api/upload", files={"file": ("anon.txt", b"still works")})
    assert r.status_code == 200 and r.json()["synced"] is False
    assert (await client.get("/file/" + r.json()["file_url"])).content == b"still works"


@pytest.mark.parametrize(
    "method,path,kwargs",
    [
        ("POST", "/api/login", {"json": {"username": "a", "password": "b"}}),
        ("POST", "/api/register", {"json": {"username": "a", "password": "b"}}),
        ("POST", "/api/refresh_token", {"json": {"accessToken": "tok-x"}}),
        ("POST", "/api/logout", {"headers": bearer("tok-x")}),
        ("GET", "/api/get_files", {"headers": bearer("tok-x")}),
        ("POST", "/api/tokens", {"headers": bearer("tok-x"), "json": {"name": "ci"}}),
        ("GET", "/api/tokens", {"headers": bearer("tok-x")}),
        ("DELETE", "/api/tokens/abc", {"headers": bearer("tok-x")}),
        (
            "POST",
            "/api/password",
            {"headers": bearer("tok-x"), "json": {"old_password": "a", "new_password": "b"}},
        ),
    ],
)
async def test_auth_down_gives_503_for_account_routes(client, fake_auth, method, path, kwargs):
    await fake_auth.stop()
    assert_unavailable(await client.request(method, path, **kwargs), "Auth")


async def test_slow_auth_gives_503_at_the_deadline(make_client, fake_auth):
    client = await make_client(rpc_timeout_seconds=0.3)
    fake_auth.servicer.delay_seconds = 3
    started = time.monotonic()
    assert_unavailable(await client.post("/api/login", json={"username": "a", "password": "b"}), "Auth")
    assert time.monotonic() - started < 1.5


async def test_restarted_service_is_found_again(client, fake_files):
    await fake_files.stop()
    assert_unavailable(await client.post("/api/upload", files={"file": ("a.txt", b"x")}), "Files")
    await fake_files.start()
    deadline = time.monotonic() + 5
    while (r := await client.post("/api/upload", files={"file": ("a.txt", b"x")})).status_code != 200:
        assert time.monotonic() < deadline, r.text
    assert r.json()["status"] == "success"


async def test_readyz_is_ok_when_both_services_serve(client):
    r = await client.get("/readyz")
    assert r.status_code == 200 and r.json() == {"status": "ok", "checks": {"auth": "ok", "files": "ok"}}


async def test_readyz_is_503_when_a_service_is_down_and_healthz_stays_ok(client, fake_auth):
    await fake_auth.stop()
    started = time.monotonic()
    r = await client.get("/readyz")
    assert time.monotonic() - started < 1.5
    assert r.status_code == 503
    assert r.json() == {
        "status": "error",
        "message": "not ready",
        "checks": {"auth": "unreachable", "files": "ok"},
    }
    assert (await client.get("/healthz")).json() == {"status": "ok"}
