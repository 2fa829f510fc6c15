"""An oversized multipart upload over a raw socket, reading the answer as soon as the server sends one."""

import json
import select
import socket
import uuid
from urllib.parse import urlsplit

from support.api import loopback_address
from support.raw_http import read_answer


def send_oversized_upload(base_url: str, file_size: int) -> tuple[int, dict, int]:
    """Returns (status, JSON body, file bytes sent before the server answered)."""
    u = urlsplit(base_url)
    boundary = "b" + uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    request = (
        f"POST /api/upload HTTP/1.1\r\nHost: {u.netloc}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\n"
        f"Content-Length: {len(head) + file_size + len(tail)}\r\nConnection: close\r\n\r\n"
    ).encode()
    with socket.create_connection(
        (u.hostname, u.port), timeout=120, source_address=(loopback_address(), 0)
    ) as s:
        s.sendall(request + head)
        sent = _send_until_answered(s, file_size)
        answer = read_answer(s)
    head_part, _, body = answer.partition(b"\r\n\r\n")
    return int(head_part.split(b" ", 2)[1]), json.loads(body), sent


def _send_until_answered(s: socket.socket, file_size: int) -> int:
    chunk, sent = b"\0" * 65536, 0
    try:
        while sent < file_size and not select.select([s], [], [], 0)[0]:
            s.sendall(chunk[: min(len(chunk), file_size - sent)])
            sent += len(chunk)
    except OSError:
        pass  # the server stopped reading; its answer is on the wire
    return sent
