"""File metadata rows, read and written inside a unit of work's transaction."""

from sqlalchemy import RowMapping, delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from files_service.adapters.tables import files_table
from files_service.domain.errors import FileUrlTaken
from files_service.domain.model import StoredFile


class SqlAlchemyFilesRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def add(self, stored: StoredFile) -> None:
        try:
            await self._connection.execute(insert(files_table).values(**_row_of(stored)))
        except IntegrityError as error:
            # file_url is the only unique value not drawn from uuid4.
            raise FileUrlTaken(stored.file_url) from error

    async def get(self, file_url: str) -> StoredFile | None:
        result = await self._connection.execute(select(files_table).where(files_table.c.file_url == file_url))
        row = result.mappings().first()
        return _stored_file_of(row) if row is not None else None

    async def remove(self, file_url: str) -> bool:
        result = await self._connection.execute(delete(files_table).where(files_table.c.file_url == file_url))
        return result.rowcount > 0


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
    )
