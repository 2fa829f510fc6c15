"""HTTP that breaks the protocol's own limits or framing: a 4xx or a closed connection, never a 5xx
or a hang, and the gateway neither grows nor stops serving."""

import json
import pathlib
import socket
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest

from support.api import loopback_address
from support.raw_http import exchange, request_head

MB = 1024 * 1024
RSS_GROWTH_BUDGET = 32 * MB


def rss(pid: int) -> int:
    fields = dict(line.split(":", 1) for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines())
    return int(fields["VmRSS"].split()[0]) * 1024


def header_flood(total_bytes: int, header_count: int) -> Iterator[bytes]:
    yield b"GET /healthz HTTP/1.1\r\nHost: gateway.test\r\n"
    value = b"v" * (total_bytes // header_count)
    for i in range(header_count):
        yield b"X-Flood-%d: " % i + value + b"\r\n"
    yield b"\r\n"


@pytest.mark.parametrize(
    "total_bytes,header_count",
    [
        pytest.param(64 * MB, 1, id="one-64MB-header"),
        pytest.param(64 * MB, 200_000, id="200k-headers"),
    ],
)
def test_header_floods_are_refused_without_growing_the_gateway(stack, base_url, total_bytes, header_count):
    gateway = stack.processes["gateway"].pid
    before = rss(gateway)
    answer = exchange(base_url, header_flood(total_bytes, header_count), timeout=30)
    assert answer.status in (None, 400, 413, 431), answer
    assert answer.bytes_sent < total_bytes, "the gateway read the whole flood"
    assert rss(gateway) - before < RSS_GROWTH_BUDGET
    assert httpx.get(base_url + "/healthz").status_code == 200


UPLOAD = b"POST /api/upload HTTP/1.1\r\nHost: g\r\n"
HEALTH = b"GET /healthz HTTP/1.1\r\nHost: g\r\n"


@pytest.mark.parametrize(
    "request_bytes",
    [
        pytest.param(
            b"GET /file/" + b"a" * (2 * MB) + b" HTTP/1.1\r\nHost: g\r\n\r\n", id="2MB-request-line"
        ),
        pytest.param(UPLOAD + b"Content-Length: -1\r\n\r\n", id="negative-length"),
        pytest.param(UPLOAD + b"Content-Length: 5, 6\r\n\r\n", id="two-lengths"),
        pytest.param(UPLOAD + b"Transfer-Encoding: chunked\r\n\r\nZZ\r\nxx\r\n", id="bad-chunk-size"),
        pytest.param(UPLOAD + b"Transfer-Encoding: gzip\r\n\r\n", id="unknown-coding"),
        pytest.param(HEALTH + b"Bad Header Name: x\r\n\r\n", id="space-in-header-name"),
        pytest.param(HEALTH + b"X-Ctl: a\x00b\r\n\r\n", id="nul-in-header-value"),
        pytest.param(
            b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 64, id="tls-hello-on-plain-http"
        ),
    ],
)
def test_broken_http_framing_is_a_400_or_a_close(base_url, request_bytes):
    answer = exchange(base_url, [request_bytes], close_after_sending=True, timeout=10)
    assert answer.status in (None, 400), answer
    assert httpx.get(base_url + "/healthz").status_code == 200


@pytest.mark.parametrize(
    "method,target,status",
    [
        ("BREW", "/api/upload", 405),
        ("GET", "/file/%00%ff%fe", 404),
        ("HEAD", "/f/a%00b", 404),
        ("GET", "/api/delete/a%00b?key=k", 404),
        ("GET", "/file/" + "a" * 4000, 404),
        ("GET", "/api/delete/x?key=" + "%ff" * 2000, 404),
    ],
)
def test_unknown_methods_and_absurd_file_urls_are_4xx(base_url, method, target, status):
    answer = exchange(base_url, [request_head(method, target, {"Connection": "close"})])
    assert answer.status == status, answer
    if method != "HEAD":
        assert answer.json()["status"] == "error"


def everything_answered(base_url: str, request_bytes: bytes) -> bytes:
    """All the gateway sends back until it closes the connection."""
    url = urlsplit(base_url)
    with socket.create_connection(
        (url.hostname, url.port), timeout=10, source_address=(loopback_address(), 0)
    ) as sock:
        sock.sendall(request_bytes)
        answered = b""
        while data := sock.recv(65536):
            answered += data
    return answered


def test_content_length_with_transfer_encoding_is_refused_and_nothing_after_it_is_served(base_url):
    """RFC 9112 §6.1: a proxy framing by Content-Length would see one request where the gateway saw two."""
    body = b'{"username": "x", "password": "y"}'
    smuggled = (
        b"POST /api/login HTTP/1.1\r\nHost: g\r\nContent-Type: application/json\r\n"
        b"Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
        + f"{len(body):x}\r\n".encode()
        + body
        + b"\r\n0\r\n\r\n"
        + HEALTH
        + b"\r\n"
    )
    answered = everything_answered(base_url, smuggled)
    assert answered.count(b"HTTP/1.1 ") == 1, answered
    head, _, answer_body = answered.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 ") and b"connection: close" in head.lower()
    assert json.loads(answer_body) == {
        "status": "error",
        "message": "Content-Length and Transfer-Encoding must not both be sent",
    }


def test_a_head_past_the_limit_sent_in_one_burst_is_refused(base_url):
    head = HEALTH + b"X-Pad: " + b"a" * 100_000 + b"\r\n\r\n"
    answer = exchange(base_url, [head], timeout=10)
    assert answer.status == 400, answer
    assert answer.json() == {
        "status": "error",
        "message": "Request line and headers too large (at most 16384 bytes)",
    }
