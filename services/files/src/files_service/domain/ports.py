"""What the use cases need from the outside world, as protocols the adapters fulfil."""

from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator, Awaitable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import TracebackType
from typing import Protocol, Self

from files_service.domain.blocking import BlockedHash
from files_service.domain.events import DomainEvent
from files_service.domain.idempotency import IdempotencyKey, IdempotencyRecord
from files_service.domain.limits import FileLimits
from files_service.domain.model import DownloadHeaders, StoredFile
from files_service.domain.quotas import AccountUsage


class BlobNotFound(LookupError):
    """No blob is stored under the key."""


class PublishFailed(Exception):
    """The broker did not acknowledge the event (down, slow or refusing)."""


@dataclass(frozen=True)
class OutboxMessage:
    """An encoded event waiting to be published."""

    event_id: str
    subject: str
    payload: bytes


@dataclass(frozen=True)
class StorageEntry:
    """A stored blob (name: its key) or the temp data of a put (name: what delete_temp takes);
    modified_at is when it was last written."""

    name: str
    size: int
    modified_at: datetime


@dataclass(frozen=True)
class PendingEvent:
    """An outbox event, described without its payload."""

    event_id: str
    subject: str
    created_at: datetime


class BlobStore(Protocol):
    """Stores opaque byte streams under keys the service chooses."""

    async def put(self, key: str, chunks: AsyncIterable[bytes | memoryview]) -> None:
        """Store every chunk under key, all or nothing: a failure or a cancellation keeps nothing."""

    def open_range(self, key: str, offset: int, length: int) -> AsyncGenerator[bytes, None]:
        """`length` bytes from `offset`, in chunks; BlobNotFound when the key is unknown."""

    async def delete(self, key: str) -> None:
        """Remove the blob; a missing key is not an error."""

    def iter_keys(self) -> AsyncIterator[str]:
        """Every stored key."""

    def iter_blobs(self) -> AsyncGenerator[StorageEntry, None]:
        """Every stored blob, in ascending key order (by code point)."""

    async def stat(self, key: str) -> StorageEntry | None:
        """The blob under key; None when there is none."""

    def iter_temp(self) -> AsyncGenerator[StorageEntry, None]:
        """The temp data of puts, in progress or left behind by interrupted ones."""

    async def delete_temp(self, name: str) -> None:
        """Remove one temp entry; a missing one is not an error."""


class DownloadUrlSigner(Protocol):
    """A store whose blobs clients can download directly (an object store's presigned URLs)."""

    async def presigned_get_url(self, key: str, headers: DownloadHeaders, expires_in: timedelta) -> str:
        """A URL that serves the blob under key, answered with `headers`, until `expires_in` has passed."""


class FilesRepository(Protocol):
    async def add(self, stored: StoredFile) -> None:
        """Insert the file; FileUrlTaken when its file_url already exists, ContentBlocked (nothing
        inserted) when its sha256 is blocked."""

    async def get(self, file_url: str) -> StoredFile | None: ...

    async def remove(self, file_url: str) -> bool:
        """Delete the file's row; False when there was none."""

    async def remove_returning_owner(self, file_url: str) -> str | None:
        """Delete the file's row and answer its owner as the delete found it ("" for none); None when
        there was no row. One statement: a claim committed just before is seen."""

    async def claim(self, file_url: str, owner_account_id: str) -> bool:
        """Give the file an owner if it has none (the check and the write are one statement, so two
        concurrent claims cannot both take it); False when it is gone or owned already."""

    async def count_download(self, file_url: str, now: datetime) -> int | None:
        """One download off a limited file alive at `now`, as one conditional statement: the downloads
        left after it; None when nothing was counted (unknown, unlimited, expired or used up)."""

    async def limits_of(self, file_urls: Sequence[str]) -> dict[str, FileLimits]:
        """The limits of those of the files that have an expiry or a download limit."""

    async def lock_purgeable(self, now: datetime, seek_grace: timedelta, limit: int) -> list[StoredFile]:
        """Up to `limit` files expired or used up (for longer than `seek_grace`), locked until the
        transaction ends; rows another transaction holds are skipped."""

    async def lock_owned(self, owner_account_id: str, limit: int) -> list[StoredFile]:
        """Up to `limit` files of the owner, locked until the transaction ends (waiting for rows another
        transaction holds, so that none is skipped)."""

    async def oldest_purgeable_since(self, now: datetime, seek_grace: timedelta) -> datetime | None: ...

    async def count(self) -> int: ...

    async def largest(self, limit: int) -> list[StoredFile]:
        """Up to `limit` files, the biggest first."""

    async def newest(self, limit: int) -> list[StoredFile]:
        """Up to `limit` files, the most recently stored first."""

    async def usage_of(self, owner_account_id: str) -> AccountUsage:
        """How many files the account owns and their bytes, as this transaction sees them."""

    async def uses_storage_key(self, storage_key: str) -> bool: ...

    def stream_by_storage_key(self) -> AsyncGenerator[StoredFile, None]:
        """Every file, in ascending storage_key order (by code point), never all in memory."""

    def stream_owned(self) -> AsyncGenerator[StoredFile, None]:
        """Every file that has an owner, in ascending file_url order (by code point)."""


class Outbox(Protocol):
    async def add(self, event: DomainEvent) -> OutboxMessage:
        """Encode the event and keep it until it is published."""

    async def oldest(self, limit: int) -> list[OutboxMessage]: ...

    async def remove(self, event_id: str) -> None:
        """Forget a published event; an unknown id is not an error."""

    async def remove_many(self, event_ids: Sequence[str]) -> None:
        """Forget published events, in one statement; unknown ids are not an error."""

    async def count(self) -> int: ...

    async def count_older_than(self, moment: datetime) -> int: ...

    async def oldest_before(self, moment: datetime, limit: int) -> list[PendingEvent]:
        """Up to `limit` events created before `moment`, oldest first."""


class IdempotencyRecords(Protocol):
    async def add(self, record: IdempotencyRecord) -> None:
        """Insert the record; IdempotencyKeyTaken when its scope and key already have one."""

    async def get(self, key: IdempotencyKey) -> IdempotencyRecord | None: ...

    async def remove(self, key: IdempotencyKey) -> None: ...

    async def remove_for_file(self, file_url: str) -> None:
        """Forget the record of the upload that stored this file, if there is one."""

    async def purge(self, created_before: datetime) -> int:
        """Delete the records made before that moment; returns how many."""


class BlockedHashes(Protocol):
    async def add(self, entry: BlockedHash) -> bool:
        """Block the hash; False when it was blocked already (the first entry stays)."""

    async def remove(self, sha256: str) -> bool:
        """Unblock the hash; False when it was not blocked."""

    async def list_all(self) -> list[BlockedHash]:
        """Every blocked hash, the oldest entry first."""


class UnitOfWork(Protocol):
    """One transaction over the files and the outbox. Leaving without commit() rolls back."""

    @property
    def files(self) -> FilesRepository: ...

    @property
    def outbox(self) -> Outbox: ...

    @property
    def idempotency(self) -> IdempotencyRecords: ...

    @property
    def blocked(self) -> BlockedHashes: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None: ...


class EventPublisher(Protocol):
    async def publish_all(self, messages: Sequence[OutboxMessage]) -> list[BaseException | None]:
        """Publish them all and wait for the broker's acknowledgements: each message's outcome, in order,
        None once acknowledged, else the error (PublishFailed when the broker could not be reached)."""


class EventRelay(Protocol):
    """Publishes what the outbox holds, after the commits that wrote it."""

    def wake(self) -> None:
        """Events were committed: publish them now."""

    def published(self, event_id: str, timeout_seconds: float) -> Awaitable[bool]:
        """Watches the event from the call on (call it right after the commit): True once it is
        published; False when publishing it failed, or after timeout_seconds."""
