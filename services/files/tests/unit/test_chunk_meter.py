import hashlib

import pytest

from files_service.chunk_meter import MeteredChunks
from files_service.domain.errors import FileTooLarge


async def test_metered_chunks_pass_through_with_size_and_sha256(make_chunks):
    metered = MeteredChunks(make_chunks(b"hello ", b"", b"world"), max_size=100)

    passed = [chunk async for chunk in metered]

    assert passed == [b"hello ", b"", b"world"]
    assert metered.size == 11
    assert metered.sha256 == hashlib.sha256(b"hello world").hexdigest()


async def test_metered_chunks_allow_exactly_the_limit(make_chunks):
    metered = MeteredChunks(make_chunks(b"12345", b"67890"), max_size=10)

    assert b"".join([chunk async for chunk in metered]) == b"1234567890"


async def test_metered_chunks_raise_as_soon_as_the_limit_is_crossed(make_chunks):
    pulled = []

    async def source():
        for chunk in (b"12345", b"678901", b"never pulled"):
            pulled.append(chunk)
            yield chunk

    metered = MeteredChunks(source(), max_size=10)
    passed = []
    with pytest.raises(FileTooLarge):
        async for chunk in metered:
            passed.append(chunk)

    assert passed == [b"12345"]
    assert pulled == [b"12345", b"678901"]


async def test_metered_chunks_of_an_empty_stream_hash_nothing(make_chunks):
    metered = MeteredChunks(make_chunks(), max_size=10)

    assert [chunk async for chunk in metered] == []
    assert (metered.size, metered.sha256) == (0, hashlib.sha256(b"").hexdigest())
