"""Stopping background tasks for certain, within a bound.

One cancellation is not always enough on Python 3.11: `asyncio.wait_for` swallows a cancellation that
arrives as the operation it waits for completes (gh-86296), and a retry loop around it (nats-py's
connect, say) then goes on for ever. So a task still running a while after its cancellation is
cancelled again, until it ends; the while is long enough for the cleanup a task does on cancellation."""

import asyncio
import logging
from collections.abc import Iterable

logger = logging.getLogger(__name__)

RECANCEL_SECONDS = 1.0
DEFAULT_BOUND_SECONDS = 10.0


async def cancel_and_wait(
    tasks: Iterable[asyncio.Task[object] | asyncio.Task[None]], within_seconds: float = DEFAULT_BOUND_SECONDS
) -> None:
    """Cancels the tasks and waits until they end, for at most `within_seconds` (those left running
    then are logged and left). What they raised is theirs: it is retrieved, not raised here."""
    tasks = list(tasks)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within_seconds
    pending = {task for task in tasks if not task.done()}
    while pending:
        remaining = deadline - loop.time()
        if remaining <= 0:
            names = ", ".join(sorted(task.get_name() for task in pending))
            logger.warning(
                "%d task(s) still running %g s after cancelling: %s", len(pending), within_seconds, names
            )
            break
        for task in pending:
            task.cancel()
        _, pending = await asyncio.wait(pending, timeout=min(RECANCEL_SECONDS, remaining))
    for task in tasks:
        if task.done() and not task.cancelled():
            task.exception()
