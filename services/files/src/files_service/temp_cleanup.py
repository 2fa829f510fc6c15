"""At start, the temp data that interrupted puts left behind (a crash, a kill) is removed.

Only what was last written before a cutoff: several replicas may share one store (a bucket), and the
temp data of a younger put may be another replica's upload in flight."""

import contextlib
import logging
from datetime import datetime

from files_service.domain.ports import BlobStore

logger = logging.getLogger(__name__)


async def remove_stale_temp(store: BlobStore, written_before: datetime) -> int:
    """Removes every temp entry last written before `written_before`; returns how many there were."""
    removed = 0
    async with contextlib.aclosing(store.iter_temp()) as entries:
        async for entry in entries:
            if entry.modified_at < written_before:
                await store.delete_temp(entry.name)
                removed += 1
    if removed:
        logger.info("removed %d temp leftover(s) of interrupted uploads", removed)
    return removed
