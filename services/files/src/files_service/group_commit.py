"""GroupCommit: the writes of concurrent callers committed together, by one writer at a time, so that
they share one transaction and one durable commit instead of queueing for the database's write lock
(on SQLite a second writer sleeps in its busy handler, 1 ms, then 2, 5, 10...: the uploads and the
outbox relay's deletes go through one GroupCommit)."""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from files_service.domain.errors import CommitOutcomeUnknown, DatabaseUnavailable
from files_service.domain.ports import UnitOfWork

logger = logging.getLogger(__name__)

T = TypeVar("T")
Work = Callable[[UnitOfWork], Awaitable[T]]

DEFAULT_MAX_BATCH = 64
_WHOLE_BATCH_ERRORS = (DatabaseUnavailable, CommitOutcomeUnknown)


@dataclass
class _Item(Generic[T]):
    work: Work[T]
    own_errors: tuple[type[Exception], ...]
    future: asyncio.Future[T] = field(default_factory=lambda: asyncio.get_running_loop().create_future())
    taken: bool = False


class GroupCommit:
    """Any error of a work other than its own errors (see `run`) rolls the batch back and each work is
    then run again alone, so that one failing caller never fails the rest."""

    def __init__(self, uow_factory: Callable[[], UnitOfWork], max_batch: int = DEFAULT_MAX_BATCH) -> None:
        self._uow_factory = uow_factory
        self._max_batch = max_batch
        self._pending: list[_Item[Any]] = []
        self._writer: asyncio.Task[None] | None = None

    async def run(self, work: Work[T], own_errors: tuple[type[Exception], ...] = ()) -> T:
        """work's result once its transaction committed, or the error that kept it from committing.
        `own_errors`: those work raises for itself alone, having undone what it wrote (a taken unique
        key); the others of its group commit on. Cancelled before the writer took it, nothing of it is
        written; after, it may still commit."""
        item: _Item[T] = _Item(work, own_errors)
        self._pending.append(item)
        if self._writer is None:
            self._writer = asyncio.create_task(self._write_pending(), name="group-commit")
        try:
            return await asyncio.shield(item.future)
        except asyncio.CancelledError:
            if not item.taken:
                self._pending.remove(item)
            raise

    async def _write_pending(self) -> None:
        batch: list[_Item[Any]] = []
        try:
            while self._pending:
                batch, self._pending = self._pending[: self._max_batch], self._pending[self._max_batch :]
                for item in batch:
                    item.taken = True
                await self._commit(batch)
        finally:
            self._writer = None
            for item in batch:  # only when the writer itself was cancelled (shutdown)
                if not item.future.done():
                    item.future.cancel()

    async def _commit(self, batch: list["_Item[Any]"]) -> None:
        try:
            outcomes = await self._run_together(batch)
        except _WHOLE_BATCH_ERRORS as error:
            outcomes = [error] * len(batch)
        except Exception as error:
            if len(batch) > 1:
                logger.warning(
                    "a group commit of %d writes failed (%s); writing each alone", len(batch), error
                )
            outcomes = [await self._run_alone(item) for item in batch]
        for item, outcome in zip(batch, outcomes, strict=True):
            _settle(item.future, outcome)

    async def _run_together(self, batch: list["_Item[Any]"]) -> list[object]:
        outcomes: list[object] = []
        async with self._uow_factory() as uow:
            for item in batch:
                try:
                    outcomes.append(_Done(await item.work(uow)))
                except item.own_errors as error:
                    outcomes.append(error)
            await uow.commit()
        return outcomes

    async def _run_alone(self, item: "_Item[Any]") -> object:
        try:
            async with self._uow_factory() as uow:
                result = await item.work(uow)
                await uow.commit()
            return _Done(result)
        except Exception as error:
            return error


@dataclass(frozen=True)
class _Done:
    result: object


def _settle(future: asyncio.Future[Any], outcome: object) -> None:
    if future.done():
        return
    if isinstance(outcome, _Done):
        future.set_result(outcome.result)
    else:
        assert isinstance(outcome, BaseException)
        future.set_exception(outcome)
