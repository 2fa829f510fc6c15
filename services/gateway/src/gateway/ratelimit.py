"""Per-client rate limits over named buckets, counted in a moving window: in the process by default
(moving_windows), or in a storage the gateways share (Redis) through the `limits` library.

When the counters' storage (Redis) cannot be reached the request is let through: the limits guard
against abuse, while refusing every upload and login because a counter store is down would turn a
cache outage into a full outage. The failures are logged, at most once a minute."""

import logging
import math
import time
from collections.abc import Mapping
from contextlib import AsyncExitStack
from types import TracebackType
from typing import Any, Self

from limits import RateLimitItem, parse
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from limits.storage import storage_from_string

from gateway.moving_windows import MovingWindows

logger = logging.getLogger(__name__)

STORAGE_FAILURE_LOG_INTERVAL_SECONDS = 60.0
IN_PROCESS_SCHEMES = ("memory://", "async+memory://")


def async_storage_uri(uri: str) -> str:
    """`limits` names its asyncio storages with an "async+" scheme prefix (async+redis://...)."""
    return uri if uri.startswith("async+") else f"async+{uri}"


class RateLimiter:
    """Use as `async with RateLimiter(...) as limiter:`; entering opens the storage's connections."""

    def __init__(self, storage_uri: str, limits_by_bucket: Mapping[str, str]) -> None:
        self._in_process: MovingWindows | None = None
        self._storage: Any = None
        if storage_uri.startswith(IN_PROCESS_SCHEMES):
            self._in_process = MovingWindows()
        else:
            self._storage = storage_from_string(async_storage_uri(storage_uri), wrap_exceptions=True)
            self._strategy = MovingWindowRateLimiter(self._storage)
        self._items: dict[str, RateLimitItem] = {
            bucket: parse(limit) for bucket, limit in limits_by_bucket.items()
        }
        self._exit_stack = AsyncExitStack()
        self._last_failure_logged = -math.inf

    async def __aenter__(self) -> Self:
        client = _storage_client(self._storage)
        if client is not None:
            await self._exit_stack.enter_async_context(client)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        await self._exit_stack.aclose()

    async def hit(self, bucket: str, client: str) -> int | None:
        """Counts one request of `client` in `bucket`.

        Returns None when it is allowed (or the counters cannot be reached), else the whole seconds
        (at least 1) until it would be."""
        item = self._items[bucket]
        if self._in_process is not None:
            wait = self._in_process.hit((bucket, client), item.amount, item.get_expiry())
        else:
            wait = await self._shared_hit(item, bucket, client)
        return None if wait is None else max(1, math.ceil(wait))

    async def _shared_hit(self, item: RateLimitItem, bucket: str, client: str) -> float | None:
        try:
            if await self._strategy.hit(item, bucket, client):
                return None
            stats = await self._strategy.get_window_stats(item, bucket, client)
        except StorageError as error:
            self._storage_failed(error)
            return None
        return stats.reset_time - time.time()

    def _storage_failed(self, error: StorageError) -> None:
        now = time.monotonic()
        if now - self._last_failure_logged >= STORAGE_FAILURE_LOG_INTERVAL_SECONDS:
            self._last_failure_logged = now
            logger.warning("rate-limit storage unreachable, requests pass unlimited: %s", error.storage_error)


def _storage_client(storage: Any) -> Any | None:
    """The network client behind a `limits` storage when it must be entered before use: coredis 6
    (behind async+redis://) serves commands only inside its connection pool's context."""
    client = getattr(getattr(storage, "bridge", None), "storage", None)
    return client if hasattr(client, "__aenter__") else None
