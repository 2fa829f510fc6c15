"""SqlAlchemyUnitOfWork: one database transaction over the files, the outbox, the idempotency records and
the blocked hashes."""

import logging
from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from files_service.adapters.blocked_hashes import SqlAlchemyBlockedHashes
from files_service.adapters.idempotency_records import SqlAlchemyIdempotencyRecords
from files_service.adapters.outbox import EventEncoder, SqlAlchemyOutbox
from files_service.adapters.repository import SqlAlchemyFilesRepository
from files_service.domain.errors import CommitOutcomeUnknown, DatabaseUnavailable
from fileuploader_runtime.db.outages import is_database_unreachable

logger = logging.getLogger(__name__)


class SqlAlchemyUnitOfWork:
    """Leaving the block without commit() rolls back; a lost database surfaces as DatabaseUnavailable."""

    files: SqlAlchemyFilesRepository
    outbox: SqlAlchemyOutbox
    idempotency: SqlAlchemyIdempotencyRecords
    blocked: SqlAlchemyBlockedHashes

    def __init__(self, engine: AsyncEngine, encode: EventEncoder, subject_prefix: str) -> None:
        self._engine = engine
        self._encode = encode
        self._subject_prefix = subject_prefix
        self._connection: AsyncConnection | None = None

    async def __aenter__(self) -> Self:
        try:
            connection = await self._engine.connect()
        except Exception as error:
            _raise_if_unreachable(error)
            raise
        self._connection = connection
        self.files = SqlAlchemyFilesRepository(connection)
        self.outbox = SqlAlchemyOutbox(connection, self._encode, self._subject_prefix)
        self.idempotency = SqlAlchemyIdempotencyRecords(connection)
        self.blocked = SqlAlchemyBlockedHashes(connection)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            await self._close(connection, pending_error=exc)
        if exc is not None:
            _raise_if_unreachable(exc)

    async def commit(self) -> None:
        if self._connection is None:
            raise RuntimeError("commit() outside the unit of work's block")
        await self.outbox.write_added()
        try:
            await self._connection.commit()
        except Exception as error:
            if is_database_unreachable(error):
                raise CommitOutcomeUnknown("the files database went away while committing") from error
            raise

    @staticmethod
    async def _close(connection: AsyncConnection, pending_error: BaseException | None) -> None:
        """Closing rolls back whatever was not committed."""
        try:
            await connection.close()
        except Exception as error:
            if pending_error is None:
                _raise_if_unreachable(error)
                raise
            logger.warning("closing a failed transaction's connection failed too: %s", error)


def _raise_if_unreachable(error: BaseException) -> None:
    if is_database_unreachable(error):
        raise DatabaseUnavailable("the files database cannot be reached") from error
