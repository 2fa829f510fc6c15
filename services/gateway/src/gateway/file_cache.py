"""What the gateway remembers of the files it served: their metadata, and the bytes of small ones.

Files are immutable, so an entry is only ever wrong once its file is deleted: the owner forgets it
then (on the gateway's own delete, or the files.deleted event). A file with a download limit is never
kept (each download is counted by files), and an entry of a file that expires ends at its expiry.
Until the owner says the deletes can be heard (`listening`), nothing is kept. An entry also expires
`ttl_seconds` after it was stored: the bound on how long a delete whose event is late (NATS down, the
event still in files' outbox) goes unnoticed. Least recently used entries go first when either bound (entries, bytes) is reached.
"""

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from gateway.metrics import CacheMetrics
from gateway.models import StoredFile


@dataclass(frozen=True)
class CachedFile:
    info: StoredFile
    content: bytes | None  # the whole file, or None when only the metadata is kept
    expires_at: float

    @property
    def held_bytes(self) -> int:
        return len(self.content) if self.content is not None else 0


class FileCache:
    def __init__(
        self,
        max_entries: int,
        max_bytes: int,
        max_file_bytes: int,
        ttl_seconds: float,
        metrics: CacheMetrics,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], datetime] | None = None,
    ) -> None:
        """max_entries 0 (or ttl_seconds 0) keeps nothing; max_file_bytes (at most max_bytes) is the largest
        file whose bytes are kept."""
        self._max_entries = max_entries
        self._max_bytes = max_bytes
        self.max_file_bytes = min(max_file_bytes, max_bytes)
        self._ttl = ttl_seconds
        self._metrics = metrics
        self._hits = {True: metrics.hits.labels("bytes"), False: metrics.hits.labels("metadata")}
        self._clock = clock
        self._wall_clock = wall_clock if wall_clock is not None else utc_now
        self._entries: OrderedDict[str, CachedFile] = OrderedDict()
        self._bytes = 0
        self._listening = False
        # Bumped by each forget and clear: an answer fetched before one may describe a deleted file.
        self._generation = 0

    @property
    def enabled(self) -> bool:
        return self._max_entries > 0 and self._ttl > 0

    @property
    def listening(self) -> bool:
        return self._listening

    def ticket(self) -> int:
        """Taken before fetching a file, handed back to put(): a delete heard meanwhile voids the put."""
        return self._generation

    def get(self, file_url: str) -> CachedFile | None:
        entry = self._entries.get(file_url)
        if entry is None or entry.expires_at <= self._clock():
            if entry is not None:
                self._remove(file_url)
            self._metrics.misses.inc()
            return None
        self._entries.move_to_end(file_url)
        self._hits[entry.content is not None].inc()
        return entry

    def put(self, ticket: int, info: StoredFile, content: bytes | None) -> None:
        """Keeps the file's metadata, and `content` (its whole bytes) when it is small enough."""
        if not (self.enabled and self._listening) or ticket != self._generation or info.limited:
            return
        if content is not None and len(content) > self.max_file_bytes:
            content = None
        now = self._clock()
        expires_at = now + self._ttl
        if info.expires_at is not None:
            expires_at = min(expires_at, now + (info.expires_at - self._wall_clock()).total_seconds())
            if expires_at <= now:
                return
        self._remove(info.file_url)
        entry = CachedFile(info, content, expires_at)
        self._entries[info.file_url] = entry
        self._bytes += entry.held_bytes
        while len(self._entries) > self._max_entries or self._bytes > self._max_bytes:
            self._remove(next(iter(self._entries)))
            self._metrics.evictions.inc()
        self._update_gauges()

    def forget(self, file_url: str) -> None:
        self._generation += 1
        self._remove(file_url)
        self._update_gauges()

    def start_listening(self) -> None:
        """The deletes can be heard from now on: entries may be kept."""
        self._listening = True

    def stop_listening(self) -> None:
        """A delete could now go unheard: everything is forgotten and nothing kept until start_listening."""
        self._listening = False
        self._generation += 1
        self._entries.clear()
        self._bytes = 0
        self._update_gauges()

    def _remove(self, file_url: str) -> None:
        entry = self._entries.pop(file_url, None)
        if entry is not None:
            self._bytes -= entry.held_bytes
            self._update_gauges()

    def _update_gauges(self) -> None:
        self._metrics.entries.set(len(self._entries))
        self._metrics.held_bytes.set(self._bytes)


def utc_now() -> datetime:
    return datetime.now(UTC)
