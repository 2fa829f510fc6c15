"""Requests that share gRPC calls. An item goes at once when fewer than `max_calls_out` batch calls are
out; while they are, the items asked for meanwhile wait and go together in the next call (up to
`max_batch_bytes`): each call costs both services ~0.3-0.5 ms of CPU whatever it carries, so under load
a few requests share one call's cost, and a lone request waits for nothing.

An item whose caller stops waiting (its request ended, or a bound passed) before its call went out is
never sent; a call whose every caller stopped waiting is cancelled. A service older than the batch
method (UNIMPLEMENTED) is sent each item in a call of its own from then on. With `split_too_large`, a
call of several items whose answer was too large for one message (RESOURCE_EXHAUSTED) has its items
sent again, each in a call of its own: for calls that change nothing (listings)."""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import grpc

from gateway import errors

logger = logging.getLogger(__name__)

Item = TypeVar("Item")
Outcome = TypeVar("Outcome")

MAX_CALLS_OUT = 2


@dataclass(eq=False)
class _Waiting(Generic[Item, Outcome]):
    item: Item
    size: int
    answer: asyncio.Future[Outcome]
    call: "_Call[Item, Outcome] | None" = None


@dataclass(eq=False)
class _Call(Generic[Item, Outcome]):
    waiting: list[_Waiting[Item, Outcome]]
    sent: grpc.aio.UnaryUnaryCall | None = None
    abandoned: int = 0


@dataclass
class CallBatcher(Generic[Item, Outcome]):
    """`send_batch` starts the batch call of some items; `outcomes_of` reads its reply's outcomes, one
    per item in order; `send_one` is the call of one item (its outcome, or it raises) for a service
    without the batch method; `size_of` an item's bytes, counted against `max_batch_bytes`."""

    service: str
    method: str
    send_batch: Callable[[list[Item]], grpc.aio.UnaryUnaryCall]
    outcomes_of: Callable[[Any], Sequence[Outcome]]
    send_one: Callable[[Item], Awaitable[Outcome]]
    size_of: Callable[[Item], int] = lambda item: 0
    max_calls_out: int = MAX_CALLS_OUT
    max_batch_bytes: int | None = None
    split_too_large: bool = False
    _queued: list[_Waiting[Item, Outcome]] = field(default_factory=list)
    _calls_out: int = 0
    _settling: set[asyncio.Task[None]] = field(default_factory=set)
    _batches_unimplemented: bool = False

    async def call(self, item: Item) -> Outcome:
        """The item's outcome; raises grpc.aio.AioRpcError when its call failed."""
        if self._batches_unimplemented:
            return await self.send_one(item)
        waiting = _Waiting[Item, Outcome](
            item, self.size_of(item), asyncio.get_running_loop().create_future()
        )
        self._queued.append(waiting)
        self._send_queued()
        try:
            return await asyncio.shield(waiting.answer)
        except asyncio.CancelledError:
            self._abandon(waiting)
            raise

    def _abandon(self, waiting: _Waiting[Item, Outcome]) -> None:
        call = waiting.call
        if call is None:
            self._queued.remove(waiting)
            return
        call.abandoned += 1
        if call.abandoned == len(call.waiting) and call.sent is not None:
            call.sent.cancel()

    def _send_queued(self) -> None:
        while self._queued and self._calls_out < self.max_calls_out:
            call = _Call[Item, Outcome](self._take_batch())
            for waiting in call.waiting:
                waiting.call = call
            call.sent = self.send_batch([waiting.item for waiting in call.waiting])
            self._calls_out += 1
            settling = asyncio.create_task(self._settle(call), name=f"{self.method}-call")
            self._settling.add(settling)
            settling.add_done_callback(self._settling.discard)

    def _take_batch(self) -> list[_Waiting[Item, Outcome]]:
        """The oldest queued items, as many as fit max_batch_bytes (the first whatever its size)."""
        if self.max_batch_bytes is None:
            batch, self._queued = self._queued, []
            return batch
        size = self._queued[0].size
        taken = 1
        while taken < len(self._queued) and size + self._queued[taken].size <= self.max_batch_bytes:
            size += self._queued[taken].size
            taken += 1
        batch, self._queued = self._queued[:taken], self._queued[taken:]
        return batch

    async def _settle(self, call: _Call[Item, Outcome]) -> None:
        assert call.sent is not None
        try:
            outcomes = self.outcomes_of(await call.sent)
            if len(outcomes) != len(call.waiting):
                logger.error(
                    "%s answered %d outcomes for %d items", self.method, len(outcomes), len(call.waiting)
                )
                _fail(call, errors.UpstreamFailure(self.service))
                return
            for waiting, outcome in zip(call.waiting, outcomes, strict=True):
                if not waiting.answer.done():
                    waiting.answer.set_result(outcome)
        except grpc.aio.AioRpcError as error:
            if error.code() == grpc.StatusCode.UNIMPLEMENTED:
                self._note_unimplemented()
                await self._send_each(call)
            elif self._split(call, error):
                await self._send_each(call)
            else:
                _fail(call, error)
        except asyncio.CancelledError:
            _fail(call, None)
            raise
        finally:
            self._calls_out -= 1
            self._send_queued()

    def _note_unimplemented(self) -> None:
        if not self._batches_unimplemented:
            self._batches_unimplemented = True
            logger.warning(
                "%s has no %s (an older version): one call per request", self.service.lower(), self.method
            )

    def _split(self, call: _Call[Item, Outcome], error: grpc.aio.AioRpcError) -> bool:
        if not (self.split_too_large and error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED):
            return False
        if len(call.waiting) < 2:
            return False
        logger.info("%s of %d items answered too large: one call each", self.method, len(call.waiting))
        return True

    async def _send_each(self, call: _Call[Item, Outcome]) -> None:
        outcomes = await asyncio.gather(
            *(self.send_one(waiting.item) for waiting in call.waiting), return_exceptions=True
        )
        for waiting, outcome in zip(call.waiting, outcomes, strict=True):
            if isinstance(outcome, BaseException):
                _fail_one(waiting, outcome)
            elif not waiting.answer.done():
                waiting.answer.set_result(outcome)


def _fail(call: _Call[Any, Any], error: BaseException | None) -> None:
    for waiting in call.waiting:
        _fail_one(waiting, error)


def _fail_one(waiting: _Waiting[Any, Any], error: BaseException | None) -> None:
    """`error` None or a cancellation: the caller's wait is cancelled."""
    if waiting.answer.done():
        return
    if error is None or isinstance(error, asyncio.CancelledError):
        waiting.answer.cancel()
    else:
        waiting.answer.set_exception(error)
