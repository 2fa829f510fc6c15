"""Rate limits: an upload bucket and one shared auth bucket per client address, counted first."""

import pytest


@pytest.fixture
async def limited_app(make_app):
    return await make_app(upload_rate_limit="2/minute", auth_rate_limit="10/minute")


async def upload(client):
    return await client.post("/api/upload", files={"file": ("r.txt", b"x")})


async def test_third_upload_in_a_minute_is_429_with_retry_after(limited_app, client_of):
    client = client_of(limited_app)
    codes = [(await upload(client)).status_code for _ in range(3)]
    r = await upload(client)
    assert codes == [200, 200, 429]
    assert r.status_code == 429
    assert r.json() == {"status": "error", "message": "Too many requests, try again later"}
    assert 1 <= int(r.headers["retry-after"]) <= 60


async def test_limits_count_per_client_address(limited_app, client_of):
    first, second = client_of(limited_app, "198.51.100.1"), client_of(limited_app, "198.51.100.2")
    assert [(await upload(first)).status_code for _ in range(3)] == [200, 200, 429]
    assert (await upload(second)).status_code == 200


async def test_auth_calls_share_one_bucket(limited_app, client_of):
    client = client_of(limited_app)
    codes = [
        (await client.post("/api/login", json={"username": "nobody", "password": "p"})).status_code
        for _ in range(6)
    ]
    for _ in range(2):
        codes.append((await client.post("/api/refresh_token", json={"accessToken": "x"})).status_code)
    codes += [(await client.post("/api/logout")).status_code for _ in range(2)]
    over = await client.post("/api/register", json={"username": "someone", "password": "p"})
    assert codes == [404] * 6 + [401] * 4
    assert over.status_code == 429 and int(over.headers["retry-after"]) >= 1
    assert (await upload(client)).status_code == 200


async def test_limit_is_checked_before_the_body_and_the_services(
    limited_app, client_of, fake_auth, fake_files
):
    client = client_of(limited_app)
    await fake_auth.stop()
    await fake_files.stop()
    codes = [(await client.post("/api/upload", content=b"")).status_code for _ in range(3)]
    assert codes == [400, 400, 429]
    codes = [(await client.post("/api/login", content=b"not json")).status_code for _ in range(11)]
    assert codes == [400] * 10 + [429]
