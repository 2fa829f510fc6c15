"""HTTP/1.1 over a raw socket, for what httpx hides: requests no well-behaved client sends (lying
lengths, broken framing, floods of headers), an upload whose body the test sends piece by piece (to
kill, stop or disconnect something while it is in flight), and an answer read as soon as the server
sends it, even while the body is still going out."""

import contextlib
import dataclasses
import json
import os
import select
import socket
import struct
import uuid
from collections.abc import Iterable
from urllib.parse import urlsplit

from support.api import bearer, loopback_address


def read_answer(s: socket.socket) -> bytes:
    """The status line, headers and a Content-Length body (the server may close right after)."""
    answer = b""
    try:
        while data := s.recv(65536):
            answer += data
            head, sep, body = answer.partition(b"\r\n\r\n")
            if sep and len(body) >= content_length(head):
                break
    except OSError:
        pass
    return answer


def content_length(head: bytes) -> int:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    return 1 << 62


def parse_answer(answer: bytes) -> tuple[int, dict]:
    """(status, JSON body); (0, {}) when the server closed without an answer."""
    head, _, body = answer.partition(b"\r\n\r\n")
    if not head:
        return 0, {}
    return int(head.split(b" ", 2)[1]), json.loads(body) if body else {}


@dataclasses.dataclass
class RawAnswer:
    status: int | None  # None: the server closed the connection without answering
    headers: dict[str, str]
    body: bytes
    bytes_sent: int

    def json(self) -> object:
        return json.loads(self.body)


def exchange(
    base_url: str, pieces: Iterable[bytes], *, close_after_sending: bool = False, timeout: float = 30
) -> RawAnswer:
    """Sends `pieces` one by one (stopping when the server answers or closes), then reads the answer.
    `close_after_sending` half-closes the connection: the server sees the client go away."""
    url = urlsplit(base_url)
    with socket.create_connection(
        (url.hostname, url.port), timeout=timeout, source_address=(loopback_address(), 0)
    ) as sock:
        sent = _send_until_answered(sock, pieces)
        if close_after_sending:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_WR)
        return _raw_answer(read_answer(sock), sent)


def request_head(method: str, path: str, headers: dict[str, str]) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: gateway.test", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _send_until_answered(sock: socket.socket, pieces: Iterable[bytes]) -> int:
    sent = 0
    with contextlib.suppress(OSError):  # the server stopped reading: its answer (if any) is on the wire
        for piece in pieces:
            if select.select([sock], [], [], 0)[0]:
                break
            sock.sendall(piece)
            sent += len(piece)
    return sent


def _raw_answer(data: bytes, sent: int) -> RawAnswer:
    if not data:
        return RawAnswer(None, {}, b"", sent)
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return RawAnswer(int(status_line.split(" ")[1]), headers, body, sent)


class SlowUpload:
    """POST /api/upload of `size` random bytes (kept in .data), sent only as the test says."""

    def __init__(
        self, base_url: str, size: int, name: str = "slow.bin", token: str | None = None, timeout: float = 60
    ) -> None:
        self.data = os.urandom(size)
        self.sent = 0
        u = urlsplit(base_url)
        boundary = "b" + uuid.uuid4().hex
        part_head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        self._tail = f"\r\n--{boundary}--\r\n".encode()
        headers = "".join(f"{k}: {v}\r\n" for k, v in (bearer(token) if token else {}).items())
        length = len(part_head) + size + len(self._tail)
        head = (
            f"POST /api/upload HTTP/1.1\r\nHost: {u.netloc}\r\n{headers}"
            f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
            f"Content-Length: {length}\r\nConnection: close\r\n\r\n"
        ).encode()
        self._socket = socket.create_connection(
            (u.hostname, u.port), timeout=timeout, source_address=(loopback_address(), 0)
        )
        self._socket.sendall(head + part_head)

    def send(self, size: int) -> bool:
        """Sends up to `size` more file bytes; False when the server answered (or closed) first."""
        end = min(len(self.data), self.sent + size)
        try:
            while self.sent < end:
                if select.select([self._socket], [], [], 0)[0]:
                    return False
                step = min(65536, end - self.sent)
                self._socket.sendall(self.data[self.sent : self.sent + step])
                self.sent += step
        except OSError:
            return False
        return True

    def finish(self) -> tuple[int, dict]:
        """Sends the rest (unless the server answered already) and returns (status, JSON body)."""
        if self.send(len(self.data)):
            with contextlib.suppress(OSError):
                self._socket.sendall(self._tail)
        return self.answer()

    def answer(self) -> tuple[int, dict]:
        try:
            return parse_answer(read_answer(self._socket))
        finally:
            self._socket.close()

    def disconnect(self, reset: bool = False) -> None:
        """Goes away mid-body: a FIN, or with `reset` an RST (what a crashed client's kernel sends)."""
        if reset:
            self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self._socket.close()


class SlowDownload:
    """GET of a file read only as the test says, through a small receive buffer, so that the server is
    still sending while the test holds back."""

    RECEIVE_BUFFER = 64 * 1024

    def __init__(self, base_url: str, path: str, timeout: float = 60) -> None:
        u = urlsplit(base_url)
        self._socket = socket.socket()
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, self.RECEIVE_BUFFER)
        self._socket.settimeout(timeout)
        self._socket.bind((loopback_address(), 0))
        self._socket.connect((u.hostname, u.port))
        self._socket.sendall(f"GET {path} HTTP/1.1\r\nHost: {u.netloc}\r\nConnection: close\r\n\r\n".encode())
        self._received = b""
        while b"\r\n\r\n" not in self._received:
            self._received += self._recv()
        head, _, self.body = self._received.partition(b"\r\n\r\n")
        self.status = int(head.split(b" ", 2)[1])
        self.length = content_length(head)

    def read(self, size: int) -> None:
        """Reads until at least `size` body bytes have arrived."""
        while len(self.body) < min(size, self.length):
            self.body += self._recv()

    def finish(self) -> bytes:
        """The whole body, or what arrived before the server closed."""
        try:
            while len(self.body) < self.length and (data := self._socket.recv(1 << 20)):
                self.body += data
        except OSError:
            pass
        finally:
            self._socket.close()
        return self.body

    def _recv(self) -> bytes:
        data = self._socket.recv(self.RECEIVE_BUFFER)
        if not data:
            raise ConnectionError("the server closed the download")
        return data
