"""Peak memory growth of processes during an action: VmHWM after a reset to VmRSS (clear_refs, Linux
>= 4.0) minus VmRSS before it, as tests/e2e/test_memory.py measures it."""

from __future__ import annotations

import contextlib
import pathlib
from collections.abc import Iterator


def rss_and_peak(pid: int) -> tuple[int, int]:
    fields = dict(line.split(":", 1) for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines())
    return int(fields["VmRSS"].split()[0]) * 1024, int(fields["VmHWM"].split()[0]) * 1024


def reset_peak(pid: int) -> None:
    pathlib.Path(f"/proc/{pid}/clear_refs").write_text("5")  # VmHWM := VmRSS


@contextlib.contextmanager
def peak_growth(pids: dict[str, int]) -> Iterator[dict[str, int]]:
    """Yields a dict that holds, after the block, each process's growth in bytes."""
    baseline = {}
    for name, pid in pids.items():
        reset_peak(pid)
        baseline[name] = rss_and_peak(pid)[0]
    growth: dict[str, int] = {}
    yield growth
    growth.update({name: rss_and_peak(pid)[1] - baseline[name] for name, pid in pids.items()})
