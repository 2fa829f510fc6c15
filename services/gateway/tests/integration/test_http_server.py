"""Behaviour that needs real sockets: the app served by uvicorn as __main__ configures it."""

import asyncio
import contextlib
import json
import os
import select
import socket
import time

import httpx
import pytest

from gateway.uploads import MESSAGE_BYTES

MB = 1024 * 1024
BOUNDARY = "sockettestboundary"
PART_HEAD = (
    f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n'
    "Content-Type: application/octet-stream\r\n\r\n"
).encode()
PART_TAIL = f"\r\n--{BOUNDARY}--\r\n".encode()


def upload_head(host: str, file_size: int) -> bytes:
    length = len(PART_HEAD) + file_size + len(PART_TAIL)
    return (
        f"POST /api/upload HTTP/1.1\r\nHost: {host}\r\n"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
        f"Content-Length: {length}\r\n\r\n"
    ).encode() + PART_HEAD


def send_until_answered(base_url: str, file_size: int) -> tuple[int, dict, int]:
    """Streams an upload over a blocking socket, stopping as soon as the server answers (as the server
    may close right after its answer); returns (status, JSON body, file bytes sent)."""
    host, port = base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(upload_head(host, file_size))
        sent, block = 0, b"\0" * 65536
        with contextlib.suppress(OSError):
            while sent < file_size and not select.select([sock], [], [], 0)[0]:
                sock.sendall(block)
                sent += len(block)
        answer = read_answer(sock)
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split(b" ")[1]), json.loads(body), sent


def read_answer(sock: socket.socket) -> bytes:
    answer = b""
    with contextlib.suppress(OSError):
        while data := sock.recv(65536):
            answer += data
            head, separator, body = answer.partition(b"\r\n\r\n")
            if separator and len(body) >= content_length(head):
                break
    return answer


def content_length(head: bytes) -> int:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    return 1 << 62


async def test_upload_is_cut_off_with_413_while_the_body_streams_in(serve, settings_for, fake_files):
    base_url = await serve(settings_for(max_upload_bytes=4 * MB))
    file_size = 4 * MB + 900 * 1024  # declared length within the limit plus the multipart allowance
    status, body, _ = await asyncio.to_thread(send_until_answered, base_url, file_size)
    assert (status, body) == (413, {"status": "error", "message": "File size exceeds the limit (4MB)"})
    await asyncio.wait_for(fake_files.servicer.upload_cancelled.wait(), 5)
    assert fake_files.servicer.blobs == {}


async def test_upload_is_refused_before_the_body_when_content_length_is_huge(serve, settings_for, fake_files):
    base_url = await serve(settings_for(max_upload_bytes=MB))
    status, body, sent = await asyncio.to_thread(send_until_answered, base_url, 2048 * MB)
    assert status == 413 and body["message"] == "File size exceeds the limit (1MB)"
    assert sent < 64 * MB and fake_files.servicer.chunks_received == 0


async def test_upload_is_cancelled_when_the_client_goes_away_mid_body(serve, settings_for, fake_files):
    base_url = await serve(settings_for())
    host, port = base_url.removeprefix("http://").split(":")
    _, writer = await asyncio.open_connection(host, int(port))
    # more than two messages: the first one is held until a second comes (FilesUpload)
    writer.write(upload_head(host, 8 * MB) + b"\0" * (2 * MESSAGE_BYTES + 100_000))
    await writer.drain()
    await asyncio.sleep(0.2)
    writer.close()
    await asyncio.wait_for(fake_files.servicer.upload_cancelled.wait(), 5)
    assert fake_files.servicer.blobs == {}


async def test_a_client_that_leaves_within_the_first_message_never_reaches_files(
    serve, settings_for, fake_files
):
    base_url = await serve(settings_for())
    host, port = base_url.removeprefix("http://").split(":")
    _, writer = await asyncio.open_connection(host, int(port))
    writer.write(upload_head(host, 8 * MB) + b"\0" * 300_000)
    await writer.drain()
    await asyncio.sleep(0.2)
    writer.close()
    await asyncio.sleep(0.5)
    assert fake_files.servicer.blobs == {} and fake_files.servicer.request_ids == []


def answer_to_a_stalled_upload(base_url: str, declared_size: int, sent_size: int) -> tuple[int, dict, float]:
    """Declares `declared_size` file bytes, sends `sent_size` of them, then waits for the answer:
    (status, JSON body, seconds from the last byte sent to the answer)."""
    host, port = base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(upload_head(host, declared_size) + b"\0" * sent_size)
        last_byte_sent = time.monotonic()
        answer = read_answer(sock)
        waited = time.monotonic() - last_byte_sent
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split(b" ")[1]), json.loads(body), waited


async def test_an_upload_whose_body_stalls_is_cut_off_with_408_and_nothing_kept(
    serve, settings_for, fake_files
):
    base_url = await serve(settings_for(body_idle_timeout_seconds=1))

    # two messages and more: files hears of an upload with its second (FilesUpload)
    status, body, waited = await asyncio.to_thread(
        answer_to_a_stalled_upload, base_url, 8 * MB, 2 * MESSAGE_BYTES + 100_000
    )

    assert (status, body) == (
        408,
        {"status": "error", "message": "The request body stalled: nothing arrived for 1 seconds"},
    )
    assert 1 <= waited < 10
    await asyncio.wait_for(fake_files.servicer.upload_cancelled.wait(), 5)
    assert fake_files.servicer.blobs == {}


async def test_download_stops_reading_from_files_when_the_client_goes_away(serve, settings_for, fake_files):
    url = fake_files.servicer.put("big.bin", os.urandom(32 * MB)).file_url
    base_url = await serve(settings_for())
    async with httpx.AsyncClient(base_url=base_url) as http:
        async with http.stream("GET", "/file/" + url) as response:
            assert response.status_code == 200 and response.headers["content-length"] == str(32 * MB)
            async for _ in response.aiter_raw():
                break
    await asyncio.wait_for(fake_files.servicer.read_cancelled.wait(), 5)


@pytest.mark.parametrize("trusted_proxies,codes", [("", [200, 200, 429]), ("127.0.0.1", [200, 200, 200])])
async def test_forwarded_for_counts_only_from_trusted_proxies(serve, settings_for, trusted_proxies, codes):
    base_url = await serve(settings_for(upload_rate_limit="2/minute", trusted_proxies=trusted_proxies))
    async with httpx.AsyncClient(base_url=base_url) as http:
        answered = []
        for i in range(3):
            r = await http.post(
                "/api/upload", files={"file": ("f.txt", b"x")}, headers={"X-Forwarded-For": f"192.0.2.{i}"}
            )
            answered.append(r.status_code)
    assert answered == codes


def head_of(size: int, header_count: int = 1) -> bytes:
    value = "a" * (size // header_count)
    headers = "".join(f"X-Pad-{i}: {value}\r\n" for i in range(header_count))
    return f"GET /healthz HTTP/1.1\r\nHost: gateway.test\r\n{headers}\r\n".encode()


def status_of_streamed_head(base_url: str, head: bytes) -> int | None:
    """Sends the head in 16 KiB pieces, stopping when the server answers or closes; None: closed."""
    host, port = base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        with contextlib.suppress(OSError):
            for start in range(0, len(head), 16 * 1024):
                if select.select([sock], [], [], 0)[0]:
                    break
                sock.sendall(head[start : start + 16 * 1024])
        with contextlib.suppress(ConnectionResetError):
            answer = sock.recv(65536)
            return int(answer.split(b" ")[1]) if answer else None
    return None


@pytest.mark.parametrize("parser", ["httptools", "h11"])
@pytest.mark.parametrize("size,header_count", [(MB, 1), (MB, 20_000)])
async def test_request_heads_past_the_limit_are_refused_with_400(
    serve, settings_for, size, header_count, parser
):
    """A head is refused once more than the limit of it has arrived incomplete, so one connection's head
    costs at most the limit plus one socket read, whatever the client sends."""
    base_url = await serve(settings_for(max_header_bytes=4096, http_parser=parser))
    assert await asyncio.to_thread(status_of_streamed_head, base_url, head_of(3000)) == 200
    assert await asyncio.to_thread(status_of_streamed_head, base_url, head_of(size, header_count)) == 400
