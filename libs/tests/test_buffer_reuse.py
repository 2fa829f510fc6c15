import subprocess
import sys

import pytest

from fileuploader_runtime.buffer_reuse import SHARED_ARENAS

# Allocates three 1 MiB buffers (a message and its copies on their way) and frees them, 100 times;
# prints the minor page faults that took.
ALLOCATIONS = """
import resource, sys
from {module} import reuse_freed_buffers
if sys.argv[1] == "reuse":
    assert reuse_freed_buffers()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for round in range(100):
    buffers = [bytearray(1024 * 1024) for _ in range(3)]
    for buffer in buffers:
        buffer[::4096] = b"x" * 256
    del buffers, buffer
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def printed_number(script: str, module: str, mode: str) -> int:
    """What `script` prints, run in a fresh interpreter (malloc's settings are per process)."""
    result = subprocess.run(
        [sys.executable, "-c", script.format(module=module), mode],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return int(result.stdout)


def page_faults(module: str, mode: str) -> int:
    return printed_number(ALLOCATIONS, module, mode)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc")
def test_freed_message_sized_buffers_are_reused_instead_of_faulted_in_again():
    module = "fileuploader_runtime.buffer_reuse"
    pages_touched = 100 * 3 * 256
    assert page_faults(module, "default") > pages_touched // 2  # the default: a fresh mapping each time
    assert page_faults(module, "reuse") < pages_touched // 20


# Eight threads allocate at the same moment, then the number of malloc heaps (arenas) is printed.
ARENAS_IN_USE = """
import ctypes, os, sys, tempfile, threading
from {module} import reuse_freed_buffers
if sys.argv[1] == "shared":
    assert reuse_freed_buffers(share_arenas=True)
start, held = threading.Barrier(8), []
def allocate():
    start.wait()
    held.append(bytearray(256 * 1024))
    start.wait()
threads = [threading.Thread(target=allocate) for _ in range(8)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
libc = ctypes.CDLL(None)
libc.fopen.restype = ctypes.c_void_p
libc.malloc_info.argtypes = (ctypes.c_int, ctypes.c_void_p)
libc.fclose.argtypes = (ctypes.c_void_p,)
path = os.path.join(tempfile.mkdtemp(), "malloc.xml")
stream = libc.fopen(path.encode(), b"w")
libc.malloc_info(0, stream)
libc.fclose(stream)
print(open(path).read().count("<heap nr="))
"""


def arenas_in_use(module: str, mode: str) -> int:
    return printed_number(ARENAS_IN_USE, module, mode)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc")
def test_threads_share_a_bounded_number_of_heaps_when_asked():
    module = "fileuploader_runtime.buffer_reuse"
    assert arenas_in_use(module, "default") > SHARED_ARENAS
    assert arenas_in_use(module, "shared") <= SHARED_ARENAS
