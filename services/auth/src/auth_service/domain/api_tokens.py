"""Rules of API tokens: what a name may be, how long one may live, and how often its use is recorded."""

import re
from collections.abc import Hashable
from datetime import timedelta

from auth_service.domain.errors import ApiTokenLifetimeInvalid, ApiTokenNameInvalid

MAX_NAME_LENGTH = 100
MIN_LIFETIME = timedelta(seconds=60)
# How stale a token's last_used_at may get: a listing or download records a use at most this often.
USE_RECORDING_INTERVAL = timedelta(seconds=60)
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def check_name(name: str) -> None:
    if not 1 <= len(name) <= MAX_NAME_LENGTH or _CONTROL_CHARACTERS.search(name):
        raise ApiTokenNameInvalid(MAX_NAME_LENGTH)


def lifetime_of(requested_seconds: int, longest: timedelta) -> timedelta:
    """The requested lifetime (0: the longest), refused outside MIN_LIFETIME..longest."""
    if requested_seconds == 0:
        return longest
    lifetime = timedelta(seconds=requested_seconds) if requested_seconds <= longest.total_seconds() else None
    if lifetime is None or lifetime < MIN_LIFETIME:
        raise ApiTokenLifetimeInvalid(int(MIN_LIFETIME.total_seconds()), int(longest.total_seconds()))
    return lifetime


class UseSampler:
    """Which uses of a token to record: the first one a process sees in each interval, per token.
    Monotonic seconds in, so a clock step changes nothing; remembers at most `capacity` tokens."""

    def __init__(self, interval_seconds: float, capacity: int = 10_000) -> None:
        self._interval = interval_seconds
        self._capacity = capacity
        self._recorded_at: dict[Hashable, float] = {}

    def is_due(self, token: Hashable, now: float) -> bool:
        last = self._recorded_at.get(token)
        if last is not None and now - last < self._interval:
            return False
        if len(self._recorded_at) >= self._capacity:
            self._forget_older_than(now - self._interval)
        self._recorded_at[token] = now
        return True

    def _forget_older_than(self, moment: float) -> None:
        self._recorded_at = {token: at for token, at in self._recorded_at.items() if at >= moment}
        if len(self._recorded_at) >= self._capacity:  # all recent: forget them all, at worst a write each
            self._recorded_at.clear()
