"""Per-client rate limits over named buckets, counted in a moving window by the `limits` library."""
import math
import time
from collections.abc import Mapping

from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.aio.strategies import MovingWindowRateLimiter


def async_storage_uri(uri: str) -> str:
    """`limits` names its asyncio storages with an "async+" scheme prefix (async+redis://...)."""
    return uri if uri.startswith("async+") else f"async+{uri}"


class RateLimiter:
    def __init__(self, storage_uri: str, limits_by_bucket: Mapping[str, str]) -> None:
        self._strategy = MovingWindowRateLimiter(storage_from_string(async_storage_uri(storage_uri)))
        self._items: dict[str, RateLimitItem] = {
            bucket: parse(limit) for bucket, limit in limits_by_bucket.items()
        }

    async def hit(self, bucket: str, client: str) -> int | None:
        """Counts one request of `client` in `bucket`.

        Returns None when it is allowed, else the whole seconds (at least 1) until it would be."""
        item = self._items[bucket]
        if await self._strategy.hit(item, bucket, client):
            return None
        stats = await self._strategy.get_window_stats(item, bucket, client)
        return max(1, math.ceil(stats.reset_time - time.time()))
