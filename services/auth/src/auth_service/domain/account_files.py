"""Each account's file list, a read model built from the files service's events.

Events may arrive twice and in any order; applying them must converge to the same rows.
A deleted file stays as a tombstone so that a late upload event cannot bring it back.
"""

from dataclasses import dataclass, replace
from datetime import datetime


@dataclass(frozen=True)
class FileUploaded:
    file_url: str
    owner_account_id: str
    delete_key: str
    ext: str
    user_filename: str
    size: int
    created_at: datetime
    expires_at: datetime | None = None  # None: never
    max_downloads: int | None = None  # None: no download limit


@dataclass(frozen=True)
class FileDeleted:
    file_url: str
    owner_account_id: str
    occurred_at: datetime


FileEvent = FileUploaded | FileDeleted


@dataclass(frozen=True)
class AccountFile:
    file_url: str
    account_id: str
    delete_key: str
    ext: str
    user_filename: str
    size: int
    created_at: datetime
    deleted: bool = False
    expires_at: datetime | None = None  # None: never
    max_downloads: int | None = None  # None: no download limit

    def expired(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now

    @classmethod
    def listed(cls, event: FileUploaded) -> "AccountFile":
        return cls(
            file_url=event.file_url,
            account_id=event.owner_account_id,
            delete_key=event.delete_key,
            ext=event.ext,
            user_filename=event.user_filename,
            size=event.size,
            created_at=event.created_at,
            expires_at=event.expires_at,
            max_downloads=event.max_downloads,
        )

    @classmethod
    def tombstone(cls, event: FileDeleted) -> "AccountFile":
        return cls(
            file_url=event.file_url,
            account_id=event.owner_account_id,
            delete_key="",
            ext="",
            user_filename="",
            size=0,
            created_at=event.occurred_at,
            deleted=True,
        )


def after_upload(current: AccountFile | None, uploaded: AccountFile) -> AccountFile:
    """An upload only ever adds a row: a live or tombstoned row for the same URL wins."""
    return current if current is not None else uploaded


def after_delete(current: AccountFile | None, tombstone: AccountFile) -> AccountFile:
    """A delete tombstones the row, creating the tombstone when the upload has not arrived yet."""
    return tombstone if current is None else replace(current, deleted=True)


def unexpired(files: list[AccountFile], now: datetime) -> list[AccountFile]:
    """The files whose expiry has not passed. An expired file stays listed in the database until files'
    purge deletes it and its delete event tombstones the row; until then a listing leaves it out."""
    if not any(file.expires_at is not None for file in files):
        return files
    return [file for file in files if not file.expired(now)]


def newest_first(files: list[AccountFile]) -> list[AccountFile]:
    by_url = sorted(files, key=lambda file: file.file_url)
    return sorted(by_url, key=lambda file: file.created_at, reverse=True)
