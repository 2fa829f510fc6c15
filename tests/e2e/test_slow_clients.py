"""Clients that open connections and trickle their headers, by the thousand, against the gateway process:
real clients are still answered meanwhile, each slow connection is cut off at the header timeout, and a
client address past its share of connections is refused at once."""

import contextlib
import json
import os
import resource
import selectors
import socket
import time
from urllib.parse import urlsplit

from support.api import client, register, uploaded

SLOW_CONNECTIONS = 10_000
PER_ADDRESS = 100  # FU_GATEWAY_MAX_CONNECTIONS_PER_CLIENT's default
HEADER_TIMEOUT = 20  # room to open them all on a busy machine before the first one is cut off
CLIENT_FULL = "Too many open connections from your address, try again later"
SLOW_HEAD = b"POST /api/login HTTP/1.1\r\nHost: gateway.test\r\n"  # and then nothing more
REAL_REQUEST_BUDGET = 5.0  # seconds for each real request; an idle gateway answers in milliseconds


def slow_address(i: int) -> str:
    """127.0.x.y: never one of support.api.loopback_address's (whose second byte is at least 1)."""
    return f"127.0.{i // 200}.{i % 200 + 2}"


def open_descriptors(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def raw_connection(base_url: str, source: str) -> socket.socket:
    url = urlsplit(base_url)
    return socket.create_connection((url.hostname, url.port), timeout=10, source_address=(source, 0))


def open_slow_connections(base_url: str, count: int) -> list[socket.socket]:
    connections = []
    for i in range(count):
        connection = raw_connection(base_url, slow_address(i // PER_ADDRESS))
        connection.sendall(SLOW_HEAD)
        connections.append(connection)
    return connections


def readable(connections: list[socket.socket], deadline: float) -> int:
    """How many of `connections` have something to read (an answer, or the close) by `deadline`."""
    with selectors.DefaultSelector() as selector:
        for connection in connections:
            selector.register(connection, selectors.EVENT_READ)
        ready = 0
        while ready < len(connections) and (timeout := deadline - time.monotonic()) >= 0:
            for key, _ in selector.select(timeout):
                selector.unregister(key.fileobj)
                ready += 1
        return ready


def answer_of(connection: socket.socket) -> tuple[int, dict]:
    """(status, JSON body) of what the gateway sent before it closed; (0, {}) for nothing."""
    data = b""
    with contextlib.suppress(OSError):
        while chunk := connection.recv(4096):
            data += chunk
    if not data:
        return 0, {}
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ")[1]), json.loads(body)


def real_client_session(base_url: str) -> dict[str, float]:
    """A real client's requests, each timed: a failed one fails the test."""
    seconds = {}
    with client(base_url, timeout=REAL_REQUEST_BUDGET * 2) as c:

        def timed(name, call):
            started = time.monotonic()
            result = call()
            seconds[name] = time.monotonic() - started
            return result

        timed("healthz", lambda: c.get("/healthz").raise_for_status())
        token = timed("register", lambda: register(c))["accessToken"]
        file = timed("upload", lambda: uploaded(c, "real.txt", b"real", token=token))
        timed("download", lambda: c.get("/file/" + file["file_url"]).raise_for_status())
    return seconds


def test_real_requests_are_answered_while_10000_slow_connections_are_open(make_stack):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, SLOW_CONNECTIONS + 2048)), hard))
    stack = make_stack(
        FU_GATEWAY_MAX_CONNECTIONS=str(SLOW_CONNECTIONS + 100),
        FU_GATEWAY_HEADER_TIMEOUT_SECONDS=str(HEADER_TIMEOUT),
    )
    gateway = stack.processes["gateway"].pid
    baseline = open_descriptors(gateway)
    started = time.monotonic()
    slow = open_slow_connections(stack.gateway_url, SLOW_CONNECTIONS)
    try:
        opened_in = time.monotonic() - started
        assert opened_in < HEADER_TIMEOUT / 2, f"opening took {opened_in:.1f} s: too slow to test anything"
        seconds = real_client_session(stack.gateway_url)
        print(
            f"\n{SLOW_CONNECTIONS} slow connections opened in {opened_in:.1f} s; real requests: "
            + ", ".join(f"{name} {value * 1000:.0f} ms" for name, value in seconds.items())
        )
        assert max(seconds.values()) < REAL_REQUEST_BUDGET, seconds
        assert open_descriptors(gateway) > SLOW_CONNECTIONS, "the slow connections are not all held"
        assert readable(slow, time.monotonic()) == 0, "slow connections cut off before the header timeout"
        assert readable(slow, started + HEADER_TIMEOUT + 15) == SLOW_CONNECTIONS, (
            "some slow connections outlived the header timeout"
        )
        assert time.monotonic() - started >= HEADER_TIMEOUT
        timed_out = (
            408,
            {
                "status": "error",
                "message": f"The request headers did not arrive within {HEADER_TIMEOUT} seconds",
            },
        )
        assert all(answer_of(connection) == timed_out for connection in slow[::100])
    finally:
        for connection in slow:
            connection.close()
    assert wait_for_descriptors(gateway, baseline + 50), "the gateway did not let go of the connections"


def wait_for_descriptors(pid: int, at_most: int, timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while open_descriptors(pid) > at_most:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def test_one_address_past_its_share_of_connections_is_refused_at_once(make_stack):
    """The issue's attack: thousands of connections from one address. Past the share, each is answered
    429 and closed, while the gateway keeps serving everyone else."""
    stack = make_stack()
    gateway = stack.processes["gateway"].pid
    held = open_slow_connections(stack.gateway_url, PER_ADDRESS)
    try:
        started = time.monotonic()
        for _ in range(1000):
            with raw_connection(stack.gateway_url, slow_address(0)) as connection:
                assert answer_of(connection) == (429, {"status": "error", "message": CLIENT_FULL})
        assert time.monotonic() - started < 30
        assert open_descriptors(gateway) < PER_ADDRESS + 200
        assert max(real_client_session(stack.gateway_url).values()) < REAL_REQUEST_BUDGET
    finally:
        for connection in held:
            connection.close()
