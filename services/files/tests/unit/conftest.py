"""Fakes for the use cases: an in-memory blob store, unit of work and a recording publisher."""

import copy
from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, Self

import pytest

from files_service.domain.blocking import BlockedHash
from files_service.domain.errors import (
    CommitOutcomeUnknown,
    ContentBlocked,
    DatabaseUnavailable,
    FileUrlTaken,
    IdempotencyKeyTaken,
)
from files_service.domain.events import DomainEvent, event_subject
from files_service.domain.idempotency import IdempotencyKey, IdempotencyRecord
from files_service.domain.model import StoredFile
from files_service.domain.ports import BlobNotFound, OutboxMessage, PendingEvent, PublishFailed, StorageEntry
from files_service.domain.quotas import AccountUsage
from files_service.relay import OutboxRelay
from files_service.service import FilesService

MAX_FILE_SIZE = 1000
LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


class FakeBlobStore:
    """Blobs and temp data in dicts; everything was last written LONG_AGO unless set in modified_at."""

    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}
        self.temp: dict[str, bytes] = {}
        self.modified_at: dict[str, datetime] = {}
        self.fail_after_bytes: int | None = None
        self.failure: Exception = OSError("disk exploded")

    async def put(self, key: str, chunks: AsyncIterable[bytes]) -> None:
        received = bytearray()
        async for chunk in chunks:
            received += chunk
            if self.fail_after_bytes is not None and len(received) >= self.fail_after_bytes:
                raise self.failure
        self.blobs[key] = bytes(received)

    async def open_range(self, key: str, offset: int, length: int) -> AsyncIterator[bytes]:
        if key not in self.blobs:
            raise BlobNotFound(key)
        data = self.blobs[key][offset : offset + length]
        for start in range(0, len(data), 4):
            yield data[start : start + 4]

    async def delete(self, key: str) -> None:
        self.blobs.pop(key, None)

    async def iter_keys(self) -> AsyncIterator[str]:
        for key in list(self.blobs):
            yield key

    async def iter_blobs(self) -> AsyncGenerator[StorageEntry, None]:
        for key in sorted(self.blobs):
            if key in self.blobs:
                yield self._entry(key, self.blobs[key])

    async def stat(self, key: str) -> StorageEntry | None:
        return self._entry(key, self.blobs[key]) if key in self.blobs else None

    async def iter_temp(self) -> AsyncGenerator[StorageEntry, None]:
        for name, data in list(self.temp.items()):
            yield self._entry(name, data)

    async def delete_temp(self, name: str) -> None:
        self.temp.pop(name, None)

    def _entry(self, name: str, data: bytes) -> StorageEntry:
        return StorageEntry(name, len(data), self.modified_at.get(name, LONG_AGO))


@dataclass
class InMemoryDatabase:
    files: dict[str, StoredFile] = field(default_factory=dict)
    outbox: list[OutboxMessage] = field(default_factory=list)
    outbox_created_at: dict[str, datetime] = field(default_factory=dict)
    idempotency: dict[IdempotencyKey, IdempotencyRecord] = field(default_factory=dict)
    blocked: dict[str, BlockedHash] = field(default_factory=dict)
    reachable: bool = True
    commits: int = 0
    lost_on_commit: bool = False  # the connection drops while committing, after the commit took effect


class FakeFilesRepository:
    def __init__(self, files: dict[str, StoredFile], blocked: dict[str, BlockedHash] | None = None) -> None:
        self._files = files
        self._blocked = blocked if blocked is not None else {}

    async def add(self, stored: StoredFile) -> None:
        if stored.sha256 in self._blocked:
            raise ContentBlocked("these bytes are blocked on this server")
        if stored.file_url in self._files:
            raise FileUrlTaken(stored.file_url)
        self._files[stored.file_url] = stored

    async def get(self, file_url: str) -> StoredFile | None:
        return self._files.get(file_url)

    async def remove(self, file_url: str) -> bool:
        return self._files.pop(file_url, None) is not None

    async def remove_returning_owner(self, file_url: str) -> str | None:
        stored = self._files.pop(file_url, None)
        return None if stored is None else stored.owner_account_id

    async def claim(self, file_url: str, owner_account_id: str) -> bool:
        stored = self._files.get(file_url)
        if stored is None or stored.has_owner:
            return False
        self._files[file_url] = replace(stored, owner_account_id=owner_account_id)
        return True

    async def count(self) -> int:
        return len(self._files)

    async def largest(self, limit: int) -> list[StoredFile]:
        return sorted(self._files.values(), key=lambda stored: (-stored.size, stored.file_url))[:limit]

    async def newest(self, limit: int) -> list[StoredFile]:
        by_url = sorted(self._files.values(), key=lambda stored: stored.file_url)
        return sorted(by_url, key=lambda stored: stored.created_at, reverse=True)[:limit]

    async def usage_of(self, owner_account_id: str) -> AccountUsage:
        owned = [stored for stored in self._files.values() if stored.owner_account_id == owner_account_id]
        return AccountUsage(files=len(owned), bytes=sum(stored.size for stored in owned))

    async def uses_storage_key(self, storage_key: str) -> bool:
        return any(stored.storage_key == storage_key for stored in self._files.values())

    async def stream_by_storage_key(self) -> AsyncGenerator[StoredFile, None]:
        for stored in sorted(self._files.values(), key=lambda stored: stored.storage_key):
            yield stored

    async def stream_owned(self) -> AsyncGenerator[StoredFile, None]:
        for file_url in sorted(self._files):
            if self._files[file_url].has_owner:
                yield self._files[file_url]


class FakeBlockedHashes:
    def __init__(self, entries: dict[str, BlockedHash]) -> None:
        self._entries = entries

    async def add(self, entry: BlockedHash) -> bool:
        if entry.sha256 in self._entries:
            return False
        self._entries[entry.sha256] = entry
        return True

    async def remove(self, sha256: str) -> bool:
        return self._entries.pop(sha256, None) is not None

    async def list_all(self) -> list[BlockedHash]:
        return sorted(self._entries.values(), key=lambda entry: entry.blocked_at)


class FakeIdempotencyRecords:
    def __init__(self, records: dict[IdempotencyKey, IdempotencyRecord]) -> None:
        self._records = records

    async def add(self, record: IdempotencyRecord) -> None:
        key = IdempotencyKey(record.scope, record.key)
        if key in self._records:
            raise IdempotencyKeyTaken(f"{record.scope}/{record.key}")
        self._records[key] = record

    async def get(self, key: IdempotencyKey) -> IdempotencyRecord | None:
        return self._records.get(key)

    async def remove(self, key: IdempotencyKey) -> None:
        self._records.pop(key, None)

    async def remove_for_file(self, file_url: str) -> None:
        for key in [key for key, record in self._records.items() if record.file_url == file_url]:
            del self._records[key]

    async def purge(self, created_before: datetime) -> int:
        old = [key for key, record in self._records.items() if record.created_at < created_before]
        for key in old:
            del self._records[key]
        return len(old)


def encode_for_tests(event: DomainEvent) -> bytes:
    return repr(event).encode()


class FakeOutbox:
    def __init__(self, messages: list[OutboxMessage], created_at: dict[str, datetime]) -> None:
        self._messages = messages
        self._created_at = created_at

    async def add(self, event: DomainEvent) -> OutboxMessage:
        message = OutboxMessage(event.event_id, event_subject("files", event), encode_for_tests(event))
        self._messages.append(message)
        self._created_at[event.event_id] = event.occurred_at
        return message

    async def oldest(self, limit: int) -> list[OutboxMessage]:
        return self._messages[:limit]

    async def remove(self, event_id: str) -> None:
        self._messages[:] = [message for message in self._messages if message.event_id != event_id]

    async def remove_many(self, event_ids: list[str]) -> None:
        self._messages[:] = [message for message in self._messages if message.event_id not in event_ids]

    async def count(self) -> int:
        return len(self._messages)

    async def count_older_than(self, moment: datetime) -> int:
        return len(self._before(moment))

    async def oldest_before(self, moment: datetime, limit: int) -> list[PendingEvent]:
        return self._before(moment)[:limit]

    def _before(self, moment: datetime) -> list[PendingEvent]:
        pending = [PendingEvent(m.event_id, m.subject, self._created_at[m.event_id]) for m in self._messages]
        return [event for event in pending if event.created_at < moment]


class FakeUnitOfWork:
    """Works on copies of the database's state; commit() makes them the state."""

    def __init__(self, database: InMemoryDatabase) -> None:
        self._database = database

    async def __aenter__(self) -> Self:
        if not self._database.reachable:
            raise DatabaseUnavailable("the files database cannot be reached")
        self._files = dict(self._database.files)
        self._outbox = copy.copy(self._database.outbox)
        self._blocked = dict(self._database.blocked)
        self.files = FakeFilesRepository(self._files, self._blocked)
        self.outbox = FakeOutbox(self._outbox, self._database.outbox_created_at)
        self._idempotency = dict(self._database.idempotency)
        self.idempotency = FakeIdempotencyRecords(self._idempotency)
        self.blocked = FakeBlockedHashes(self._blocked)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        return None

    async def commit(self) -> None:
        self._database.files = dict(self._files)
        self._database.outbox = list(self._outbox)
        self._database.idempotency = dict(self._idempotency)
        self._database.blocked = dict(self._blocked)
        self._database.commits += 1
        if self._database.lost_on_commit:
            raise CommitOutcomeUnknown("the files database went away while committing")


class RecordingPublisher:
    def __init__(self) -> None:
        self.published: list[OutboxMessage] = []
        self.failing = False

    async def publish_all(self, messages: Sequence[OutboxMessage]) -> list[BaseException | None]:
        if self.failing:
            return [PublishFailed("broker down") for _ in messages]
        self.published.extend(messages)
        return [None] * len(messages)


class ScriptedFileUrls:
    """Hands out the scripted file_urls in order, then numbered ones."""

    def __init__(self) -> None:
        self._urls: list[str] = []
        self._drawn = 0

    def script(self, *urls: str) -> None:
        self._urls.extend(urls)

    def __call__(self, ext: str, include_ext: bool) -> str:
        self._drawn += 1
        url = self._urls.pop(0) if self._urls else f"generated{self._drawn}"
        return url + ext if include_ext else url


@pytest.fixture
def max_file_size() -> int:
    return MAX_FILE_SIZE


@pytest.fixture
def database() -> InMemoryDatabase:
    return InMemoryDatabase()


@pytest.fixture
def blob_store() -> FakeBlobStore:
    return FakeBlobStore()


@pytest.fixture
def publisher() -> RecordingPublisher:
    return RecordingPublisher()


@pytest.fixture
def file_urls() -> ScriptedFileUrls:
    return ScriptedFileUrls()


@pytest.fixture
def relay(database, publisher) -> OutboxRelay:
    return OutboxRelay(lambda: FakeUnitOfWork(database), publisher, interval_seconds=0.01, batch_size=2)


@pytest.fixture
def make_service(database, blob_store, file_urls, fixed_now, relay) -> Callable[..., FilesService]:
    """make_service(**options) -> the service over the fakes, with FilesService's options overridden."""

    def make(**options: Any) -> FilesService:
        defaults: dict[str, Any] = {
            "uow_factory": lambda: FakeUnitOfWork(database),
            "blob_store": blob_store,
            "max_file_size": MAX_FILE_SIZE,
            "clock": lambda: fixed_now,
            "file_url_generator": file_urls,
            "relay": relay,
            "delete_event_wait": timedelta(milliseconds=50),  # no relay runs unless a test starts one
        }
        return FilesService(**(defaults | options))

    return make


@pytest.fixture
def service(make_service) -> FilesService:
    return make_service()


@pytest.fixture
async def relay_drained(relay, database):
    """Publishes what the outbox holds, as the running relay does once woken."""

    async def drain() -> None:
        while database.outbox and await relay.relay_once():
            pass

    return drain
