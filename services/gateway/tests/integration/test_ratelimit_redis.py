"""Rate limits counted in Redis: shared by every gateway, and never a reason to refuse service."""

from gateway.ratelimit import RateLimiter

LIMITS = {"upload": "2/minute"}


async def test_gateways_sharing_redis_share_the_count(redis_server):
    async with (
        RateLimiter(redis_server.url, LIMITS) as first,
        RateLimiter(redis_server.url, LIMITS) as second,
    ):
        answers = [
            await first.hit("upload", "203.0.113.7"),
            await second.hit("upload", "203.0.113.7"),
            await first.hit("upload", "203.0.113.7"),
        ]
        other_client = await second.hit("upload", "203.0.113.8")
    assert answers[:2] == [None, None] and answers[2] is not None and answers[2] >= 1
    assert other_client is None


async def test_requests_pass_unlimited_while_redis_is_down_and_are_counted_again_after(redis_server, caplog):
    async with RateLimiter(redis_server.url, LIMITS) as limiter:
        redis_server.stop()
        while_down = [await limiter.hit("upload", "203.0.113.9") for _ in range(4)]
        redis_server.start()
        after = [await limiter.hit("upload", "203.0.113.9") for _ in range(3)]
    assert while_down == [None] * 4
    assert "rate-limit storage unreachable" in caplog.text
    assert after[:2] == [None, None] and after[2] is not None
