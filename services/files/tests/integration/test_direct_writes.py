"""Big blobs written past the page cache (O_DIRECT): the bytes read back are the bytes sent, whatever
the sizes of the pieces they came in, on a file system that takes direct writes and on one that
does not (tmpfs)."""

import ctypes
import errno
import mmap
import os
import pathlib
import tempfile

import pytest

from files_service.adapters import direct_writes
from files_service.adapters.local_disk_blob_store import DIRECT_WRITES_FROM_BYTES, LocalDiskBlobStore

pytestmark = pytest.mark.integration

MIB = 1024 * 1024
KEY = "0123456789abcdef0123456789abcdef"
SHM = pathlib.Path("/dev/shm")


def pieces(data: bytes, *sizes: int) -> list[bytes]:
    """`data` cut into pieces of the sizes given in turn (the last one repeated), as a stream brings it."""
    cut, start, index = [], 0, 0
    while start < len(data):
        size = sizes[min(index, len(sizes) - 1)]
        cut.append(data[start : start + size])
        start += size
        index += 1
    return cut


async def stored_and_read_back(root: pathlib.Path, data: bytes, make_chunks, *sizes: int) -> bytes:
    store = LocalDiskBlobStore(root / "blobs", read_chunk_size=MIB)
    await store.prepare()
    await store.put(KEY, make_chunks(*pieces(data, *sizes)))
    return b"".join([chunk async for chunk in store.open_range(KEY, 0, len(data))])


@pytest.mark.parametrize(
    ("size", "piece_sizes"),
    [
        (3 * MIB + 77, (MIB,)),  # whole messages, a partial block at the end
        (5 * MIB, (MIB + 4095, 3, MIB)),  # pieces out of step with the blocks
        (DIRECT_WRITES_FROM_BYTES, (DIRECT_WRITES_FROM_BYTES,)),  # exactly one buffer, nothing left over
    ],
)
async def test_a_big_blob_reads_back_as_sent(tmp_path, make_chunks, size, piece_sizes):
    data = os.urandom(size)

    assert await stored_and_read_back(tmp_path, data, make_chunks, *piece_sizes) == data


@pytest.mark.skipif(not SHM.is_dir(), reason="no tmpfs at /dev/shm on this machine")
async def test_on_a_file_system_without_direct_writes_a_big_blob_is_written_all_the_same(make_chunks):
    data = os.urandom(2 * MIB + 5)
    with tempfile.TemporaryDirectory(dir=SHM) as directory:
        assert await stored_and_read_back(pathlib.Path(directory), data, make_chunks, MIB) == data


async def test_a_file_system_refusing_a_direct_write_gets_the_bytes_once_through_the_page_cache(
    tmp_path, make_chunks, monkeypatch
):
    real_write, refused = os.write, []

    def write(fd: int, data) -> int:
        if not refused:
            refused.append(len(data))
            raise OSError(errno.EINVAL, "Invalid argument")
        return real_write(fd, data)

    monkeypatch.setattr(direct_writes.os, "write", write)
    data = os.urandom(3 * MIB + 1)

    assert await stored_and_read_back(tmp_path, data, make_chunks, MIB) == data
    assert refused == [MIB]


def test_a_direct_write_leaves_the_page_cache_alone(tmp_path):
    """What the bytes are sent this way for: the file's pages are not cached after the write."""
    path = tmp_path / "f"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | direct_writes.open_flags(0), 0o600)
    try:
        writer = direct_writes.DirectWriter(fd, MIB)
        writer.write(os.urandom(8 * MIB))
        writer.finish()
        os.fsync(fd)
    finally:
        os.close(fd)

    assert cached_pages(path) == 0


def cached_pages(path: pathlib.Path) -> int:
    """How many of the file's pages are in the page cache (mincore on a private mapping of it)."""
    size = path.stat().st_size
    pages = (size + mmap.PAGESIZE - 1) // mmap.PAGESIZE
    vector = (ctypes.c_ubyte * pages)()
    with path.open("rb") as file, mmap.mmap(file.fileno(), size, access=mmap.ACCESS_COPY) as mapping:
        anchor = ctypes.c_char.from_buffer(mapping)
        try:
            done = ctypes.CDLL(None).mincore(
                ctypes.c_void_p(ctypes.addressof(anchor)), ctypes.c_size_t(size), vector
            )
        finally:
            del anchor
    assert done == 0
    return sum(entry & 1 for entry in vector)
