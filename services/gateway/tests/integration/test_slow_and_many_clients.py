"""Slow, hoarding and ill-framed clients against the app served as __main__ serves it, over raw sockets:
what a client sees (status, JSON body, the connection closed) and when."""

import asyncio
import contextlib
import json
import socket
import time
from urllib.parse import urlsplit

import pytest

HEALTH = b"GET /healthz HTTP/1.1\r\nHost: gateway.test\r\n\r\n"
BODY = b'{"username": "slowpoke", "password": "a good password"}'
CLIENT_FULL = "Too many open connections from your address, try again later"
GATEWAY_FULL = "The gateway has too many open connections, try again later"


@pytest.fixture(params=["httptools", "h11"])
def settings_for(request, settings_for):
    """Every guard, with each HTTP parser the gateway can use (FU_GATEWAY_HTTP_PARSER)."""

    def build(**overrides):
        return settings_for(**{"http_parser": request.param, **overrides})

    return build


def content_length(head: bytes) -> int:
    lengths = [
        int(line.split(b":")[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    ]
    return lengths[0] if lengths else 0


class RawClient:
    """One blocking connection from a loopback address of the test's choosing."""

    def __init__(self, base_url: str, source: str = "127.0.0.1", timeout: float = 5) -> None:
        url = urlsplit(base_url)
        self.socket = socket.create_connection(
            (url.hostname, url.port), timeout=timeout, source_address=(source, 0)
        )
        self.head = b""

    def send(self, data: bytes) -> bool:
        """False when the server has already answered or closed."""
        try:
            self.socket.sendall(data)
        except OSError:
            return False
        return True

    def answered(self) -> bool:
        """Whether the server has sent something (or closed) that the test has not read yet."""
        try:
            self.socket.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
        except BlockingIOError:
            return False
        except OSError:
            pass
        return True

    def answer(self) -> tuple[int, dict, bytes]:
        """(status, JSON body, everything read after that answer until the server closed);
        (0, {}, b"") when nothing came before the server closed or the socket's timeout."""
        data = b""
        with contextlib.suppress(OSError):
            while chunk := self.socket.recv(65536):
                data += chunk
        if not data:
            return 0, {}, b""
        head, _, rest = data.partition(b"\r\n\r\n")
        self.head = head
        length = content_length(head)
        return int(head.split(b" ")[1]), json.loads(rest[:length]), rest[length:]

    def one_answer(self) -> tuple[int, bytes]:
        """The status and body of one answer, leaving the connection open."""
        data = b""
        while b"\r\n\r\n" not in data:
            data += self.socket.recv(65536)
        head, _, body = data.partition(b"\r\n\r\n")
        while len(body) < content_length(head):
            body += self.socket.recv(65536)
        return int(head.split(b" ")[1]), body

    def closed_silently(self) -> bool:
        """Waits for the server to close; True when it did so without sending anything."""
        with contextlib.suppress(ConnectionResetError):
            return self.socket.recv(65536) == b""
        return True

    def close(self) -> None:
        self.socket.close()


def trickle_until_answered(client: RawClient, first: bytes, drip: bytes, every: float, limit: float) -> float:
    """Sends `first`, then `drip` every `every` seconds until the server answers; the seconds it took."""
    started = time.monotonic()
    client.send(first)
    while time.monotonic() - started < limit and not client.answered():
        client.send(drip)
        time.sleep(every)
    return time.monotonic() - started


def timed_out_head(base_url: str, first: bytes) -> tuple[int, dict, float]:
    client = RawClient(base_url)
    try:
        if first.startswith(HEALTH):
            client.send(HEALTH)
            assert client.one_answer()[0] == 200
            first = first.removeprefix(HEALTH)
        waited = trickle_until_answered(client, first, b"X-Slow: 1\r\n", every=0.2, limit=8)
        status, body, _ = client.answer()
        return status, body, waited
    finally:
        client.close()


@pytest.mark.parametrize(
    "first",
    [
        pytest.param(b"GET /healthz HTTP/1.1\r\nHost: gateway.test\r\n", id="first-request"),
        pytest.param(HEALTH + b"GET /healthz HTTP/1.1\r\n", id="after-an-answer-on-a-kept-connection"),
    ],
)
async def test_a_head_that_trickles_in_is_answered_408_at_the_header_timeout(serve, settings_for, first):
    base_url = await serve(settings_for(header_timeout_seconds=1))
    status, body, waited = await asyncio.to_thread(timed_out_head, base_url, first)
    assert (status, body) == (
        408,
        {"status": "error", "message": "The request headers did not arrive within 1 seconds"},
    )
    assert 0.9 <= waited < 3


def closed_after(base_url: str, first: bytes) -> float:
    """Sends `first` (none, or a request whose body the gateway does not read) and reads its answer,
    then sends a byte every 0.2 s until the gateway closes: the seconds from then to the close."""
    client = RawClient(base_url)
    try:
        if first:
            client.send(first)
            assert client.one_answer()[0] == 200
        waited = trickle_until_answered(client, b"", b"x" if first else b"", every=0.2, limit=8)
        assert client.closed_silently()
        return waited
    finally:
        client.close()


async def test_a_connection_that_sends_nothing_is_closed_at_the_header_timeout(serve, settings_for):
    base_url = await serve(settings_for(header_timeout_seconds=1))
    assert 0.9 <= await asyncio.to_thread(closed_after, base_url, b"") < 3


async def test_a_body_left_unread_cannot_hold_the_connection_past_the_header_timeout(serve, settings_for):
    """The answer came before the body: the rest of the body, dripping in, no longer keeps it open."""
    base_url = await serve(settings_for(header_timeout_seconds=1))
    first = HEALTH.replace(b"\r\n\r\n", b"\r\nContent-Length: 1000\r\n\r\nx")
    assert 0.9 <= await asyncio.to_thread(closed_after, base_url, first) < 3


def stalled_json_body(base_url: str, path: str) -> tuple[int, dict, float]:
    client = RawClient(base_url)
    try:
        client.send(
            f"POST {path} HTTP/1.1\r\nHost: gateway.test\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(BODY)}\r\n\r\n".encode()
            + BODY[:20]
        )
        started = time.monotonic()
        status, body, _ = client.answer()
        return status, body, time.monotonic() - started
    finally:
        client.close()


@pytest.mark.parametrize("path", ["/api/register", "/api/login", "/api/refresh_token"])
async def test_a_json_body_that_stalls_is_answered_408_and_changes_nothing(
    serve, settings_for, fake_auth, path
):
    base_url = await serve(settings_for(body_idle_timeout_seconds=1))
    status, body, waited = await asyncio.to_thread(stalled_json_body, base_url, path)
    assert (status, body) == (
        408,
        {"status": "error", "message": "The request body stalled: nothing arrived for 1 seconds"},
    )
    assert 0.9 <= waited < 3
    assert fake_auth.servicer.request_ids == [] and fake_auth.servicer.accounts == {}


def head_of(size: int) -> bytes:
    return b"GET /healthz HTTP/1.1\r\nHost: gateway.test\r\nX-Pad: " + b"a" * size + b"\r\n\r\n"


def burst(base_url: str, data: bytes) -> tuple[int, dict, bytes]:
    client = RawClient(base_url)
    try:
        client.send(data)
        return client.answer()
    finally:
        client.close()


async def test_a_head_past_the_limit_sent_in_one_burst_is_refused_with_400(serve, settings_for):
    base_url = await serve(settings_for(max_header_bytes=16384))
    status, body, _ = await asyncio.to_thread(burst, base_url, head_of(100_000))
    assert (status, body) == (
        400,
        {"status": "error", "message": "Request line and headers too large (at most 16384 bytes)"},
    )
    client = RawClient(base_url)
    try:
        assert client.send(head_of(15_000)) and (await asyncio.to_thread(client.one_answer))[0] == 200
    finally:
        client.close()


async def test_content_length_with_transfer_encoding_is_refused_and_the_connection_closed(
    serve, settings_for, fake_auth
):
    """A proxy that frames by Content-Length would take the chunked body's tail for the body; the gateway
    would have served the bytes after the chunked body as a request of their own."""
    base_url = await serve(settings_for())
    chunked = f"{len(BODY):x}\r\n".encode() + BODY + b"\r\n0\r\n\r\n"
    smuggled = (
        b"POST /api/login HTTP/1.1\r\nHost: gateway.test\r\nContent-Type: application/json\r\n"
        b"Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked + HEALTH
    )
    status, body, after = await asyncio.to_thread(burst, base_url, smuggled)
    assert (status, body) == (
        400,
        {"status": "error", "message": "Content-Length and Transfer-Encoding must not both be sent"},
    )
    assert after == b"", "the bytes after the chunked body were served as a request"
    assert fake_auth.servicer.request_ids == []


def open_served(base_url: str, source: str) -> RawClient:
    """A kept-alive connection whose first request was answered 200, so the gateway holds it."""
    client = RawClient(base_url, source)
    client.send(HEALTH)
    assert client.one_answer()[0] == 200
    return client


def refused_or_served(base_url: str, source: str) -> tuple[int, dict]:
    status, body, _ = refused_or_served_with_head(base_url, source)
    return status, body


def refused_or_served_with_head(base_url: str, source: str) -> tuple[int, dict, bytes]:
    """(status, JSON body, the answer's head) of a request on a connection of its own."""
    client = RawClient(base_url, source)
    try:
        client.send(HEALTH.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n"))
        status, body, _ = client.answer()
        return status, body, client.head
    finally:
        client.close()


async def test_connections_over_the_per_client_cap_are_refused_with_429(serve, settings_for):
    base_url = await serve(settings_for(max_connections_per_client=2))
    held = [await asyncio.to_thread(open_served, base_url, "127.0.0.2") for _ in range(2)]
    try:
        status, body, head = await asyncio.to_thread(refused_or_served_with_head, base_url, "127.0.0.2")
        assert (status, body) == (429, {"status": "error", "message": CLIENT_FULL})
        assert b"\r\nretry-after: 1\r\n" in head.lower()
        assert (await asyncio.to_thread(refused_or_served, base_url, "127.0.0.3"))[0] == 200
        held.pop().close()
        await asyncio.sleep(0.2)
        assert (await asyncio.to_thread(refused_or_served, base_url, "127.0.0.2"))[0] == 200
    finally:
        for client in held:
            client.close()


async def test_connections_over_the_gateway_cap_are_refused_with_503(serve, settings_for):
    base_url = await serve(settings_for(max_connections=2))
    held = [await asyncio.to_thread(open_served, base_url, f"127.0.0.{i}") for i in (2, 3)]
    try:
        status, body, head = await asyncio.to_thread(refused_or_served_with_head, base_url, "127.0.0.4")
        assert (status, body) == (503, {"status": "error", "message": GATEWAY_FULL})
        assert b"\r\nretry-after: 1\r\n" in head.lower()
    finally:
        for client in held:
            client.close()


@pytest.mark.parametrize("trusted_proxies,second_status", [("127.0.0.5", 200), ("", 429)])
async def test_a_trusted_proxy_is_held_to_the_gateway_cap_only(
    serve, settings_for, trusted_proxies, second_status
):
    """Behind a proxy every client has the proxy's address: the proxy caps each client's connections."""
    base_url = await serve(settings_for(max_connections_per_client=1, trusted_proxies=trusted_proxies))
    held = await asyncio.to_thread(open_served, base_url, "127.0.0.5")
    try:
        assert (await asyncio.to_thread(refused_or_served, base_url, "127.0.0.5"))[0] == second_status
    finally:
        held.close()


def unknown_method_answer(base_url: str) -> tuple[int, dict, bytes]:
    client = RawClient(base_url)
    try:
        client.send(b"BREW /api/upload HTTP/1.1\r\nHost: gateway.test\r\nConnection: close\r\n\r\n")
        status, body, _ = client.answer()
        return status, body, client.head.lower()
    finally:
        client.close()


async def test_a_method_the_parser_does_not_know_is_answered_405_with_the_paths_methods(
    serve, settings_for, caplog
):
    base_url = await serve(settings_for())
    with caplog.at_level("INFO", logger="uvicorn.access"):
        status, body, head = await asyncio.to_thread(unknown_method_answer, base_url)
    assert (status, body["status"]) == (405, "error") and b"\r\nallow: post" in head
    assert any('"BREW /api/upload HTTP/1.1" 405' in record.getMessage() for record in caplog.records)
