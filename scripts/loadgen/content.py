"""File bytes generated on demand from a seed, and the multipart body that carries them.

Block i of a file is the output of Random((seed << 32) | i), so nothing is ever held beyond one
block: an upload is generated while it is sent (hashing as it goes), and any byte range can be
regenerated to check a Range download.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

BLOCK_BYTES = 64 * 1024


@dataclass(frozen=True)
class Content:
    seed: int
    size: int

    def pieces(self, start: int = 0, stop: int | None = None) -> Iterator[bytes]:
        """Bytes [start, stop) in pieces of at most one block."""
        stop = self.size if stop is None else stop
        position = start
        while position < stop:
            index, skip = divmod(position, BLOCK_BYTES)
            block_stop = min(BLOCK_BYTES, stop - index * BLOCK_BYTES)
            piece = self._block(index)[skip:block_stop]
            yield piece
            position += len(piece)

    def sha256(self, start: int = 0, stop: int | None = None) -> str:
        digest = hashlib.sha256()
        for piece in self.pieces(start, stop):
            digest.update(piece)
        return digest.hexdigest()

    def _block(self, index: int) -> bytes:
        length = min(BLOCK_BYTES, self.size - index * BLOCK_BYTES)
        return random.Random((self.seed << 32) | index).randbytes(length)


class MultipartUpload:
    """A multipart/form-data body with one part "file"; `sha256` is known once the body has been sent."""

    def __init__(self, content: Content, filename: str) -> None:
        self.content = content
        self._boundary = f"loadtest{content.seed:016x}"
        self._head = (
            f'--{self._boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        self._tail = f"\r\n--{self._boundary}--\r\n".encode()
        self._digest = hashlib.sha256()
        self._hashed = 0

    @property
    def content_type(self) -> str:
        return f"multipart/form-data; boundary={self._boundary}"

    @property
    def content_length(self) -> int:
        return len(self._head) + self.content.size + len(self._tail)

    @property
    def fully_sent(self) -> bool:
        return self._hashed == self.content.size

    @property
    def sha256(self) -> str:
        if not self.fully_sent:
            raise RuntimeError("the body has not been sent in full")
        return self._digest.hexdigest()

    async def stream(self) -> AsyncIterator[bytes]:
        yield self._head
        for piece in self.content.pieces():
            self._digest.update(piece)
            self._hashed += len(piece)
            yield piece
        yield self._tail
