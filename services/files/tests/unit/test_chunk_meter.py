import hashlib
import threading

import pytest

from files_service import chunk_meter
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


async def test_metered_chunks_hash_big_chunks_off_the_event_loop(make_chunks, monkeypatch):
    hashing_threads = []
    real_sha256 = hashlib.sha256

    class RecordingDigest:
        def __init__(self) -> None:
            self._digest = real_sha256()

        def update(self, data: bytes) -> None:
            hashing_threads.append(threading.get_ident())
            self._digest.update(data)

        def hexdigest(self) -> str:
            return self._digest.hexdigest()

    monkeypatch.setattr(chunk_meter.hashlib, "sha256", RecordingDigest)
    big = b"b" * chunk_meter.THREAD_HASHING_BYTES
    metered = MeteredChunks(make_chunks(b"small", big), max_size=len(big) + 5)

    assert [chunk async for chunk in metered] == [b"small", big]

    loop_thread = threading.get_ident()
    assert hashing_threads[0] == loop_thread and hashing_threads[1] != loop_thread
    assert metered.sha256 == real_sha256(b"small" + big).hexdigest()
