"""In-memory doubles for the auth use cases: repositories, unit of work, hasher, clock, event progress."""

import copy
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, Self

import pytest

from auth_service.domain.account_files import AccountFile, after_delete, after_upload, newest_first
from auth_service.domain.errors import UsernameTaken
from auth_service.domain.model import Account, AccountFileList, ApiToken, TokenLifetimes, TokenRecord
from auth_service.domain.ports import PasswordCheck
from auth_service.security.tokens import JwtTokenCodec
from auth_service.service import AccountFilesProjection, AuthService


class FakeClock:
    def __init__(self, now: datetime) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta) -> None:
        self.current += delta


@dataclass
class InMemoryTables:
    accounts: dict[str, Account] = field(default_factory=dict)
    tokens: dict[str, TokenRecord] = field(default_factory=dict)
    api_tokens: dict[str, ApiToken] = field(default_factory=dict)
    files: dict[str, AccountFile] = field(default_factory=dict)


class InMemoryAccountRepository:
    """Deleting an account deletes its tokens, as the foreign key's ON DELETE CASCADE does."""

    def __init__(self, tables: InMemoryTables) -> None:
        self._tables = tables
        self._accounts = tables.accounts

    async def add(self, account: Account) -> None:
        if any(existing.username == account.username for existing in self._accounts.values()):
            raise UsernameTaken()
        self._accounts[account.account_id] = account

    async def get(self, account_id: str) -> Account | None:
        return self._accounts.get(account_id)

    async def get_by_username(self, username: str) -> Account | None:
        return next((a for a in self._accounts.values() if a.username == username), None)

    async def update_password_hash(self, account_id: str, password_hash: str) -> None:
        self._accounts[account_id] = replace(self._accounts[account_id], password_hash=password_hash)

    async def set_disabled_at(self, account_id: str, disabled_at: datetime | None) -> None:
        self._accounts[account_id] = replace(self._accounts[account_id], disabled_at=disabled_at)

    async def delete(self, account_id: str) -> bool:
        if self._accounts.pop(account_id, None) is None:
            return False
        await InMemoryTokenRepository(self._tables).delete_of_account(account_id)
        return True


class InMemoryTokenRepository:
    """Deleting a token deletes its API token too, as the foreign key's ON DELETE CASCADE does."""

    def __init__(self, tables: InMemoryTables) -> None:
        self._tables = tables
        self._tokens = tables.tokens
        self._accounts = tables.accounts

    async def add(self, record: TokenRecord) -> None:
        self._tokens[record.token_hash] = record

    async def get(self, token_hash: str) -> TokenRecord | None:
        return self._tokens.get(token_hash)

    async def get_with_account(self, token_hash: str) -> tuple[TokenRecord, Account] | None:
        record = self._tokens.get(token_hash)
        account = self._accounts.get(record.account_id) if record else None
        return (record, account) if record and account else None

    async def take(self, token_hash: str) -> TokenRecord | None:
        taken = self._tokens.pop(token_hash, None)
        self._cascade()
        return taken

    async def delete_of_account(self, account_id: str) -> int:
        return self._delete(lambda record: record.account_id == account_id)

    async def delete_expired(self, now: datetime) -> int:
        return self._delete(lambda record: record.expires_at <= now)

    async def delete_all_of_account_except(self, account_id: str, kept_token_hash: str) -> int:
        return self._delete(lambda r: r.account_id == account_id and r.token_hash != kept_token_hash)

    def _delete(self, condition: Callable[[TokenRecord], bool]) -> int:
        doomed = [key for key, record in self._tokens.items() if condition(record)]
        for key in doomed:
            del self._tokens[key]
        self._cascade()
        return len(doomed)

    def _cascade(self) -> None:
        api_tokens = self._tables.api_tokens
        for token_id in [i for i, token in api_tokens.items() if token.token_hash not in self._tokens]:
            del api_tokens[token_id]


class InMemoryApiTokenRepository:
    def __init__(self, tables: InMemoryTables) -> None:
        self._tables = tables
        self._api_tokens = tables.api_tokens

    async def add(self, token: ApiToken) -> None:
        assert token.token_hash in self._tables.tokens, "an API token's record comes first (foreign key)"
        assert token.token_id not in self._api_tokens
        self._api_tokens[token.token_id] = token

    async def get_by_hash(self, token_hash: str) -> ApiToken | None:
        return next((t for t in self._api_tokens.values() if t.token_hash == token_hash), None)

    async def list_live(self, account_id: str, now: datetime) -> list[ApiToken]:
        live = [t for t in self._api_tokens.values() if t.account_id == account_id and t.expires_at > now]
        return sorted(live, key=lambda t: (-t.created_at.timestamp(), t.token_id))

    async def revoke(self, account_id: str, token_id: str) -> bool:
        token = self._api_tokens.get(token_id)
        if token is None or token.account_id != account_id:
            return False
        await InMemoryTokenRepository(self._tables).take(token.token_hash)
        return True

    async def record_use(self, token_hash: str, now: datetime, stale_before: datetime) -> None:
        token = await self.get_by_hash(token_hash)
        if token is not None and (token.last_used_at is None or token.last_used_at < stale_before):
            self._api_tokens[token.token_id] = replace(token, last_used_at=now)


class InMemoryAccountFileRepository:
    def __init__(self, tables: InMemoryTables) -> None:
        self._files = tables.files
        self._tables = tables

    async def add_unless_present(self, file: AccountFile) -> None:
        self._files[file.file_url] = after_upload(self._files.get(file.file_url), file)

    async def tombstone(self, tombstone: AccountFile) -> None:
        self._files[tombstone.file_url] = after_delete(self._files.get(tombstone.file_url), tombstone)

    async def get(self, file_url: str) -> AccountFile | None:
        return self._files.get(file_url)

    async def delete_of_account(self, account_id: str) -> int:
        doomed = [url for url, file in self._files.items() if file.account_id == account_id]
        for url in doomed:
            del self._files[url]
        return len(doomed)

    async def list_live(self, account_id: str) -> list[AccountFile]:
        return newest_first([f for f in self._files.values() if f.account_id == account_id and not f.deleted])

    async def list_live_of_token_holder(self, token_hash: str) -> AccountFileList | None:
        record = self._tables.tokens.get(token_hash)
        account = self._tables.accounts.get(record.account_id) if record else None
        return AccountFileList(account, await self.list_live(account.account_id)) if account else None

    async def stream_all(self) -> AsyncGenerator[AccountFile, None]:
        for file_url in sorted(self._files):
            yield self._files[file_url]

    async def correct(self, file: AccountFile) -> None:
        if file.file_url in self._files:
            self._files[file.file_url] = replace(file, deleted=self._files[file.file_url].deleted)

    async def revive(self, file: AccountFile) -> None:
        if file.file_url in self._files:
            self._files[file.file_url] = replace(file, deleted=False)


class InMemoryUnitOfWork:
    """Works on a copy of the tables; commit() publishes the copy, like a transaction."""

    def __init__(self, database: "InMemoryDatabase") -> None:
        self._database = database

    async def __aenter__(self) -> Self:
        self._staged = copy.deepcopy(self._database.tables)
        self.accounts = InMemoryAccountRepository(self._staged)
        self.tokens = InMemoryTokenRepository(self._staged)
        self.api_tokens = InMemoryApiTokenRepository(self._staged)
        self.files = InMemoryAccountFileRepository(self._staged)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None

    async def commit(self) -> None:
        self._database.tables = self._staged
        self._database.commits += 1


class InMemoryDatabase:
    def __init__(self) -> None:
        self.tables = InMemoryTables()
        self.commits = 0
        self.units_of_work = 0

    def unit_of_work(self) -> InMemoryUnitOfWork:
        self.units_of_work += 1
        return InMemoryUnitOfWork(self)


class FakePasswordHasher:
    """'Hashes' as '<generation>$<password>'; hashes of an older generation need an update."""

    def __init__(self, generation: int = 1) -> None:
        self.generation = generation
        self.dummy_checks: list[str] = []

    async def hash(self, password: str) -> str:
        return f"{self.generation}${password}"

    async def check(self, password: str, password_hash: str) -> PasswordCheck:
        generation, _, hashed = password_hash.partition("$")
        if hashed != password:
            return PasswordCheck(matches=False)
        outdated = int(generation) < self.generation
        return PasswordCheck(matches=True, new_hash=await self.hash(password) if outdated else None)

    async def check_against_dummy(self, password: str) -> None:
        self.dummy_checks.append(password)


class RecordingFileEventsProgress:
    def __init__(self) -> None:
        self.waits: list[float] = []

    async def wait_until_caught_up(self, timeout: float) -> None:
        self.waits.append(timeout)


LIFETIMES = TokenLifetimes(normal=timedelta(days=5), bot=timedelta(days=180))
CATCH_UP_TIMEOUT = 2.0


@pytest.fixture
def clock() -> FakeClock:
    """Starts an hour ago: tokens are checked against the real time, and must not be issued in the future."""
    return FakeClock(datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1))


@pytest.fixture
def database() -> InMemoryDatabase:
    return InMemoryDatabase()


@pytest.fixture
def passwords() -> FakePasswordHasher:
    return FakePasswordHasher()


@pytest.fixture
def file_events() -> RecordingFileEventsProgress:
    return RecordingFileEventsProgress()


@pytest.fixture
def codec(jwt_secret: str) -> JwtTokenCodec:
    return JwtTokenCodec(jwt_secret)


@pytest.fixture
def make_service(
    database: InMemoryDatabase,
    passwords: FakePasswordHasher,
    codec: JwtTokenCodec,
    clock: FakeClock,
    file_events: RecordingFileEventsProgress,
) -> Callable[..., AuthService]:
    """make_service(**options) -> an AuthService on the shared fakes, e.g. with min_password_length."""

    def make(**options: Any) -> AuthService:
        return AuthService(
            unit_of_work=database.unit_of_work,
            passwords=passwords,
            tokens=codec,
            clock=clock,
            lifetimes=LIFETIMES,
            file_events=file_events,
            catch_up_timeout=CATCH_UP_TIMEOUT,
            **options,
        )

    return make


@pytest.fixture
def service(make_service: Callable[..., AuthService]) -> AuthService:
    return make_service()


@pytest.fixture
def projection(database: InMemoryDatabase) -> AccountFilesProjection:
    return AccountFilesProjection(database.unit_of_work)
