"""Background work that repeats for the life of a process."""

import asyncio
import logging
from collections.abc import Awaitable, Callable

logger = logging.getLogger(__name__)


async def run_periodically(
    action: Callable[[], Awaitable[object]], interval: float, description: str
) -> None:
    """Runs `action` now and then every `interval` seconds; a failure is logged and retried next time."""
    while True:
        try:
            await action()
        except Exception as error:
            # Transient failures (a database restarting) repeat every interval: one line each, the
            # traceback only when debugging.
            logger.warning(
                "%s failed (%r); next attempt in %.1fs",
                description,
                error,
                interval,
                exc_info=logger.isEnabledFor(logging.DEBUG),
            )
        current = asyncio.current_task()
        if current is not None and current.cancelling():
            # The action was cancelled but turned that into an error (a database driver interrupted
            # mid-query may): stop as asked instead of sleeping, or a shutdown would wait for ever.
            raise asyncio.CancelledError
        await asyncio.sleep(interval)
