import asyncio

from gateway.ratelimit import RateLimiter, async_storage_uri


def test_async_storage_uri_adds_the_async_scheme_once():
    assert async_storage_uri("memory://") == "async+memory://"
    assert async_storage_uri("redis://cache:6379") == "async+redis://cache:6379"
    assert async_storage_uri("async+redis://cache:6379") == "async+redis://cache:6379"


async def test_hit_allows_requests_up_to_the_limit_then_gives_retry_after():
    async with RateLimiter("memory://", {"upload": "2/minute"}) as limiter:
        assert await limiter.hit("upload", "1.2.3.4") is None
        assert await limiter.hit("upload", "1.2.3.4") is None
        retry_after = await limiter.hit("upload", "1.2.3.4")
    assert retry_after is not None and 59 <= retry_after <= 60


async def test_hit_counts_each_client_separately():
    limiter = RateLimiter("memory://", {"upload": "1/minute"})
    assert await limiter.hit("upload", "1.1.1.1") is None
    assert await limiter.hit("upload", "2.2.2.2") is None
    assert await limiter.hit("upload", "1.1.1.1") is not None


async def test_hit_counts_each_bucket_separately():
    limiter = RateLimiter("memory://", {"upload": "1/minute", "auth": "1/minute"})
    assert await limiter.hit("upload", "1.1.1.1") is None
    assert await limiter.hit("auth", "1.1.1.1") is None
    assert await limiter.hit("auth", "1.1.1.1") is not None


async def test_hit_allows_again_when_the_moving_window_has_passed():
    limiter = RateLimiter("memory://", {"tiny": "1/second"})
    assert await limiter.hit("tiny", "c") is None
    assert await limiter.hit("tiny", "c") == 1
    await asyncio.sleep(1.05)
    assert await limiter.hit("tiny", "c") is None


async def test_hit_frees_slots_one_at_a_time_in_a_moving_window():
    limiter = RateLimiter("memory://", {"tiny": "2/second"})
    assert await limiter.hit("tiny", "c") is None
    await asyncio.sleep(0.6)
    assert await limiter.hit("tiny", "c") is None
    assert await limiter.hit("tiny", "c") == 1
    await asyncio.sleep(0.5)
    assert await limiter.hit("tiny", "c") is None
    assert await limiter.hit("tiny", "c") is not None
