"""What happened to files, as the rest of the system learns it."""

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from files_service.domain.limits import PurgeReason
from files_service.domain.model import StoredFile

# Why a file was deleted: its delete key was presented, or the purge's reason.
DELETED_WITH_KEY = "deleted_with_key"


@dataclass(frozen=True)
class FileUploaded:
    topic: ClassVar[str] = "uploaded"

    event_id: str
    occurred_at: datetime
    file_url: str
    owner_account_id: str
    delete_key: str
    ext: str
    user_filename: str
    size: int
    sha256: str
    created_at: datetime
    expires_at: datetime | None = None
    max_downloads: int | None = None

    @classmethod
    def of(cls, stored: StoredFile, event_id: str, occurred_at: datetime) -> "FileUploaded":
        """The delete key travels only with an owned file: only its owner's file list shows it."""
        return cls(
            event_id=event_id,
            occurred_at=occurred_at,
            file_url=stored.file_url,
            owner_account_id=stored.owner_account_id,
            delete_key=stored.delete_key if stored.has_owner else "",
            ext=stored.ext,
            user_filename=stored.user_filename,
            size=stored.size,
            sha256=stored.sha256,
            created_at=stored.created_at,
            expires_at=stored.limits.expires_at,
            max_downloads=stored.limits.max_downloads,
        )


@dataclass(frozen=True)
class FileDeleted:
    topic: ClassVar[str] = "deleted"

    event_id: str
    occurred_at: datetime
    file_url: str
    owner_account_id: str
    reason: str = DELETED_WITH_KEY

    @classmethod
    def of(
        cls, stored: StoredFile, event_id: str, occurred_at: datetime, purged: PurgeReason | None = None
    ) -> "FileDeleted":
        return cls(
            event_id=event_id,
            occurred_at=occurred_at,
            file_url=stored.file_url,
            owner_account_id=stored.owner_account_id,
            reason=purged.value if purged is not None else DELETED_WITH_KEY,
        )


DomainEvent = FileUploaded | FileDeleted


def event_subject(prefix: str, event: DomainEvent) -> str:
    return f"{prefix}.{event.topic}"
