"""LocalDiskBlobStore: blobs as files under <root>/<key[:2]>/<key[2:4]>/<key>, written atomically."""

import asyncio
import concurrent.futures
import contextlib
import errno
import functools
import os
import pathlib
import re
import secrets
import stat
from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator, Callable, Coroutine, Iterator
from datetime import UTC, datetime
from typing import Any, BinaryIO, TypeVar

from files_service.adapters import direct_writes
from files_service.adapters.early_writeback import start_writeback
from files_service.domain.errors import StorageFull
from files_service.domain.ports import BlobNotFound, StorageEntry

T = TypeVar("T")

TEMP_DIR_NAME = ".tmp"
TEMP_SUFFIX = ".part"
DEFAULT_WRITE_SIZE = 1024 * 1024  # the size of the gateway's upload messages: each is written as it is
# Written bytes are handed to the disk in steps of this size while the upload goes on (early_writeback):
# a file smaller than one step leaves it all to its fsync.
WRITEBACK_STEP_BYTES = 8 * 1024 * 1024
# A blob whose first write is this big or bigger is written past the page cache (direct_writes).
DIRECT_WRITES_FROM_BYTES = 1024 * 1024
_KEY = re.compile(r"[0-9a-f]{8,64}")
_DISK_FULL = {errno.ENOSPC, errno.EDQUOT}
_TEMP_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
_TEMP_NAME_ATTEMPTS = 100


# Blob I/O waits mostly on fsync: threads of its own, more than the loop's default few, let the
# fsyncs of concurrent uploads overlap (the file system commits them together) instead of queueing.
BLOB_IO_THREADS = 32
_blob_io = concurrent.futures.ThreadPoolExecutor(BLOB_IO_THREADS, thread_name_prefix="blob-io")


async def _blocking(
    func: Callable[..., T], *args: object, on_abandoned: Callable[[T], object] | None = None
) -> T:
    """Run func in a thread. When cancelled, wait for the thread before re-raising, so that the
    caller's cleanup never races a write still in flight; on_abandoned gets a result nobody awaits."""
    future = asyncio.get_running_loop().run_in_executor(_blob_io, functools.partial(func, *args))
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        await asyncio.wait([future])
        if on_abandoned is not None and future.exception() is None:
            on_abandoned(future.result())
        raise


async def _to_the_end(cleanup: Coroutine[Any, Any, None]) -> None:
    """Runs `cleanup` in a task of its own: cancelled meanwhile (grpc may cancel a call whose stream
    has just ended), it waits for the cleanup to end before re-raising, so the cleanup is never cut."""
    task = asyncio.ensure_future(cleanup)
    try:
        await asyncio.shield(task)
    except asyncio.CancelledError:
        await asyncio.wait([task])
        raise


async def _discard(temp: "_TempFile", writing: asyncio.Future[None] | None) -> None:
    """Deletes the temp file once the write in flight, if any, is over, whatever its outcome (the
    failure that ended the upload is the one to report)."""
    if writing is not None:
        await asyncio.wait([writing])
        if not writing.cancelled():
            writing.exception()  # retrieved: asyncio would otherwise log it as never retrieved
    await asyncio.to_thread(temp.discard)


def _write_all(fd: int, data: bytes | memoryview) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _open_for_reading(path: pathlib.Path) -> BinaryIO:
    return path.open("rb")


def _close(file: BinaryIO) -> None:
    file.close()


def _entry_of(path: pathlib.Path) -> StorageEntry | None:
    """None when the file is gone (a concurrent delete) or is not a regular file."""
    try:
        status = path.stat()
    except FileNotFoundError:
        return None
    if not stat.S_ISREG(status.st_mode):
        return None
    return StorageEntry(path.name, status.st_size, datetime.fromtimestamp(status.st_mtime, UTC))


def _subdirectories(path: pathlib.Path, *excluded: str) -> list[pathlib.Path]:
    return sorted(entry for entry in path.iterdir() if entry.is_dir() and entry.name not in excluded)


def _fsync_directory(path: pathlib.Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def _disk_full_as_storage_full() -> Iterator[None]:
    try:
        yield
    except OSError as error:
        if error.errno in _DISK_FULL:
            raise StorageFull("no space left for the file") from error
        raise


class _TempFile:
    """Created by its first write (or its commit, when empty), in that call's thread: a small blob's
    bytes then cost one thread hop (create, write and commit), not three. A blob whose first write is
    `direct_from` bytes or more is written past the page cache (direct_writes)."""

    def __init__(self, temp_dir: pathlib.Path, key: str, direct_from: int) -> None:
        self._temp_dir = temp_dir
        self._key = key
        self._direct_from = direct_from
        self.fd: int | None = None
        self.path: pathlib.Path | None = None
        self._direct: direct_writes.DirectWriter | None = None
        self._written = 0
        self._written_back = 0  # the bytes before this offset are on their way to disk

    def write(self, data: bytes | memoryview) -> None:
        fd = self._opened(direct=len(data) >= self._direct_from)
        if self._direct is not None:
            self._direct.write(data)
            return
        _write_all(fd, data)
        self._written += len(data)
        if self._written - self._written_back >= WRITEBACK_STEP_BYTES:
            start_writeback(fd, self._written_back, self._written - self._written_back)
            self._written_back = self._written

    def flush_and_close(self) -> pathlib.Path:
        fd, self.fd = self._opened(direct=False), None
        try:
            if self._direct is not None:
                self._direct.finish()
            os.fsync(fd)
        finally:
            os.close(fd)
        assert self.path is not None
        return self.path

    def discard(self) -> None:
        if self._direct is not None:
            self._direct.release()
        if self.fd is not None:
            fd, self.fd = self.fd, None
            os.close(fd)
        if self.path is not None:
            self.path.unlink(missing_ok=True)

    def _opened(self, direct: bool) -> int:
        if self.fd is None:
            assert self.path is None, "written again after its close"
            self.fd, self.path, opened_direct = _created_exclusively(self._temp_dir, self._key, direct)
            if opened_direct:
                self._direct = direct_writes.DirectWriter(self.fd, self._direct_from)
        return self.fd


def _created_exclusively(directory: pathlib.Path, key: str, direct: bool) -> tuple[int, pathlib.Path, bool]:
    """A new file of its owner's alone, named after the key and a random part (mkstemp's way, at a
    fraction of its cost: the key is already a fresh random name); opened for direct writes when
    asked and the file system takes them."""
    direct = direct and direct_writes.supported()
    for _ in range(_TEMP_NAME_ATTEMPTS):
        path = directory / f"{key}.{secrets.token_hex(4)}{TEMP_SUFFIX}"
        try:
            return (
                os.open(path, direct_writes.open_flags(_TEMP_FLAGS) if direct else _TEMP_FLAGS, 0o600),
                path,
                direct,
            )
        except FileExistsError:
            continue
        except OSError as error:
            if not direct or error.errno != errno.EINVAL:
                raise
            direct = False  # a file system without O_DIRECT (tmpfs)
    raise FileExistsError(errno.EEXIST, "no free temp file name", str(directory))


async def _coalesce(
    chunks: AsyncIterable[bytes | memoryview], size: int
) -> AsyncGenerator[bytes | memoryview, None]:
    """Gather small incoming chunks into writes of about `size` bytes; a chunk that is that big
    already, with nothing gathered before it, is passed on as it is (not copied)."""
    buffer = bytearray()
    async for chunk in chunks:
        if not buffer and len(chunk) >= size:
            yield chunk
            continue
        buffer += chunk
        if len(buffer) >= size:
            yield bytes(buffer)
            buffer.clear()
    if buffer:
        yield bytes(buffer)


class LocalDiskBlobStore:
    def __init__(
        self, root: pathlib.Path, read_chunk_size: int, write_size: int = DEFAULT_WRITE_SIZE
    ) -> None:
        self._root = root
        self._temp_dir = root / TEMP_DIR_NAME
        self._read_chunk_size = read_chunk_size
        self._write_size = write_size
        self._direct_from = max(write_size, DIRECT_WRITES_FROM_BYTES)
        # The shards (a key's first four characters, at most 16**4) whose directories are known made.
        self._made_shards: set[str] = set()

    async def prepare(self) -> None:
        await _blocking(self._make_root_and_temp_dir)

    def _make_root_and_temp_dir(self) -> None:
        self._root.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._temp_dir.mkdir(mode=0o700, exist_ok=True)

    async def put(self, key: str, chunks: AsyncIterable[bytes | memoryview]) -> None:
        """Each block is written by a thread while the next one is received (one write in flight); the
        last is written by the commit's own trip to a thread, so a small blob costs one trip."""
        final_path = self._path_of(key)
        with _disk_full_as_storage_full():
            temp = _TempFile(self._temp_dir, key, direct_from=self._direct_from)
            writing: asyncio.Future[None] | None = None
            last: bytes | memoryview | None = None
            try:
                async with contextlib.aclosing(_coalesce(chunks, self._write_size)) as blocks:
                    async for block in blocks:
                        if last is not None:
                            if writing is not None:
                                await asyncio.shield(writing)
                            writing = asyncio.ensure_future(asyncio.to_thread(temp.write, last))
                        last = block
                if writing is not None:
                    await asyncio.shield(writing)
                await _blocking(self._commit, temp, final_path, last)
            except BaseException:
                await _to_the_end(_discard(temp, writing))
                raise

    async def open_range(self, key: str, offset: int, length: int) -> AsyncGenerator[bytes, None]:
        try:
            file = await _blocking(_open_for_reading, self._path_of(key), on_abandoned=_close)
        except FileNotFoundError as error:
            raise BlobNotFound(key) from error
        try:
            await _blocking(file.seek, offset)
            async for chunk in self._read_chunks(file, key, length):
                yield chunk
        finally:
            file.close()

    async def delete(self, key: str) -> None:
        path = self._path_of(key)
        await _blocking(lambda: path.unlink(missing_ok=True))

    async def iter_keys(self) -> AsyncIterator[str]:
        async for blob in self.iter_blobs():
            yield blob.name

    async def iter_blobs(self) -> AsyncGenerator[StorageEntry, None]:
        """Sorted shard by shard: a key's shards are its first characters, so the keys come out sorted."""
        for top in await _blocking(_subdirectories, self._root, TEMP_DIR_NAME):
            for shard in await _blocking(_subdirectories, top):
                for blob in await _blocking(self._blobs_in, shard):
                    yield blob

    async def stat(self, key: str) -> StorageEntry | None:
        return await _blocking(_entry_of, self._path_of(key))

    async def iter_temp(self) -> AsyncGenerator[StorageEntry, None]:
        for entry in await _blocking(self._temp_entries):
            yield entry

    async def delete_temp(self, name: str) -> None:
        if pathlib.PurePath(name).name != name or name in {".", ".."}:
            raise ValueError(f"not a temp file name: {name!r}")
        path = self._temp_dir / name
        await _blocking(lambda: path.unlink(missing_ok=True))

    def _path_of(self, key: str) -> pathlib.Path:
        if not _KEY.fullmatch(key):
            raise ValueError(f"not a blob key: {key!r}")
        return self._root / key[:2] / key[2:4] / key

    async def _read_chunks(self, file: BinaryIO, key: str, length: int) -> AsyncIterator[bytes]:
        remaining = length
        while remaining > 0:
            chunk = await _blocking(file.read, min(self._read_chunk_size, remaining))
            if not chunk:
                raise EOFError(f"blob {key} ends {remaining} bytes before the requested range")
            remaining -= len(chunk)
            yield chunk

    def _commit(self, temp: _TempFile, final_path: pathlib.Path, last: bytes | None) -> None:
        if last is not None:
            temp.write(last)
        temp_path = temp.flush_and_close()
        shard, directory = final_path.name[:4], final_path.parent
        if shard not in self._made_shards:
            self._make_directories(directory)
            self._made_shards.add(shard)
        try:
            os.replace(temp_path, final_path)
        except FileNotFoundError:
            # The shard was removed underneath since it was made (the temp file was just written).
            self._made_shards.discard(shard)
            self._make_directories(directory)
            self._made_shards.add(shard)
            os.replace(temp_path, final_path)
        _fsync_directory(directory)

    def _make_directories(self, directory: pathlib.Path) -> None:
        """Create the shard directories, fsyncing each parent that gains an entry."""
        for path in (directory.parent, directory):
            if not path.is_dir():
                path.mkdir(mode=0o700, exist_ok=True)
                _fsync_directory(path.parent)

    @staticmethod
    def _blobs_in(shard: pathlib.Path) -> list[StorageEntry]:
        paths = sorted(path for path in shard.iterdir() if _KEY.fullmatch(path.name))
        return [entry for entry in map(_entry_of, paths) if entry is not None]

    def _temp_entries(self) -> list[StorageEntry]:
        paths = sorted(self._temp_dir.iterdir())
        return [entry for entry in map(_entry_of, paths) if entry is not None]
