"""One look at a time shared by many concurrent callers, none served by a look that began before it came."""

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any


class LookCancelled(Exception):
    """The look was cancelled from outside (e.g. at shutdown) while callers still waited for it."""


class _Look:
    def __init__(self) -> None:
        self.outcome: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.waiters = 0
        self.begun = False  # whether the look has taken its first step, i.e. may have asked already
        self.task: asyncio.Task[None] | None = None


class SharedLooks:
    """Runs `look` on behalf of every caller of wait().

    A caller that arrives while no look runs starts one (or joins one started but not yet begun). A
    caller that arrives during a look waits for the next one, which starts when the current one ends
    and serves everyone who arrived in between. A look's error reaches each of its callers; a look
    that every caller has given up on is cancelled.
    """

    def __init__(self, look: Callable[[], Coroutine[Any, Any, None]]) -> None:
        self._look = look
        self._running: _Look | None = None
        self._queued: _Look | None = None

    async def wait(self, timeout: float) -> None:
        """Raises TimeoutError after `timeout` seconds, or what the look raised."""
        look = self._join()
        look.waiters += 1
        try:
            async with asyncio.timeout(timeout):
                await asyncio.shield(look.outcome)
        finally:
            look.waiters -= 1
            if look.waiters == 0 and not look.outcome.done():
                self._abandon(look)

    def _join(self) -> _Look:
        if self._running is None:
            return self._start(_Look())
        if not self._running.begun:
            return self._running
        if self._queued is None:
            self._queued = _Look()
        return self._queued

    def _start(self, look: _Look) -> _Look:
        self._running = look
        look.task = asyncio.create_task(self._begin(look))
        look.task.add_done_callback(lambda task: self._finished(look, task))
        return look

    async def _begin(self, look: _Look) -> None:
        look.begun = True
        await self._look()

    def _finished(self, look: _Look, task: asyncio.Task[None]) -> None:
        _settle(look, task)
        self._running = None
        queued, self._queued = self._queued, None
        if queued is not None:
            self._start(queued)

    def _abandon(self, look: _Look) -> None:
        if look is self._queued:
            self._queued = None
        elif look.task is not None:
            look.task.cancel()


def _settle(look: _Look, task: asyncio.Task[None]) -> None:
    if look.waiters == 0:
        look.outcome.cancel()  # nobody is left to hear how it went
    elif task.cancelled():
        look.outcome.set_exception(LookCancelled())
    elif (error := task.exception()) is not None:
        look.outcome.set_exception(error)
    else:
        look.outcome.set_result(None)
