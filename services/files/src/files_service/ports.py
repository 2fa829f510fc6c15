"""What the use cases need from the outside world, as protocols the adapters fulfil."""

from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator
from dataclasses import dataclass
from types import TracebackType
from typing import Protocol, Self

from files_service.domain.events import DomainEvent
from files_service.domain.model import StoredFile


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


class BlobStore(Protocol):
    """Stores opaque byte streams under keys the service chooses."""

    async def put(self, key: str, chunks: AsyncIterable[bytes]) -> None:
        """Store every chunk under key, all or nothing: a failure or a cancellation keeps nothing."""

    def open_range(self, key: str, offset: int, length: int) -> AsyncGenerator[bytes, None]:
        """`length` bytes from `offset`, in chunks; BlobNotFound when the key is unknown."""

    async def delete(self, key: str) -> None:
        """Remove the blob; a missing key is not an error."""

    def iter_keys(self) -> AsyncIterator[str]:
        """Every stored key."""

    async def clean_temp(self) -> int:
        """Remove what interrupted puts left behind; returns how many leftovers were removed."""


class FilesRepository(Protocol):
    async def add(self, stored: StoredFile) -> None:
        """Insert the file; FileUrlTaken when its file_url already exists."""

    async def get(self, file_url: str) -> StoredFile | None: ...

    async def remove(self, file_url: str) -> bool:
        """Delete the file's row; False when there was none."""


class Outbox(Protocol):
    async def add(self, event: DomainEvent) -> OutboxMessage:
        """Encode the event and keep it until it is published."""

    async def oldest(self, limit: int) -> list[OutboxMessage]: ...

    async def remove(self, event_id: str) -> None:
        """Forget a published event; an unknown id is not an error."""


class UnitOfWork(Protocol):
    """One transaction over the files and the outbox. Leaving without commit() rolls back."""

    @property
    def files(self) -> FilesRepository: ...

    @property
    def outbox(self) -> Outbox: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None: ...


class EventPublisher(Protocol):
    async def publish(self, message: OutboxMessage) -> None:
        """Publish and wait for the broker's acknowledgement, or raise PublishFailed."""
