"""Claiming an anonymous file into an account: the delete key proves possession of the file."""

import enum
import hmac
from dataclasses import dataclass

from files_service.domain.model import StoredFile


class ClaimResult(enum.Enum):
    CLAIMED = "claimed"
    UNKNOWN_FILE = "unknown_file"
    # The file exists (as its public URL already tells anyone), the key is not its own.
    WRONG_KEY = "wrong_key"
    OWNED_BY_ANOTHER_ACCOUNT = "owned_by_another_account"
    ALREADY_YOURS = "already_yours"
    # The key is right, but the file would take the account past a quota: it stays anonymous.
    OVER_QUOTA = "over_quota"


@dataclass(frozen=True)
class ClaimRequest:
    file_url: str
    delete_key: str


@dataclass(frozen=True)
class ClaimOutcome:
    file_url: str
    result: ClaimResult
    # The file as it is now, when it is (or just became) the claimer's.
    file: StoredFile | None = None


def delete_key_matches(expected: str, given: str) -> bool:
    """Compared in constant time: the time taken tells nothing of how much of the key was right."""
    return bool(given) and hmac.compare_digest(expected.encode(), given.encode())


def claim_result(stored: StoredFile | None, delete_key: str, claimer_account_id: str) -> ClaimResult:
    """What a claim of `stored` with `delete_key` comes to; CLAIMED means it may be taken."""
    if stored is None:
        return ClaimResult.UNKNOWN_FILE
    if not delete_key_matches(stored.delete_key, delete_key):
        return ClaimResult.WRONG_KEY
    if not stored.has_owner:
        return ClaimResult.CLAIMED
    if stored.owner_account_id == claimer_account_id:
        return ClaimResult.ALREADY_YOURS
    return ClaimResult.OWNED_BY_ANOTHER_ACCOUNT
