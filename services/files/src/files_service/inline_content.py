"""Small files' bytes kept in their metadata row (the `content` column) instead of the blob store: one
durable commit, shared with the other uploads of a group commit, instead of a file of their own with
its fsyncs. What counts as small is FU_FILES_INLINE_MAX_BYTES."""

from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator
from dataclasses import dataclass


@dataclass(frozen=True)
class UploadBytes:
    """What an upload turned out to be: its whole content when it is small, else a stream of its chunks
    (those read to find out first, then the rest)."""

    content: bytes | None
    chunks: AsyncIterable[bytes | memoryview] | None


async def read_if_small(chunks: AsyncIterable[bytes | memoryview], max_bytes: int) -> UploadBytes:
    """Reads the upload up to `max_bytes` bytes: if it ends within them, its content; else the stream
    again, whole. Errors of the stream (a size limit passed) come from here or from the stream."""
    iterator = aiter(chunks)
    head: list[bytes | memoryview] = []
    size = 0
    while True:
        try:
            chunk = await anext(iterator)
        except StopAsyncIteration:
            return UploadBytes(b"".join(head), None)
        except BaseException:
            await _closed(iterator)
            raise
        head.append(chunk)
        size += len(chunk)
        if size > max_bytes:
            return UploadBytes(None, _replayed(head, iterator))


async def _replayed(
    head: list[bytes | memoryview], rest: AsyncIterator[bytes | memoryview]
) -> AsyncGenerator[bytes | memoryview, None]:
    try:
        while head:
            yield head.pop(0)
        async for chunk in rest:
            yield chunk
    finally:
        await _closed(rest)


async def _closed(iterator: AsyncIterator[object]) -> None:
    close = getattr(iterator, "aclose", None)
    if close is not None:
        await close()
