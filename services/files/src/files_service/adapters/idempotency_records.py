"""The uploads' idempotency records, read and written inside a unit of work's transaction."""

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from files_service.adapters.conflicts import InsertUnlessTaken
from files_service.adapters.tables import upload_idempotency_table as records
from files_service.domain.errors import IdempotencyKeyTaken
from files_service.domain.idempotency import IdempotencyKey, IdempotencyRecord

_INSERT_RECORD = InsertUnlessTaken(records, ["scope", "idempotency_key"])


class SqlAlchemyIdempotencyRecords:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def add(self, record: IdempotencyRecord) -> None:
        values = {
            "scope": record.scope,
            "idempotency_key": record.key,
            "fingerprint": record.fingerprint,
            "file_url": record.file_url,
            "created_at": record.created_at,
        }
        if not await _INSERT_RECORD.execute(self._connection, values):
            raise IdempotencyKeyTaken(f"{record.scope}/{record.key}")

    async def get(self, key: IdempotencyKey) -> IdempotencyRecord | None:
        query = select(records).where(records.c.scope == key.scope, records.c.idempotency_key == key.key)
        row = (await self._connection.execute(query)).mappings().first()
        if row is None:
            return None
        return IdempotencyRecord(
            scope=row["scope"],
            key=row["idempotency_key"],
            fingerprint=row["fingerprint"],
            file_url=row["file_url"],
            created_at=row["created_at"],
        )

    async def remove_for_file(self, file_url: str) -> None:
        await self._connection.execute(delete(records).where(records.c.file_url == file_url))

    async def remove(self, key: IdempotencyKey) -> None:
        query = delete(records).where(records.c.scope == key.scope, records.c.idempotency_key == key.key)
        await self._connection.execute(query)

    async def purge(self, created_before: datetime) -> int:
        result = await self._connection.execute(delete(records).where(records.c.created_at < created_before))
        return result.rowcount
