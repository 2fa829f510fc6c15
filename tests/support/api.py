"""Small helpers for talking to the public HTTP API the way a client does."""

import random
import uuid

import httpx


def loopback_address() -> str:
    return f"127.{random.randint(1, 254)}.{random.randint(1, 254)}.{random.randint(2, 254)}"


def client(base_url: str, address: str | None = None, timeout: float = 60) -> httpx.Client:
    """A client whose requests leave from one loopback address of its own (a client address of its own)."""
    transport = httpx.HTTPTransport(local_address=address or loopback_address())
    return httpx.Client(base_url=base_url, timeout=timeout, transport=transport)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def new_username() -> str:
    return "user-" + uuid.uuid4().hex[:12]


def register(
    c: httpx.Client, username: str | None = None, password: str = "a good password", **params
) -> dict:
    r = c.post(
        "/api/register", json={"username": username or new_username(), "password": password}, params=params
    )
    assert r.status_code == 200, r.text
    return r.json()


def upload(
    c: httpx.Client,
    name: str = "hello.txt",
    data: bytes = b"hello world",
    token: str | None = None,
    headers: dict | None = None,
    **params,
) -> httpx.Response:
    headers = {**(bearer(token) if token else {}), **(headers or {})}
    return c.post(
        "/api/upload",
        files={"file": (name, data, "application/octet-stream")},
        headers=headers,
        params=params,
    )


def uploaded(c: httpx.Client, name: str = "hello.txt", data: bytes = b"hello world", **kwargs) -> dict:
    r = upload(c, name, data, **kwargs)
    assert r.status_code == 200, r.text
    return r.json()


def get_files(c: httpx.Client, token: str) -> list[dict]:
    r = c.get("/api/get_files", headers=bearer(token))
    assert r.status_code == 200, r.text
    return r.json()["data"]


def listed(c: httpx.Client, token: str) -> list[str]:
    """The file_urls of the account's get_files, in the order given."""
    return [f["file_url"] for f in get_files(c, token)]


def assert_error(r: httpx.Response, status: int, message: str, error_id: int | None = None) -> None:
    assert r.status_code == status, (r.status_code, r.text)
    body = r.json()
    assert body["status"] == "error" and body["message"] == message, body
    if error_id is not None:
        assert body["errorId"] == error_id, body


def assert_auth_error(r: httpx.Response, error_id: int, message: str) -> None:
    assert r.status_code == 401, (r.status_code, r.text)
    assert r.json() == {"status": "error", "auth_error": {"message": message, "errorId": error_id}}
