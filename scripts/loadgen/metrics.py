"""What happened: requests, latencies and bytes per kind of request, errors and mismatches."""

from __future__ import annotations

import statistics
import time
from collections import defaultdict
from dataclasses import dataclass, field

MAX_KEPT_PROBLEMS = 200  # each kind of problem keeps this many details; the counts stay exact


@dataclass
class KindStats:
    requests: int = 0
    errors: int = 0
    bytes_up: int = 0
    bytes_down: int = 0
    latencies: list[float] = field(default_factory=list)

    def percentile_ms(self, percent: int) -> float | None:
        if not self.latencies:
            return None
        if len(self.latencies) == 1:
            return self.latencies[0] * 1000
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[percent - 1] * 1000


@dataclass(frozen=True)
class Problem:
    kind: str
    detail: str


class Recorder:
    """One phase of the run (the load, or the final check)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.kinds: dict[str, KindStats] = defaultdict(KindStats)
        self.errors: list[Problem] = []
        self.error_count = 0
        self.mismatches: list[Problem] = []
        self.mismatch_count = 0
        self.started = time.monotonic()
        self.finished: float | None = None

    def request(self, kind: str, seconds: float, *, up: int = 0, down: int = 0) -> None:
        stats = self.kinds[kind]
        stats.requests += 1
        stats.latencies.append(seconds)
        stats.bytes_up += up
        stats.bytes_down += down

    def error(self, kind: str, detail: str) -> None:
        """A request that failed: a transport error or an answer other than the one the contract gives."""
        self.kinds[kind].errors += 1
        self.error_count += 1
        if len(self.errors) < MAX_KEPT_PROBLEMS:
            self.errors.append(Problem(kind, detail))

    def mismatch(self, kind: str, detail: str) -> None:
        """An answer with the right status but wrong content: bytes, fields or a file list."""
        self.mismatch_count += 1
        if len(self.mismatches) < MAX_KEPT_PROBLEMS:
            self.mismatches.append(Problem(kind, detail))

    def finish(self) -> None:
        self.finished = time.monotonic()

    @property
    def seconds(self) -> float:
        return (self.finished or time.monotonic()) - self.started

    @property
    def requests(self) -> int:
        return sum(stats.requests for stats in self.kinds.values())

    @property
    def bytes_up(self) -> int:
        return sum(stats.bytes_up for stats in self.kinds.values())

    @property
    def bytes_down(self) -> int:
        return sum(stats.bytes_down for stats in self.kinds.values())
