"""Argon2 password hashing (passlib), run in threads and bounded so logins cannot exhaust the host."""

import asyncio
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from passlib.context import CryptContext

from auth_service.domain.ports import PasswordCheck
from auth_service.metrics import PasswordHashMetrics

Result = TypeVar("Result")


@dataclass(frozen=True)
class Argon2Parameters:
    memory_kib: int
    time_cost: int
    parallelism: int


class Argon2PasswordHasher:
    def __init__(self, parameters: Argon2Parameters, concurrency: int, metrics: PasswordHashMetrics) -> None:
        self._context = CryptContext(
            schemes=["argon2"],
            argon2__memory_cost=parameters.memory_kib,
            argon2__time_cost=parameters.time_cost,
            argon2__parallelism=parameters.parallelism,
        )
        self._slots = asyncio.Semaphore(concurrency)
        self._metrics = metrics
        # Hashed once up front, so that checking against it costs what a real check costs.
        self._dummy_hash = self._context.hash(secrets.token_urlsafe(16))

    async def hash(self, password: str) -> str:
        return await self._computed(self._context.hash, password)

    async def check(self, password: str, password_hash: str) -> PasswordCheck:
        matches, new_hash = await self._computed(self._context.verify_and_update, password, password_hash)
        return PasswordCheck(matches=matches, new_hash=new_hash)

    async def check_against_dummy(self, password: str) -> None:
        await self.check(password, self._dummy_hash)

    async def _computed(self, function: Callable[..., Result], *arguments: str) -> Result:
        """`function(*arguments)` in a thread once a slot is free."""
        with self._metrics.waiting.track_inprogress():
            await self._slots.acquire()
        try:
            with self._metrics.in_flight.track_inprogress():
                return await asyncio.to_thread(function, *arguments)
        finally:
            self._slots.release()
