"""HTTP/1.1 over a bare socket, for requests no well-behaved client sends: lying lengths, broken
framing, floods of headers. The answer is read as soon as the server sends it."""
import contextlib
import dataclasses
import json
import select
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit

from support.api import loopback_address


@dataclasses.dataclass
class RawAnswer:
    status: int | None  # None: the server closed the connection without answering
    headers: dict[str, str]
    body: bytes
    bytes_sent: int

    def json(self) -> object:
        return json.loads(self.body)


def exchange(base_url: str, pieces: Iterable[bytes], *, close_after_sending: bool = False,
             timeout: float = 30) -> RawAnswer:
    """Sends `pieces` one by one (stopping when the server answers or closes), then reads the answer.
    `close_after_sending` half-closes the connection: the server sees the client go away."""
    url = urlsplit(base_url)
    with socket.create_connection((url.hostname, url.port), timeout=timeout,
                                  source_address=(loopback_address(), 0)) as sock:
        sent = _send(sock, pieces)
        if close_after_sending:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_WR)
        return _read_answer(sock, sent)


def request_head(method: str, path: str, headers: dict[str, str]) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: gateway.test", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _send(sock: socket.socket, pieces: Iterable[bytes]) -> int:
    sent = 0
    with contextlib.suppress(OSError):  # the server stopped reading: its answer (if any) is on the wire
        for piece in pieces:
            if _readable(sock):
                break
            sock.sendall(piece)
            sent += len(piece)
    return sent


def _readable(sock: socket.socket) -> bool:
    return bool(select.select([sock], [], [], 0)[0])


def _read_answer(sock: socket.socket, sent: int) -> RawAnswer:
    data = b""
    with contextlib.suppress(ConnectionResetError):
        while chunk := sock.recv(65536):
            data += chunk
            head, separator, body = data.partition(b"\r\n\r\n")
            if separator and len(body) >= _content_length(head):
                break
    if not data:
        return RawAnswer(None, {}, b"", sent)
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return RawAnswer(int(status_line.split(" ")[1]), headers, body, sent)


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    return 1 << 62
