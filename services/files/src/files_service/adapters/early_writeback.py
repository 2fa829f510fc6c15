"""Starts the kernel writing a just-written range of a file to disk, without waiting for it
(Linux `sync_file_range(SYNC_FILE_RANGE_WRITE)`). A big upload's bytes then go to disk while the
rest is received, and its closing fsync, which the answer waits for, has only the last blocks left
to write instead of the whole file. Durability still rests on that fsync alone; where the C library
has no such call this does nothing."""

import ctypes
from typing import Any

SYNC_FILE_RANGE_WRITE = 2  # <fcntl.h>


def _bound_sync_file_range() -> Any:
    try:
        call = ctypes.CDLL(None).sync_file_range
    except (OSError, AttributeError):
        return None
    call.argtypes = (ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint)
    call.restype = ctypes.c_int
    return call


_sync_file_range = _bound_sync_file_range()


def available() -> bool:
    return _sync_file_range is not None


def start_writeback(fd: int, offset: int, length: int) -> None:
    """Best effort: a file system that refuses it loses only the head start, so its answer is ignored."""
    if _sync_file_range is not None and length > 0:
        _sync_file_range(fd, offset, length, SYNC_FILE_RANGE_WRITE)
