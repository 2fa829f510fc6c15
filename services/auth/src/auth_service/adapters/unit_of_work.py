"""A unit of work on one SQLAlchemy connection and transaction; database outages become StorageUnavailable."""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncTransaction

from auth_service.adapters.repositories import (
    SqlAccountFileRepository,
    SqlAccountRepository,
    SqlApiTokenRepository,
    SqlTokenRepository,
)
from auth_service.domain.errors import StorageUnavailable
from auth_service.domain.ports import (
    AccountFileRepository,
    AccountRepository,
    ApiTokenRepository,
    TokenRepository,
)
from fileuploader_runtime.db.outages import is_database_unreachable

logger = logging.getLogger(__name__)


@contextmanager
def database_outages_as_unavailable() -> Iterator[None]:
    try:
        yield
    except Exception as error:
        if is_database_unreachable(error):
            raise StorageUnavailable() from error
        raise


class SqlAlchemyUnitOfWork:
    accounts: AccountRepository
    tokens: TokenRepository
    api_tokens: ApiTokenRepository
    files: AccountFileRepository

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._connection: AsyncConnection | None = None
        self._transaction: AsyncTransaction | None = None

    async def __aenter__(self) -> Self:
        with database_outages_as_unavailable():
            self._connection = await self._engine.connect()
            try:
                self._transaction = await self._connection.begin()
            except BaseException:
                await self._connection.close()
                raise
        self.accounts = SqlAccountRepository(self._connection)
        self.tokens = SqlTokenRepository(self._connection)
        self.api_tokens = SqlApiTokenRepository(self._connection)
        self.files = SqlAccountFileRepository(self._connection)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            await self._close()
        except Exception as close_error:
            if exc is None and is_database_unreachable(close_error):
                raise StorageUnavailable() from close_error
            if exc is None:
                raise
            logger.debug("closing the connection failed after %r", exc, exc_info=close_error)
        if exc is not None and is_database_unreachable(exc):
            raise StorageUnavailable() from exc

    async def commit(self) -> None:
        if self._transaction is None:
            raise RuntimeError("commit() outside `async with`")
        await self._transaction.commit()

    async def _close(self) -> None:
        if self._connection is not None:
            await self._connection.close()
        self._connection = self._transaction = None
