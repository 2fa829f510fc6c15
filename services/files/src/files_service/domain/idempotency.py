"""Safe retries of an upload: a key the caller chose, within a scope (whose key it is), remembers which
file that upload stored and what it was, so a retry is answered with that file instead of a second one."""

import hashlib
from dataclasses import dataclass
from datetime import datetime

from files_service.domain.errors import InvalidIdempotencyKey

MAX_KEY_LENGTH = 255
MAX_SCOPE_LENGTH = 160


@dataclass(frozen=True)
class IdempotencyKey:
    scope: str
    key: str

    def __post_init__(self) -> None:
        if not self.key or len(self.key) > MAX_KEY_LENGTH or len(self.scope) > MAX_SCOPE_LENGTH:
            raise InvalidIdempotencyKey("an idempotency key has 1-255 characters, its scope at most 160")


@dataclass(frozen=True)
class IdempotencyRecord:
    scope: str
    key: str
    fingerprint: str
    file_url: str
    created_at: datetime


def upload_fingerprint(
    sha256: str, user_filename: str, include_ext: bool, owner_account_id: str, limits: str = ""
) -> str:
    """What makes two uploads the same one: the bytes (by their digest), the name, include_ext, the owner,
    and the limits asked (`limits` empty for none, so that a key recorded before limits existed still
    matches its retry)."""
    parts: tuple[str, ...] = (sha256, user_filename, "ext" if include_ext else "", owner_account_id)
    if limits:
        parts += (limits,)
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()
