import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client import CollectorRegistry

from gateway.file_cache import FileCache
from gateway.metrics import CacheMetrics
from gateway.models import StoredFile


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def info(file_url: str, size: int = 10) -> StoredFile:
    return StoredFile(
        file_url=file_url,
        ext=".bin",
        user_filename="a.bin",
        size=size,
        sha256="ab" * 32,
        created_at=datetime(2025, 1, 1, tzinfo=UTC),
    )


@pytest.fixture
def registry() -> CollectorRegistry:
    return CollectorRegistry()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def make_cache(registry, clock):
    def build(
        max_entries=100, max_bytes=1000, max_file_bytes=100, ttl_seconds=60.0, listening=True
    ) -> FileCache:
        cache = FileCache(
            max_entries, max_bytes, max_file_bytes, ttl_seconds, CacheMetrics.register(registry), clock=clock
        )
        if listening:
            cache.start_listening()
        return cache

    return build


def put(cache: FileCache, file_url: str, content: bytes | None = b"x" * 10) -> None:
    cache.put(cache.ticket(), info(file_url, len(content) if content is not None else 10), content)


def metric(registry: CollectorRegistry, name: str, **labels: str) -> float:
    return registry.get_sample_value(name, labels) or 0.0


def test_a_file_put_is_got_back_with_its_bytes(make_cache):
    cache = make_cache()
    put(cache, "a", b"hello")
    held = cache.get("a")
    assert held is not None and held.info.file_url == "a" and held.content == b"hello"


def test_a_file_too_big_keeps_its_metadata_only(make_cache):
    cache = make_cache(max_file_bytes=4)
    put(cache, "a", b"hello")
    held = cache.get("a")
    assert held is not None and held.content is None and held.info.size == 5


def test_least_recently_used_goes_first_past_the_entry_bound(make_cache, registry):
    cache = make_cache(max_entries=2)
    put(cache, "a")
    put(cache, "b")
    cache.get("a")
    put(cache, "c")
    assert cache.get("b") is None and cache.get("a") is not None and cache.get("c") is not None
    assert metric(registry, "fileuploader_gateway_cache_evictions_total") == 1


def test_bytes_held_stay_within_their_bound(make_cache, registry):
    cache = make_cache(max_bytes=25, max_file_bytes=10)
    for name in "abc":
        put(cache, name, b"x" * 10)
    assert cache.get("a") is None and cache.get("b") is not None and cache.get("c") is not None
    assert metric(registry, "fileuploader_gateway_cache_bytes") == 20
    assert metric(registry, "fileuploader_gateway_cache_entries") == 2


def test_an_entry_expires_after_the_ttl(make_cache, clock):
    cache = make_cache(ttl_seconds=60)
    put(cache, "a")
    clock.now += 59.9
    assert cache.get("a") is not None
    clock.now += 0.2
    assert cache.get("a") is None


def test_a_forgotten_file_is_gone(make_cache, registry):
    cache = make_cache()
    put(cache, "a")
    cache.forget("a")
    assert cache.get("a") is None
    assert metric(registry, "fileuploader_gateway_cache_entries") == 0


def test_a_delete_heard_while_a_file_was_fetched_voids_its_put(make_cache):
    cache = make_cache()
    ticket = cache.ticket()
    cache.forget("a")  # the files.deleted event arrives while the ReadFile is in flight
    cache.put(ticket, info("a"), b"x" * 10)
    assert cache.get("a") is None


def test_nothing_is_kept_until_deletes_can_be_heard(make_cache):
    cache = make_cache(listening=False)
    put(cache, "a")
    assert cache.get("a") is None


def test_deafness_forgets_everything_and_keeps_nothing_until_listening_again(make_cache):
    cache = make_cache()
    put(cache, "a")
    ticket = cache.ticket()
    cache.stop_listening()
    assert cache.get("a") is None
    put(cache, "b")
    assert cache.get("b") is None
    cache.start_listening()
    cache.put(ticket, info("c"), b"x")  # fetched before the connection dropped
    assert cache.get("c") is None
    put(cache, "d")
    assert cache.get("d") is not None


@pytest.mark.parametrize("bounds", [{"max_entries": 0}, {"ttl_seconds": 0}])
def test_zero_turns_the_cache_off(make_cache, bounds):
    cache = make_cache(**bounds)
    put(cache, "a")
    assert not cache.enabled and cache.get("a") is None


def test_hits_and_misses_are_counted_by_what_was_held(make_cache, registry):
    cache = make_cache(max_file_bytes=5)
    put(cache, "small", b"abc")
    put(cache, "big", b"x" * 10)
    cache.get("small")
    cache.get("big")
    cache.get("unknown")
    assert metric(registry, "fileuploader_gateway_cache_hits_total", held="bytes") == 1
    assert metric(registry, "fileuploader_gateway_cache_hits_total", held="metadata") == 1
    assert metric(registry, "fileuploader_gateway_cache_misses_total") == 1


WALL_NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def test_a_file_with_a_download_limit_is_never_kept(registry, clock):
    cache = FileCache(
        100, 1000, 100, 60.0, CacheMetrics.register(registry), clock=clock, wall_clock=lambda: WALL_NOW
    )
    cache.start_listening()
    limited = dataclasses.replace(info("lim"), max_downloads=3, downloads_left=3)
    cache.put(cache.ticket(), limited, b"x" * 10)
    assert cache.get("lim") is None


def test_an_entry_of_an_expiring_file_ends_at_its_expiry(registry, clock):
    cache = FileCache(
        100, 1000, 100, 60.0, CacheMetrics.register(registry), clock=clock, wall_clock=lambda: WALL_NOW
    )
    cache.start_listening()
    expiring = dataclasses.replace(info("exp"), expires_at=WALL_NOW + timedelta(seconds=5))
    cache.put(cache.ticket(), expiring, b"x" * 10)
    clock.now += 4.9
    assert cache.get("exp") is not None
    clock.now += 0.1
    assert cache.get("exp") is None
    cache.put(cache.ticket(), dataclasses.replace(info("old"), expires_at=WALL_NOW), b"x")
    assert cache.get("old") is None
