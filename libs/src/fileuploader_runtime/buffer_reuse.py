"""Freed big buffers kept for reuse. By default glibc's malloc maps every block above 128 KiB afresh
(or hands the top of its heap back to the kernel once 2 MiB of it are free), so each 1 MiB message
of an upload, and each copy of it, is a new mapping that the kernel zero-fills page by page: ~190
MiB of page faults per 100 MiB uploaded. With blocks up to MMAP_THRESHOLD_BYTES taken from the heap,
and up to TRIM_THRESHOLD_BYTES of it kept when free, the next message reuses the last one's memory."""

import ctypes
import logging

logger = logging.getLogger(__name__)

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD_BYTES = 4 * 1024 * 1024
TRIM_THRESHOLD_BYTES = 16 * 1024 * 1024


def reuse_freed_buffers() -> bool:
    """True when the C library took the thresholds (glibc); elsewhere (say, musl) nothing changes."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    applied = bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)) and bool(
        mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES)
    )
    if not applied:
        logger.debug("malloc thresholds left as they are: mallopt refused them")
    return applied
