"""Blocked content: bytes an operator refuses to host, named by their SHA-256."""

import re
from dataclasses import dataclass
from datetime import datetime

MAX_REASON_LENGTH = 500
MAX_OPERATOR_LENGTH = 128
_SHA256 = re.compile(r"[0-9a-f]{64}")


class InvalidSha256(ValueError):
    """Not a SHA-256 in hex (64 hex digits)."""


@dataclass(frozen=True)
class BlockedHash:
    sha256: str
    reason: str
    blocked_by: str
    blocked_at: datetime


def parse_sha256(text: str) -> str:
    """The hash in the form files records it (lower-case hex); InvalidSha256 otherwise."""
    sha256 = text.strip().lower()
    if not _SHA256.fullmatch(sha256):
        raise InvalidSha256(f"not a SHA-256 (64 hex digits): {text!r}")
    return sha256
