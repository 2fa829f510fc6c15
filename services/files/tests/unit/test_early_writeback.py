"""Early writeback hands written bytes to the disk without changing them; the fsync still decides."""

import os
import pathlib

from files_service.adapters import early_writeback
from files_service.adapters.local_disk_blob_store import WRITEBACK_STEP_BYTES, _TempFile


def test_linux_has_the_call() -> None:
    assert early_writeback.available()


def test_a_range_handed_to_the_disk_keeps_the_file_as_written(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "blob"
    data = os.urandom(3 * 1024 * 1024)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        os.write(fd, data)
        early_writeback.start_writeback(fd, 0, len(data))
        early_writeback.start_writeback(fd, 0, 0)
    finally:
        os.close(fd)
    assert path.read_bytes() == data


def test_a_refused_range_is_ignored(tmp_path: pathlib.Path) -> None:
    read, write = os.pipe()  # a pipe cannot be written back (ESPIPE)
    try:
        early_writeback.start_writeback(write, 0, 10)
    finally:
        os.close(read)
        os.close(write)


def test_a_temp_file_hands_its_bytes_over_in_steps(tmp_path: pathlib.Path, monkeypatch) -> None:
    ranges: list[tuple[int, int]] = []
    monkeypatch.setattr(
        "files_service.adapters.local_disk_blob_store.start_writeback",
        lambda fd, offset, length: ranges.append((offset, length)),
    )
    temp = _TempFile(tmp_path, "abcdef12", direct_from=WRITEBACK_STEP_BYTES)  # as without O_DIRECT
    block = b"x" * (WRITEBACK_STEP_BYTES // 4)
    for _ in range(9):
        temp.write(block)
    path = temp.flush_and_close()
    assert ranges == [(0, WRITEBACK_STEP_BYTES), (WRITEBACK_STEP_BYTES, WRITEBACK_STEP_BYTES)]
    assert path.stat().st_size == 9 * len(block)
