"""Writes that bypass the page cache (Linux O_DIRECT) for a big blob's bytes (for a small one, its
fsync costs the same either way: measured with 64 KiB uploads, direct writes gained nothing).

A buffered write copies every byte into the page cache, and the closing fsync then writes them out:
on the development machine (a virtual disk) that copy is half of files' CPU during a big upload and
caps buffered writes at a third of what the disk takes directly. O_DIRECT hands the device the
bytes from an aligned buffer of our own instead. It needs offsets, lengths and memory aligned to the
device's block: whole blocks go direct, a last partial one is written through the page cache; a
file system that refuses O_DIRECT (tmpfs) gets every byte through the page cache. Durability still
rests on the closing fsync, which also writes the file's metadata."""

import contextlib
import errno
import fcntl
import mmap
import os

ALIGNMENT = 4096  # a multiple of every logical block size in use (512, 4096)
_DIRECT = getattr(os, "O_DIRECT", 0)


def supported() -> bool:
    return bool(_DIRECT)


def open_flags(flags: int) -> int:
    return flags | _DIRECT


class DirectWriter:
    """Appends to `fd`, opened with O_DIRECT, through a page-aligned buffer of `capacity` bytes."""

    def __init__(self, fd: int, capacity: int) -> None:
        self._fd = fd
        self._buffer = mmap.mmap(-1, max(ALIGNMENT, capacity - capacity % ALIGNMENT))
        self._view = memoryview(self._buffer)
        self._held = 0  # bytes in the buffer not yet written (fewer than one block between writes)
        self._direct = True

    def write(self, data: bytes | memoryview) -> None:
        incoming = memoryview(data).cast("B")
        while incoming:
            taken = min(len(self._view) - self._held, len(incoming))
            self._view[self._held : self._held + taken] = incoming[:taken]
            self._held += taken
            incoming = incoming[taken:]
            self._write_whole_blocks()

    def finish(self) -> None:
        """Writes what is held (a partial block) through the page cache and releases the buffer."""
        try:
            if self._held:
                whole = self._held - self._held % ALIGNMENT
                self._write_out(self._view[:whole])
                if whole < self._held:
                    self._buffered()
                    self._write_out(self._view[whole : self._held])
                self._held = 0
        finally:
            self.release()

    def release(self) -> None:
        self._view.release()
        # A failed write's traceback may still hold a piece of the buffer: it is freed with that.
        with contextlib.suppress(BufferError):
            self._buffer.close()

    def _write_whole_blocks(self) -> None:
        if not self._direct:
            self._write_out(self._view[: self._held])
            self._held = 0
            return
        if self._held < len(self._view):
            return  # wait for a full buffer: fewer, bigger device writes
        whole = self._held - self._held % ALIGNMENT
        self._write_out(self._view[:whole])
        self._view[: self._held - whole] = self._view[whole : self._held]
        self._held -= whole

    def _write_out(self, data: memoryview) -> None:
        while data:
            try:
                written = os.write(self._fd, data)
            except OSError as error:
                if error.errno != errno.EINVAL or not self._direct:
                    raise
                self._buffered()  # the file system took O_DIRECT at open but not at write
                continue
            data = data[written:]

    def _buffered(self) -> None:
        if self._direct:
            flags = fcntl.fcntl(self._fd, fcntl.F_GETFL)
            fcntl.fcntl(self._fd, fcntl.F_SETFL, flags & ~_DIRECT)
            self._direct = False
