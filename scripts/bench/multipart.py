"""The body of POST /api/upload as a file, for load tools that send one body again and again."""

from __future__ import annotations

import pathlib

BOUNDARY = "benchboundary7MA4YWxkTrZu0gW"
CONTENT_TYPE = f"multipart/form-data; boundary={BOUNDARY}"


def write_body(sample: pathlib.Path, out: pathlib.Path) -> pathlib.Path:
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="bench.bin"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    out.write_bytes(head + sample.read_bytes() + f"\r\n--{BOUNDARY}--\r\n".encode())
    return out
