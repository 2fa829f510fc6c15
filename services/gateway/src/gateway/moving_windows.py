"""Moving-window hit counters kept in the process: the rate limits' storage when none is shared.

Each key keeps the times of its counted hits, oldest first, so a hit costs the same however high the
limit (`limits`' own memory storage inserts each hit at the front of a list and sweeps every key's list
through a thread, a cost that grows with the limit and the number of clients). A key whose hits have
all left its window is dropped by a sweep over the keys, run at most once a longest period."""

import math
import time
from collections import deque
from collections.abc import Callable, Hashable


class _Window:
    __slots__ = ("hits", "period")

    def __init__(self, period: float) -> None:
        self.period = period
        self.hits: deque[float] = deque()


class MovingWindows:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._windows: dict[Hashable, _Window] = {}
        self._longest_period = 0.0
        self._next_sweep = -math.inf

    def hit(self, key: Hashable, limit: int, period: float) -> float | None:
        """Counts a hit of `key` unless `limit` hits of it were counted in the last `period` seconds;
        then nothing is counted and the answer is the seconds until the oldest of them leaves."""
        now = self._clock()
        self._sweep(now, period)
        window = self._windows.get(key)
        if window is None:
            window = self._windows[key] = _Window(period)
        hits = window.hits
        while hits and hits[0] <= now - period:
            hits.popleft()
        if len(hits) >= limit:
            return hits[0] + period - now if hits else period
        hits.append(now)
        return None

    def __len__(self) -> int:
        """How many keys are kept."""
        return len(self._windows)

    def _sweep(self, now: float, period: float) -> None:
        self._longest_period = max(self._longest_period, period)
        if now < self._next_sweep:
            return
        self._next_sweep = now + self._longest_period
        idle = [
            key
            for key, window in self._windows.items()
            if not window.hits or window.hits[-1] <= now - window.period
        ]
        for key in idle:
            del self._windows[key]
