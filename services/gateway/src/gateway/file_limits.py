"""The upload's `expires_in` and `max_downloads` query values, read against the server's policy."""

import re
from dataclasses import dataclass

_DURATION = re.compile(r"([0-9]{1,12})([smhdw]?)")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
# A download count travels as a uint32.
MAX_DOWNLOADS_LIMIT = 2**32 - 1


class BadExpiry(ValueError):
    """Not a duration, 0, or longer than the maximum."""


class ExpiryBeyondMaximum(BadExpiry):
    """A well-formed duration longer than the maximum."""


class BadDownloadLimit(ValueError):
    """Not a whole number from 1 to MAX_DOWNLOADS_LIMIT."""


@dataclass(frozen=True)
class ExpiryPolicy:
    """`default_seconds`: the expiry of an upload that asks none (0: the maximum, or never when there is
    none); `max_seconds`: the longest one allowed (0: no maximum). A default never exceeds the maximum
    (the settings check it)."""

    default_seconds: int = 0
    max_seconds: int = 0

    def expires_in(self, asked: str | None) -> int | None:
        """Seconds until the upload expires (None: never); raises BadExpiry."""
        if asked is None:
            return self.default_seconds or self.max_seconds or None
        seconds = parse_duration(asked)
        if self.max_seconds and seconds > self.max_seconds:
            raise ExpiryBeyondMaximum(f"at most {self.max_seconds} seconds")
        return seconds


def parse_duration(text: str) -> int:
    """`3600`, `90s`, `30m`, `1h`, `7d` or `2w` as seconds; raises BadExpiry (0 included)."""
    match = _DURATION.fullmatch(text.strip().lower())
    if match is None:
        raise BadExpiry("not a duration")
    seconds = int(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    if seconds <= 0:
        raise BadExpiry("a duration of 0")
    return seconds


def parse_max_downloads(text: str | None) -> int | None:
    if text is None:
        return None
    stripped = text.strip()
    if not stripped.isascii() or not stripped.isdigit() or not 1 <= int(stripped) <= MAX_DOWNLOADS_LIMIT:
        raise BadDownloadLimit(text)
    return int(stripped)
