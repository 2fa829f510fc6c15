import asyncio
import threading
import time

import pytest
from prometheus_client import CollectorRegistry

from auth_service.metrics import PasswordHashMetrics
from auth_service.security.passwords import Argon2Parameters, Argon2PasswordHasher

FAST = Argon2Parameters(memory_kib=1024, time_cost=1, parallelism=1)


def unobserved() -> PasswordHashMetrics:
    return PasswordHashMetrics.register(CollectorRegistry())


class SlowRecordingContext:
    """Stands in for passlib's CryptContext: takes a while and records how many run at once."""

    def __init__(self) -> None:
        self.running = 0
        self.most_at_once = 0
        self.verified: list[str] = []
        self._lock = threading.Lock()

    def hash(self, password: str) -> str:
        with self._lock:
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        time.sleep(0.05)
        with self._lock:
            self.running -= 1
        return "$argon2id$" + password

    def verify_and_update(self, password: str, password_hash: str) -> tuple[bool, None]:
        self.verified.append(password)
        return False, None


@pytest.fixture
def hasher() -> Argon2PasswordHasher:
    return Argon2PasswordHasher(FAST, concurrency=2, metrics=unobserved())


async def test_check_matches_the_password_it_hashed(hasher: Argon2PasswordHasher) -> None:
    password_hash = await hasher.hash("correct horse")

    assert password_hash.startswith("$argon2id$")
    assert (await hasher.check("correct horse", password_hash)).matches
    assert not (await hasher.check("wrong horse", password_hash)).matches


async def test_check_returns_a_new_hash_when_parameters_changed(hasher: Argon2PasswordHasher) -> None:
    old_hash = await hasher.hash("secret")
    stronger = Argon2PasswordHasher(Argon2Parameters(2048, 2, 1), concurrency=1, metrics=unobserved())

    check = await stronger.check("secret", old_hash)

    assert check.matches
    assert check.new_hash is not None and "m=2048,t=2" in check.new_hash
    assert (await stronger.check("secret", check.new_hash)).new_hash is None


async def test_check_against_dummy_costs_a_real_check(hasher: Argon2PasswordHasher) -> None:
    context = SlowRecordingContext()
    hasher._context = context  # type: ignore[assignment]

    await hasher.check_against_dummy("guess")

    assert context.verified == ["guess"]


async def test_hash_runs_at_most_the_configured_number_at_once_off_the_event_loop() -> None:
    hasher = Argon2PasswordHasher(FAST, concurrency=2, metrics=unobserved())
    context = SlowRecordingContext()
    hasher._context = context  # type: ignore[assignment]
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.005)

    ticker = asyncio.create_task(tick())
    await asyncio.gather(*(hasher.hash(f"pw{i}") for i in range(6)))
    ticker.cancel()

    assert context.most_at_once == 2
    assert ticks >= 10


def argon2_parameters_of(password_hash: str) -> str:
    """ "m=1024,t=1,p=1" of "$argon2id$v=19$m=1024,t=1,p=1$salt$digest"."""
    return password_hash.split("$")[3]


async def test_dummy_hash_has_the_parameters_of_a_fresh_hash() -> None:
    parameters = Argon2Parameters(memory_kib=2048, time_cost=3, parallelism=2)
    hasher = Argon2PasswordHasher(parameters, concurrency=1, metrics=unobserved())

    fresh = await hasher.hash("secret")

    assert argon2_parameters_of(hasher._dummy_hash) == argon2_parameters_of(fresh) == "m=2048,t=3,p=2"


async def test_metrics_show_hashes_computing_and_waiting_for_a_slot() -> None:
    registry = CollectorRegistry()
    hasher = Argon2PasswordHasher(FAST, concurrency=2, metrics=PasswordHashMetrics.register(registry))
    hasher._context = SlowRecordingContext()  # type: ignore[assignment]
    seen: list[tuple[float | None, float | None]] = []

    async def watch() -> None:
        while True:
            seen.append(
                (
                    registry.get_sample_value("fileuploader_password_hashes_in_flight"),
                    registry.get_sample_value("fileuploader_password_hashes_waiting"),
                )
            )
            await asyncio.sleep(0.01)

    watcher = asyncio.create_task(watch())
    await asyncio.gather(*(hasher.hash(f"pw{i}") for i in range(5)))
    watcher.cancel()

    assert (2.0, 3.0) in seen
    assert registry.get_sample_value("fileuploader_password_hashes_in_flight") == 0
    assert registry.get_sample_value("fileuploader_password_hashes_waiting") == 0
