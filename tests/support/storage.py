"""What the files service keeps (blobs, temp files, metadata rows), to show a refused upload kept nothing."""
import dataclasses
import time

from stack import Stack
from support.postgres import fetch

TEMP_DIR_NAME = ".tmp"  # LocalDiskBlobStore's temp directory under the blob root


@dataclasses.dataclass(frozen=True)
class Stored:
    blobs: frozenset[str]
    temp_files: frozenset[str]
    file_rows: int


def stored(stack: Stack) -> Stored:
    root = stack.config.data_dir / "blobs"
    files = [path for path in root.rglob("*") if path.is_file()]
    temp = root / TEMP_DIR_NAME
    rows = fetch(stack.config.files_database_url, "SELECT count(*) FROM files")[0][0]
    return Stored(
        blobs=frozenset(str(path) for path in files if temp not in path.parents),
        temp_files=frozenset(str(path) for path in files if temp in path.parents),
        file_rows=rows,
    )


def assert_nothing_stored_since(stack: Stack, before: Stored, timeout: float = 10) -> None:
    """Waits (a cancelled upload's cleanup runs after the answer) until the files service holds what it
    held before: the same blobs, no temp file, the same rows."""
    deadline = time.monotonic() + timeout
    while (now := stored(stack)) != before and time.monotonic() < deadline:
        time.sleep(0.1)
    assert now == before
