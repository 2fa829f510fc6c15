"""How a streamed put is cut into S3 parts (no S3 involved)."""

import pytest

from files_service.adapters.s3_multipart import Part, gather_parts


async def parts_of(chunks: list[bytes], part_size: int) -> list[Part]:
    async def stream():
        for chunk in chunks:
            yield chunk

    return [part async for part in gather_parts(stream(), part_size)]


@pytest.mark.parametrize(
    ("chunks", "expected"),
    [
        ([], [(b"", True)]),
        ([b"ab", b"c"], [(b"abc", True)]),
        ([b"abcd"], [(b"abcd", True)]),
        ([b"ab", b"cd", b"e"], [(b"abcd", False), (b"e", True)]),
        ([b"abc", b"def", b"gh", b"i"], [(b"abcdef", False), (b"ghi", True)]),
        ([b"abcdefghij", b"k"], [(b"abcdefghij", False), (b"k", True)]),
    ],
)
async def test_gather_parts_fills_parts_of_at_least_the_part_size_and_marks_the_last(chunks, expected):
    parts = await parts_of(chunks, part_size=4)

    assert [(part.data, part.last) for part in parts] == expected


async def test_gather_parts_passes_on_a_failure_of_the_incoming_stream():
    async def failing():
        yield b"abcd"
        raise ConnectionResetError("client went away")

    with pytest.raises(ConnectionResetError):
        [part async for part in gather_parts(failing(), part_size=2)]
