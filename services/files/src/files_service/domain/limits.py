"""How long and how many times a file is served: its expiry and its download limit."""

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from files_service.domain.errors import BadLimits

# A download count travels as a uint32.
MAX_DOWNLOADS_LIMIT = 2**32 - 1
# Far enough for any policy, near enough that created_at + expires_in stays a valid datetime.
MAX_EXPIRES_IN = timedelta(days=365 * 1000)


class PurgeReason(enum.Enum):
    EXPIRED = "expired"
    DOWNLOAD_LIMIT = "download_limit"
    ACCOUNT_DELETED = "account_deleted"  # its owner deleted the account


@dataclass(frozen=True)
class Limits:
    """What the uploader asked for: None is no expiry, no download limit."""

    expires_in: timedelta | None = None
    max_downloads: int | None = None

    def __post_init__(self) -> None:
        if self.expires_in is not None and not timedelta(0) < self.expires_in <= MAX_EXPIRES_IN:
            raise BadLimits("expires_in must be positive")
        if self.max_downloads is not None and not 1 <= self.max_downloads <= MAX_DOWNLOADS_LIMIT:
            raise BadLimits(f"max_downloads must be between 1 and {MAX_DOWNLOADS_LIMIT}")

    @property
    def fingerprint(self) -> str:
        """The limits as one string, empty for none."""
        if self.expires_in is None and self.max_downloads is None:
            return ""
        seconds = self.expires_in.total_seconds() if self.expires_in is not None else ""
        return f"expires_in={seconds};max_downloads={self.max_downloads or ''}"


NO_LIMITS = Limits()


@dataclass(frozen=True)
class FileLimits:
    """A stored file's limits. `used_up_at`: when its last download was counted (downloads_left 0)."""

    expires_at: datetime | None = None
    max_downloads: int | None = None
    downloads_left: int | None = None
    used_up_at: datetime | None = None

    @classmethod
    def starting(cls, limits: Limits, created_at: datetime) -> "FileLimits":
        expires_at = created_at + limits.expires_in if limits.expires_in is not None else None
        return cls(expires_at, limits.max_downloads, limits.max_downloads)

    @property
    def limited(self) -> bool:
        return self.max_downloads is not None

    @property
    def used_up(self) -> bool:
        return self.downloads_left == 0

    def expired(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now

    def served(self, now: datetime, seek_grace: timedelta) -> bool:
        """Whether any of its bytes are still served: a used-up file serves the seeks of its last
        download (ranges not from byte 0, which the gateway alone can tell) for `seek_grace`."""
        if self.expired(now):
            return False
        return not self.used_up or (self.used_up_at is not None and now < self.used_up_at + seek_grace)

    def purge_reason(self, now: datetime, seek_grace: timedelta) -> PurgeReason | None:
        if self.expired(now):
            return PurgeReason.EXPIRED
        if not self.served(now, seek_grace):
            return PurgeReason.DOWNLOAD_LIMIT
        return None
