"""Resident memory of the stack's processes, sampled from /proc every second in a thread of its own,
and the CPU time each of them used.

A process's growth is its RSS at the end minus its RSS after the warm-up, both taken with the stack
quiet for a moment (first-use allocations such as thread pools, connection pools and caches are
not growth, and no transfer's buffers are counted); its peak is the kernel's high-water mark
(VmHWM), so no spike between two samples is missed.
"""

from __future__ import annotations

import os
import pathlib
import threading
import time
from dataclasses import dataclass

MIB = 1024 * 1024


def read_status(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) in bytes; (0, 0) when the process is gone."""
    try:
        text = pathlib.Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0, 0
    fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
    return (
        int(fields.get("VmRSS", "0 kB").split()[0]) * 1024,
        int(fields.get("VmHWM", "0 kB").split()[0]) * 1024,
    )


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far; 0 when it is gone."""
    try:
        text = pathlib.Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    after_command = text.rsplit(")", 1)[1].split()  # fields 3 onwards: utime and stime are 14 and 15
    return (int(after_command[11]) + int(after_command[12])) / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class MemoryFigures:
    process: str
    start: int
    warm: int
    peak: int
    end: int
    bound: int | None  # None: reported, not held to a bound
    cpu_seconds: float  # used between start and end

    @property
    def growth(self) -> int:
        return self.end - self.warm

    @property
    def over_bound(self) -> bool:
        return self.bound is not None and self.growth > self.bound


class RssSampler:
    def __init__(self, pids: dict[str, int], bounded: set[str], bound: int, interval: float = 1.0) -> None:
        self._pids = pids
        self._bounded = bounded
        self._bound = bound
        self._interval = interval
        self.samples: list[tuple[float, dict[str, int]]] = []
        self._marks: dict[str, dict[str, int]] = {}
        self._cpu: dict[str, dict[str, float]] = {}
        self._peaks: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def start(self) -> None:
        self.mark("start")
        self._thread.start()

    def mark(self, label: str) -> None:
        """Takes a sample now and remembers it as `label` (start, warm, end)."""
        self._marks[label] = self._sample()
        self._cpu[label] = {name: cpu_seconds(pid) for name, pid in self._pids.items()}

    def stop(self) -> None:
        """Call while the processes still run: their high-water marks are read here."""
        self.mark("end")
        self._peaks = {name: read_status(pid)[1] for name, pid in self._pids.items()}
        self._stop.set()
        self._thread.join()

    def figures(self) -> list[MemoryFigures]:
        start, end = self._marks["start"], self._marks["end"]
        warm = self._marks.get("warm", start)
        cpu = {name: self._cpu["end"][name] - self._cpu["start"][name] for name in self._pids}
        return [
            MemoryFigures(
                process=name,
                start=start[name],
                warm=warm[name],
                peak=self._peaks[name],
                end=end[name],
                bound=self._bound if name in self._bounded else None,
                cpu_seconds=cpu[name],
            )
            for name in self._pids
        ]

    def timeline(self) -> list[dict[str, float]]:
        """Every sample: seconds since the start and MiB per process."""
        first = self.samples[0][0] if self.samples else 0.0
        return [
            {"t": round(at - first, 1), **{name: round(rss / MIB, 1) for name, rss in sample.items()}}
            for at, sample in self.samples
        ]

    def _sample(self) -> dict[str, int]:
        sample = {name: read_status(pid)[0] for name, pid in self._pids.items()}
        self.samples.append((time.monotonic(), sample))
        return sample

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self._sample()
