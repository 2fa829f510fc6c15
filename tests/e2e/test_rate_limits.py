"""Rate limits at their defaults (2 uploads and 10 auth calls a minute per client address)."""

import pytest

from stack import free_port, http_status
from support.api import client, loopback_address


@pytest.fixture(scope="module")
def default_gateway(stack):
    """A gateway with default settings in front of the session's auth and files."""
    import time

    port = free_port()
    env = {
        "FU_GATEWAY_PORT": str(port),
        "FU_GATEWAY_UPLOAD_RATE_LIMIT": "2/minute",
        "FU_GATEWAY_AUTH_RATE_LIMIT": "10/minute",
        "FU_GATEWAY_PUBLIC_URL": None,
    }
    gateway = stack.start_service("gateway", instance="gateway-default-limits", env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while http_status(url + "/readyz") != 200:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    yield url
    gateway.stop()


def test_third_upload_in_a_minute_is_429_with_retry_after(default_gateway):
    with client(default_gateway) as c:
        codes = [c.post("/api/upload", files={"file": (f"r{i}.txt", b"x")}).status_code for i in range(3)]
        r = c.post("/api/upload", files={"file": ("r.txt", b"x")})
    assert codes == [200, 200, 429]
    assert r.status_code == 429 and r.json()["status"] == "error" and r.json()["message"]
    assert 1 <= int(r.headers["retry-after"]) <= 60


def test_limits_count_per_client_address(default_gateway):
    with client(default_gateway, loopback_address()) as a, client(default_gateway, loopback_address()) as b:
        assert [a.post("/api/upload", files={"file": ("a.txt", b"x")}).status_code for _ in range(3)][
            2
        ] == 429
        assert b.post("/api/upload", files={"file": ("b.txt", b"x")}).status_code == 200


def test_file_url_full_uses_the_request_base_url_without_a_public_url(default_gateway):
    with client(default_gateway) as c:
        body = c.post("/api/upload", files={"file": ("u.txt", b"x")}).json()
    assert body["file_url_full"] == f"{default_gateway}/file/{body['file_url']}"


def test_auth_calls_share_ten_a_minute(default_gateway):
    with client(default_gateway) as c:
        codes = [
            c.post("/api/login", json={"username": "nobody-here", "password": "p"}).status_code
            for _ in range(6)
        ]
        codes += [c.post("/api/refresh_token", json={"accessToken": "x"}).status_code for _ in range(2)]
        codes += [c.post("/api/logout").status_code for _ in range(2)]
        over = c.post("/api/register", json={"username": "someone", "password": "p"})
    assert 429 not in codes and over.status_code == 429
    assert int(over.headers["retry-after"]) >= 1


def test_forwarded_for_is_ignored_from_untrusted_peers(default_gateway):
    with client(default_gateway) as c:
        codes = [
            c.post(
                "/api/upload",
                files={"file": ("f.txt", b"x")},
                headers={"X-Forwarded-For": loopback_address()},
            ).status_code
            for _ in range(3)
        ]
    assert codes == [200, 200, 429]
