class Backoff:
    """Retry delays that double from `initial` up to `maximum`, until reset()."""

    def __init__(self, initial: float = 0.5, maximum: float = 10.0) -> None:
        self._initial = initial
        self._maximum = maximum
        self._next = initial

    def next_delay(self) -> float:
        delay, self._next = self._next, min(self._next * 2, self._maximum)
        return delay

    def reset(self) -> None:
        self._next = self._initial
