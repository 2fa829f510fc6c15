"""Size limit and checksum of an upload, measured while its chunks pass to the blob store."""

import asyncio
import hashlib
from collections.abc import AsyncIterable, AsyncIterator, Callable

from files_service.domain.errors import FileTooLarge

# A chunk this big is hashed in a thread (hashlib lets go of the GIL), so that the event loop serves
# other calls meanwhile: ~1 ms per MiB. A smaller one (a small upload's only chunk) is hashed at once.
THREAD_HASHING_BYTES = 256 * 1024


class MeteredChunks:
    """Wraps a chunk stream: counts and hashes what passes, raises FileTooLarge past max_size (or
    what `refusal` makes, when given: a smaller limit of the caller's own)."""

    def __init__(
        self,
        chunks: AsyncIterable[bytes | memoryview],
        max_size: int,
        refusal: Callable[[], Exception] | None = None,
    ) -> None:
        self._chunks = chunks
        self._max_size = max_size
        self._refusal = refusal
        self._digest = hashlib.sha256()
        self.size = 0

    @property
    def sha256(self) -> str:
        return self._digest.hexdigest()

    async def __aiter__(self) -> AsyncIterator[bytes | memoryview]:
        async for chunk in self._chunks:
            self.size += len(chunk)
            if self.size > self._max_size:
                if self._refusal is not None:
                    raise self._refusal()
                raise FileTooLarge(f"the file exceeds the limit of {self._max_size} bytes")
            if len(chunk) >= THREAD_HASHING_BYTES:
                await asyncio.to_thread(self._digest.update, chunk)
            else:
                self._digest.update(chunk)
            yield chunk
