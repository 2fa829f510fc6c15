import subprocess
import sys

import pytest

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


def page_faults(module: str, mode: str) -> int:
    script = ALLOCATIONS.format(module=module)
    result = subprocess.run(
        [sys.executable, "-c", script, mode], capture_output=True, text=True, timeout=60, check=True
    )
    return int(result.stdout)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc")
def test_freed_message_sized_buffers_are_reused_instead_of_faulted_in_again():
    module = "fileuploader_runtime.buffer_reuse"
    pages_touched = 100 * 3 * 256
    assert page_faults(module, "default") > pages_touched // 2  # the default: a fresh mapping each time
    assert page_faults(module, "reuse") < pages_touched // 20
