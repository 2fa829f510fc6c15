"""Freed big buffers kept for reuse. By default glibc's malloc maps every block above 128 KiB afresh
(or hands the top of its heap back to the kernel once 2 MiB of it are free), so each 1 MiB message
of an upload, and each copy of it, is a new mapping that the kernel zero-fills page by page: ~190
MiB of page faults per 100 MiB uploaded. With blocks up to MMAP_THRESHOLD_BYTES taken from the heap,
and up to TRIM_THRESHOLD_BYTES of it kept when free, the next message reuses the last one's memory.

Each thread that allocates (gRPC's own, the writers' threads) also gets a heap (arena) of its own from
glibc, each keeping freed buffers the same way: files' peak memory grew by 17-25 MiB during a 100 MiB
upload on a loaded machine (50 MiB once in a full test run) with them, by 8-18 MiB with SHARED_ARENAS."""

import ctypes
import logging

logger = logging.getLogger(__name__)

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8
MMAP_THRESHOLD_BYTES = 4 * 1024 * 1024
TRIM_THRESHOLD_BYTES = 16 * 1024 * 1024
SHARED_ARENAS = 2


def reuse_freed_buffers(share_arenas: bool = False) -> bool:
    """True when the C library took the thresholds (glibc); elsewhere (say, musl) nothing changes.
    `share_arenas`: every thread allocates from at most SHARED_ARENAS heaps (call it before threads start)."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    applied = bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)) and bool(
        mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES)
    )
    if share_arenas:
        applied = bool(mallopt(M_ARENA_MAX, SHARED_ARENAS)) and applied
    if not applied:
        logger.debug("malloc thresholds left as they are: mallopt refused them")
    return applied
