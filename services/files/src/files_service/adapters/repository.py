"""File metadata rows, read and written inside a unit of work's transaction."""

from collections.abc import AsyncGenerator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, RowMapping, Select, bindparam, case, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from files_service.adapters.blocked_hashes import is_blocked
from files_service.adapters.conflicts import InsertUnlessTakenOrBlocked
from files_service.adapters.tables import blocked_hashes_table, files_table
from files_service.domain.errors import ContentBlocked, FileUrlTaken
from files_service.domain.limits import FileLimits
from files_service.domain.model import StoredFile
from files_service.domain.quotas import AccountUsage

# A file whose sha256 an operator blocked is not inserted either: no query of its own on every upload.
_INSERT_FILE = InsertUnlessTakenOrBlocked(files_table, ["file_url"], blocked_hashes_table.c.sha256, "sha256")
_USAGE_OF_OWNER = select(func.count(), func.coalesce(func.sum(files_table.c.size), 0)).where(
    files_table.c.owner_account_id == bindparam("owner")
)
_files = files_table.c
# Every column but a small file's bytes, which only `get` reads: listings and scans stay light.
_METADATA = (
    *(column for column in files_table.c if column.name != "content"),
    _files.content.is_not(None).label("inline"),
)
_WITH_CONTENT = (*_METADATA, _files.content)
_LIMIT_COLUMNS = (
    _files.file_url,
    _files.expires_at,
    _files.max_downloads,
    _files.downloads_left,
    _files.used_up_at,
)


class SqlAlchemyFilesRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def add(self, stored: StoredFile) -> None:
        """A taken file_url, or blocked bytes, insert nothing and leave the transaction usable (the other
        uploads of a group commit go on); file_url is the only unique value not drawn from uuid4."""
        if not await _INSERT_FILE.execute(self._connection, _row_of(stored)):
            if await is_blocked(self._connection, stored.sha256):
                raise ContentBlocked("these bytes are blocked on this server")
            raise FileUrlTaken(stored.file_url)

    async def get(self, file_url: str) -> StoredFile | None:
        result = await self._connection.execute(select(*_WITH_CONTENT).where(_files.file_url == file_url))
        row = result.mappings().first()
        return _stored_file_of(row) if row is not None else None

    async def remove(self, file_url: str) -> bool:
        result = await self._connection.execute(delete(files_table).where(files_table.c.file_url == file_url))
        return result.rowcount > 0

    async def remove_returning_owner(self, file_url: str) -> str | None:
        query = (
            delete(files_table)
            .where(files_table.c.file_url == file_url)
            .returning(files_table.c.owner_account_id)
        )
        owner = (await self._connection.execute(query)).scalar_one_or_none()
        return None if owner is None else owner or ""

    async def claim(self, file_url: str, owner_account_id: str) -> bool:
        query = (
            update(files_table)
            .where(files_table.c.file_url == file_url, files_table.c.owner_account_id == "")
            .values(owner_account_id=owner_account_id)
        )
        return (await self._connection.execute(query)).rowcount > 0

    async def count_download(self, file_url: str, now: datetime) -> int | None:
        """One download off a limited file that is neither expired nor used up, as one conditional
        statement (concurrent counts cannot both take the last download): the downloads left after it,
        or None when nothing was counted."""
        query = (
            update(files_table)
            .where(
                _files.file_url == file_url,
                _files.downloads_left > 0,
                or_(_files.expires_at.is_(None), _files.expires_at > now),
            )
            .values(
                downloads_left=_files.downloads_left - 1,
                used_up_at=case((_files.downloads_left == 1, now), else_=_files.used_up_at),
            )
            .returning(_files.downloads_left)
        )
        return (await self._connection.execute(query)).scalar_one_or_none()

    async def limits_of(self, file_urls: Sequence[str]) -> dict[str, FileLimits]:
        """The limits of those of the files that have an expiry or a download limit."""
        query = select(*_LIMIT_COLUMNS).where(
            _files.file_url.in_(file_urls),
            or_(_files.expires_at.is_not(None), _files.max_downloads.is_not(None)),
        )
        result = await self._connection.execute(query)
        return {file_url: FileLimits(*limits) for file_url, *limits in result}

    async def lock_purgeable(self, now: datetime, seek_grace: timedelta, limit: int) -> list[StoredFile]:
        """Up to `limit` files expired, or used up for longer than `seek_grace`, locked until the
        transaction ends; on PostgreSQL rows another transaction holds are skipped, so that replicas
        purging together share the work (SQLite has one writer and ignores the clause)."""
        query = (
            select(*_METADATA)
            .where(_purgeable(now, seek_grace))
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return [_stored_file_of(row) for row in (await self._connection.execute(query)).mappings()]

    async def lock_owned(self, owner_account_id: str, limit: int) -> list[StoredFile]:
        query = (
            select(*_METADATA)
            .where(_files.owner_account_id == owner_account_id)
            .limit(limit)
            .with_for_update()
        )
        return [_stored_file_of(row) for row in (await self._connection.execute(query)).mappings()]

    async def oldest_purgeable_since(self, now: datetime, seek_grace: timedelta) -> datetime | None:
        """When the file purgeable the longest became so; None when none is."""
        expired = await self._connection.execute(
            select(func.min(_files.expires_at)).where(_files.expires_at <= now)
        )
        used_up = await self._connection.execute(
            select(func.min(_files.used_up_at)).where(_files.used_up_at <= now - seek_grace)
        )
        moments = [expired.scalar_one_or_none(), _plus(used_up.scalar_one_or_none(), seek_grace)]
        known = [_aware(moment) for moment in moments if moment is not None]
        return min(known) if known else None

    async def count(self) -> int:
        result = await self._connection.execute(select(func.count()).select_from(files_table))
        return result.scalar_one()

    async def usage_of(self, owner_account_id: str) -> AccountUsage:
        """One read of the (owner_account_id, size) index."""
        files, size = (await self._connection.execute(_USAGE_OF_OWNER, {"owner": owner_account_id})).one()
        return AccountUsage(files=files, bytes=int(size))

    async def uses_storage_key(self, storage_key: str) -> bool:
        query = select(files_table.c.file_url).where(files_table.c.storage_key == storage_key)
        return (await self._connection.execute(query)).first() is not None

    async def largest(self, limit: int) -> list[StoredFile]:
        """Biggest first (a scan of the table: an operator's look, not a request's)."""
        query = select(*_METADATA).order_by(files_table.c.size.desc(), files_table.c.file_url).limit(limit)
        return [_stored_file_of(row) for row in (await self._connection.execute(query)).mappings()]

    async def newest(self, limit: int) -> list[StoredFile]:
        query = (
            select(*_METADATA).order_by(files_table.c.created_at.desc(), files_table.c.file_url).limit(limit)
        )
        return [_stored_file_of(row) for row in (await self._connection.execute(query)).mappings()]

    async def stream_by_storage_key(self) -> AsyncGenerator[StoredFile, None]:
        query = select(*_METADATA).order_by(self._by_code_point(files_table.c.storage_key))
        async for stored in self._stream(query):
            yield stored

    async def stream_owned(self) -> AsyncGenerator[StoredFile, None]:
        query = (
            select(*_METADATA)
            .where(files_table.c.owner_account_id != "")
            .order_by(self._by_code_point(files_table.c.file_url))
        )
        async for stored in self._stream(query):
            yield stored

    async def _stream(self, query: Select[Any]) -> AsyncGenerator[StoredFile, None]:
        """A server-side cursor: rows arrive as they are read, never all at once."""
        async with self._connection.stream(query) as result:
            async for row in result.mappings():
                yield _stored_file_of(row)

    def _by_code_point(self, column: ColumnElement[str]) -> ColumnElement[str]:
        """PostgreSQL sorts text by its locale unless told "C"; SQLite compares code points already."""
        return column.collate("C") if self._connection.dialect.name == "postgresql" else column


def _row_of(stored: StoredFile) -> dict[str, object]:
    return {
        "file_url": stored.file_url,
        "storage_key": stored.storage_key,
        "user_filename": stored.user_filename,
        "ext": stored.ext,
        "size": stored.size,
        "sha256": stored.sha256,
        "delete_key": stored.delete_key,
        "owner_account_id": stored.owner_account_id,
        "created_at": stored.created_at,
        "expires_at": stored.limits.expires_at,
        "max_downloads": stored.limits.max_downloads,
        "downloads_left": stored.limits.downloads_left,
        "used_up_at": stored.limits.used_up_at,
        "content": stored.content if stored.inline else None,
    }


def _stored_file_of(row: RowMapping) -> StoredFile:
    return StoredFile(
        file_url=row["file_url"],
        storage_key=row["storage_key"],
        user_filename=row["user_filename"],
        ext=row["ext"],
        size=row["size"],
        sha256=row["sha256"],
        delete_key=row["delete_key"],
        owner_account_id=row["owner_account_id"] or "",
        created_at=row["created_at"],
        limits=FileLimits(
            expires_at=row["expires_at"],
            max_downloads=row["max_downloads"],
            downloads_left=row["downloads_left"],
            used_up_at=row["used_up_at"],
        ),
        inline=bool(row["inline"]),
        content=row.get("content"),
    )


def _purgeable(now: datetime, seek_grace: timedelta) -> ColumnElement[bool]:
    return or_(_files.expires_at <= now, _files.used_up_at <= now - seek_grace)


def _plus(moment: datetime | None, delta: timedelta) -> datetime | None:
    return None if moment is None else moment + delta


def _aware(moment: datetime) -> datetime:
    """An aggregate's result skips the column's type on SQLite: a naive UTC datetime (or its text)."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
