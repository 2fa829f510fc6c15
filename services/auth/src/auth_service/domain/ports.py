"""What the use cases need from the outside world, named for their role."""

from collections.abc import AsyncGenerator, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from auth_service.domain.account_files import AccountFile
from auth_service.domain.list_comparison import OwnedFile
from auth_service.domain.model import Account, AccountFileList, ApiToken, TokenClaims, TokenRecord


class AccountRepository(Protocol):
    async def add(self, account: Account) -> None:
        """Raises UsernameTaken when the username is already registered."""

    async def get(self, account_id: str) -> Account | None: ...

    async def get_by_username(self, username: str) -> Account | None: ...

    async def update_password_hash(self, account_id: str, password_hash: str) -> None: ...

    async def set_disabled_at(self, account_id: str, disabled_at: datetime | None) -> None:
        """Disables the account from that moment on; None enables it."""

    async def delete(self, account_id: str) -> bool:
        """Deletes the account with its tokens (ON DELETE CASCADE); False when there was none."""


class TokenRepository(Protocol):
    async def add(self, record: TokenRecord) -> None: ...

    async def get(self, token_hash: str) -> TokenRecord | None: ...

    async def get_with_account(self, token_hash: str) -> tuple[TokenRecord, Account] | None:
        """The record and the account it belongs to, read together."""

    async def take(self, token_hash: str) -> TokenRecord | None:
        """Deletes the record and returns it; None when no record was deleted."""

    async def delete_of_account(self, account_id: str) -> int:
        """Revokes every token of the account; returns how many there were."""

    async def delete_expired(self, now: datetime) -> int: ...

    async def delete_all_of_account_except(self, account_id: str, kept_token_hash: str) -> int:
        """Revokes every token of the account (API tokens too) but one; returns how many."""


class ApiTokenRepository(Protocol):
    async def add(self, token: ApiToken) -> None:
        """After its TokenRecord was added."""

    async def get_by_hash(self, token_hash: str) -> ApiToken | None: ...

    async def list_live(self, account_id: str, now: datetime) -> list[ApiToken]:
        """The account's API tokens not yet expired, newest first."""

    async def revoke(self, account_id: str, token_id: str) -> bool:
        """Deletes the account's API token (its TokenRecord with it); False when it has none of that id."""

    async def record_use(self, token_hash: str, now: datetime, stale_before: datetime) -> None:
        """Sets last_used_at to now, unless it was set at or after stale_before (by another replica)."""


class AccountFileRepository(Protocol):
    async def add_unless_present(self, file: AccountFile) -> None:
        """Inserts the row unless a row (live or tombstone) has its file_url."""

    async def tombstone(self, tombstone: AccountFile) -> None:
        """Marks the row deleted, inserting the tombstone when there is no row yet."""

    async def get(self, file_url: str) -> AccountFile | None: ...

    async def delete_of_account(self, account_id: str) -> int:
        """Deletes the account's rows, tombstones too; returns how many."""

    async def list_live(self, account_id: str) -> list[AccountFile]:
        """The account's files that are not deleted, newest first."""

    async def list_live_of_token_holder(self, token_hash: str) -> AccountFileList | None:
        """The account holding the token and its live files, newest first; None when no account holds it."""

    def stream_all(self) -> AsyncGenerator[AccountFile, None]:
        """Every row, tombstones too, in ascending file_url order (by code point), never all in memory."""

    async def correct(self, file: AccountFile) -> None:
        """Sets every value of the file's row from `file`, except whether it is deleted."""

    async def revive(self, file: AccountFile) -> None:
        """Sets every value of the file's row from `file` and makes it live again."""


class UnitOfWork(Protocol):
    """One database transaction: nothing is kept unless commit() is called."""

    accounts: AccountRepository
    tokens: TokenRepository
    api_tokens: ApiTokenRepository
    files: AccountFileRepository

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None: ...


UnitOfWorkFactory = Callable[[], UnitOfWork]


class AccountListings(Protocol):
    """The hot read of every listing, which may bypass the unit of work."""

    async def of_token_holder(self, token_hash: str) -> AccountFileList | None:
        """As list_live_of_token_holder, seeing every commit made before the call."""


@dataclass(frozen=True)
class PasswordCheck:
    matches: bool
    new_hash: str | None = None


class PasswordHasher(Protocol):
    async def hash(self, password: str) -> str: ...

    async def check(self, password: str, password_hash: str) -> PasswordCheck:
        """Whether the password matches, and a fresh hash when the stored one is outdated."""

    async def check_against_dummy(self, password: str) -> None:
        """Spends the time a real check takes, for a user that does not exist."""


class TokenCodec(Protocol):
    def encode(self, claims: TokenClaims) -> str: ...

    def decode(self, access_token: str) -> TokenClaims:
        """Raises TokenExpired or TokenInvalid."""


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""


class FileEventsProgress(Protocol):
    async def wait_until_caught_up(self, timeout: float) -> None:
        """Returns once every file event published so far is applied, or when the time runs out."""


class FilesRecords(Protocol):
    """The files service's records: the truth the account lists are reconciled with."""

    def owned_files(self) -> AsyncGenerator[OwnedFile, None]:
        """Every file that has an owner, in ascending file_url order (by code point)."""

    async def republish_uploads(self, file_urls: Sequence[str]) -> set[str]:
        """Has files publish a fresh FileUploaded for each file_url naming an owned file; returns the others."""


class EventsApplied(Protocol):
    async def wait_until_applied(self, timeout: float) -> bool:
        """Whether auth's consumer applied every file event published so far, within the timeout."""
