"""The blocked hashes, read and written inside a unit of work's transaction."""

from sqlalchemy import bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from files_service.adapters.conflicts import InsertUnlessTaken
from files_service.adapters.tables import blocked_hashes_table as blocked
from files_service.domain.blocking import BlockedHash

_INSERT = InsertUnlessTaken(blocked, ["sha256"])
_IS_BLOCKED = select(blocked.c.sha256).where(blocked.c.sha256 == bindparam("sha256"))


async def is_blocked(connection: AsyncConnection, sha256: str) -> bool:
    return (await connection.execute(_IS_BLOCKED, {"sha256": sha256})).first() is not None


class SqlAlchemyBlockedHashes:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def add(self, entry: BlockedHash) -> bool:
        values = {
            "sha256": entry.sha256,
            "reason": entry.reason,
            "blocked_by": entry.blocked_by,
            "blocked_at": entry.blocked_at,
        }
        return await _INSERT.execute(self._connection, values)

    async def remove(self, sha256: str) -> bool:
        result = await self._connection.execute(delete(blocked).where(blocked.c.sha256 == sha256))
        return result.rowcount > 0

    async def list_all(self) -> list[BlockedHash]:
        rows = (await self._connection.execute(select(blocked).order_by(blocked.c.blocked_at))).mappings()
        return [
            BlockedHash(row["sha256"], row["reason"], row["blocked_by"], row["blocked_at"]) for row in rows
        ]
