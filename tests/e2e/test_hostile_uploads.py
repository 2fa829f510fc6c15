"""Uploads no honest client sends, over a bare socket: each a clear 4xx (or a closed connection),
and the files service keeps nothing of it, neither a blob, nor a temp file, nor a row."""

import socket
import time
from collections.abc import Callable, Iterator

import pytest

from support.api import loopback_address
from support.raw_http import exchange, request_head
from support.storage import assert_nothing_stored_since, stored

BOUNDARY = "hostileboundary"
MB = 1024 * 1024
LIMIT = 100 * MB  # the stack's FU_GATEWAY_MAX_UPLOAD_BYTES (the default)
END = f"--{BOUNDARY}--\r\n".encode()
MALFORMED = "Malformed multipart body"
NOT_IN_TEMP = "the upload never reached the files service's temp dir"


def file_part(data: bytes = b"hello", filename: bytes = b"hello.txt") -> bytes:
    return (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="'.encode()
        + filename
        + b'"\r\nContent-Type: application/octet-stream\r\n\r\n'
        + data
        + b"\r\n"
    )


def field_part(name: str, value: bytes) -> bytes:
    return f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode() + value + b"\r\n"


def upload_head(content_length: int | None, boundary: str = BOUNDARY) -> bytes:
    framing = (
        {"Content-Length": str(content_length)}
        if content_length is not None
        else {"Transfer-Encoding": "chunked"}
    )
    return request_head(
        "POST",
        "/api/upload",
        {"Content-Type": f"multipart/form-data; boundary={boundary}", **framing, "Connection": "close"},
    )


def post_upload(base_url: str, body: bytes, boundary: str = BOUNDARY):
    return exchange(base_url, [upload_head(len(body), boundary), body])


def assert_refused(answer, status: int, message: str) -> None:
    assert answer.status == status, (answer.status, answer.body)
    assert answer.json() == {"status": "error", "message": message}


@pytest.mark.parametrize(
    "body,boundary,message",
    [
        pytest.param(file_part() + END, "another-boundary", MALFORMED, id="boundary-not-the-declared-one"),
        pytest.param(file_part() + END, "b" * 300, MALFORMED, id="boundary-past-any-client-length"),
        pytest.param(file_part(), BOUNDARY, MALFORMED, id="missing-closing-boundary"),
        pytest.param(
            field_part("note", b"x")
            + f"--{BOUNDARY}\r\n\x01garbage\xff\r\n\r\n".encode("latin-1")
            + file_part()
            + END,
            BOUNDARY,
            MALFORMED,
            id="garbage-between-parts",
        ),
        pytest.param(
            f"--{BOUNDARY}GARBAGE\r\n".encode() + file_part()[len(BOUNDARY) + 4 :] + END,
            BOUNDARY,
            MALFORMED,
            id="garbage-after-a-boundary",
        ),
        pytest.param(
            f"--{BOUNDARY}\r\n\r\nno headers\r\n".encode() + END,
            BOUNDARY,
            "No file uploaded",
            id="part-without-headers",
        ),
        pytest.param(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\nhello\r\n'.encode()
            + END,
            BOUNDARY,
            MALFORMED,
            id="part-headers-never-end",
        ),
        pytest.param(
            file_part(filename=b"\xff\xfe.txt") + END, BOUNDARY, "Bad file name", id="non-utf8-file-name"
        ),
        pytest.param(
            file_part(filename="café.txt".encode("latin-1")) + END,
            BOUNDARY,
            "Bad file name",
            id="latin1-file-name",
        ),
        pytest.param(
            file_part(filename=b"nul\x00byte.txt") + END, BOUNDARY, "Bad file name", id="nul-in-file-name"
        ),
    ],
)
def test_broken_multipart_is_a_400_and_stores_nothing(stack, base_url, body, boundary, message):
    before = stored(stack)
    assert_refused(post_upload(base_url, body, boundary), 400, message)
    assert_nothing_stored_since(stack, before)


def test_content_length_shorter_than_the_body_is_a_400_and_stores_nothing(stack, base_url):
    body = file_part(b"x" * 10_000) + END
    before = stored(stack)
    answer = exchange(base_url, [upload_head(len(body) - len(END)), body])
    assert_refused(answer, 400, MALFORMED)
    assert_nothing_stored_since(stack, before)


def test_content_length_longer_than_the_body_stores_nothing_when_the_client_leaves(stack, base_url):
    # more than the gateway's held message and two blocks of files' writes (1 MiB each; files writes a
    # block once the next one is in): a temp file shows the upload reached files
    body = file_part(b"x" * (4 * MB + 100 * 1024)) + END
    before = stored(stack)
    with connection(base_url, timeout=2) as sock:
        sock.sendall(upload_head(len(body) + 5000) + body)
        wait_until(lambda: stored(stack).temp_files, NOT_IN_TEMP)
        with pytest.raises(TimeoutError):
            sock.recv(1)  # the gateway waits for the bytes the length promised: no answer yet
    assert_nothing_stored_since(stack, before)


def test_connection_closed_mid_body_stores_nothing_and_leaves_no_temp_file(stack, base_url):
    before = stored(stack)
    with connection(base_url, timeout=10) as sock:
        sock.sendall(upload_head(20 * MB) + file_part(b"")[:-2] + b"\x5a" * (8 * MB))
        wait_until(lambda: stored(stack).temp_files, NOT_IN_TEMP)
    assert_nothing_stored_since(stack, before)


def connection(base_url: str, timeout: float) -> socket.socket:
    host, port = base_url.removeprefix("http://").split(":")
    source = (loopback_address(), 0)
    return socket.create_connection((host, int(port)), timeout=timeout, source_address=source)


def wait_until(condition: Callable[[], object], failure: str, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, failure
        time.sleep(0.05)


def chunked_file(file_size: int) -> Iterator[bytes]:
    head = file_part(b"")[:-2]
    yield f"{len(head):x}\r\n".encode() + head + b"\r\n"
    block = b"\x5a" * (256 * 1024)
    for _ in range(file_size // len(block) + 1):
        yield f"{len(block):x}\r\n".encode() + block + b"\r\n"


def test_chunked_upload_over_the_limit_is_cut_off_with_413_while_streaming(stack, base_url):
    before = stored(stack)
    answer = exchange(base_url, [upload_head(None), *chunked_file(LIMIT + MB)], timeout=120)
    assert_refused(answer, 413, "File size exceeds the limit (100MB)")
    assert answer.bytes_sent < LIMIT + 16 * MB, "the gateway kept reading long after the limit"
    assert_nothing_stored_since(stack, before)


def test_chunked_body_of_endless_fields_is_cut_off_with_413(stack, base_url):
    before = stored(stack)
    field = field_part("filler", b"x" * 60_000)
    pieces = (f"{len(field):x}\r\n".encode() + field + b"\r\n" for _ in range(LIMIT // len(field) * 2))
    answer = exchange(base_url, [upload_head(None), *pieces], timeout=120)
    assert_refused(answer, 413, "File size exceeds the limit (100MB)")
    assert_nothing_stored_since(stack, before)


def test_a_well_formed_raw_upload_is_stored_so_the_checks_above_can_fail(stack, base_url):
    before = stored(stack)
    # Over FU_FILES_INLINE_MAX_BYTES, so that its bytes go to the blob store as well as its row.
    answer = post_upload(base_url, file_part(b"honest" * 20_000) + END)
    assert answer.status == 200, answer.body
    after = stored(stack)
    assert after.file_rows == before.file_rows + 1 and len(after.blobs - before.blobs) == 1
