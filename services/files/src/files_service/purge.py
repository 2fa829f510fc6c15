"""The purge: files expired, or used up, are deleted (bytes, row, idempotency record) and their
files.deleted event (with its reason) goes out through the outbox.

Crash safety: each batch is one transaction that locks its rows, deletes their blobs (a missing blob
is not an error), then deletes the rows and adds the events, and commits. A purge killed before the
commit leaves every row in place, still purgeable (it is already answered 404), so the next purge
deletes what is left of its blobs again and then its rows: nothing is ever half-deleted, and the
event goes out exactly with the row's deletion. An account's deletion deletes its files by the same
batches (AccountFilesDeletion)."""

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from files_service.domain.events import FileDeleted
from files_service.domain.identifiers import new_event_id
from files_service.domain.limits import PurgeReason
from files_service.domain.model import StoredFile
from files_service.domain.ports import BlobStore, EventRelay, UnitOfWork

logger = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 100
# A bound on one run's work; what is left waits for the next run.
MAX_BATCHES_PER_RUN = 100


@dataclass
class PurgeReport:
    purged: Counter[PurgeReason] = field(default_factory=Counter)
    bytes_freed: int = 0
    # How long the file purgeable the longest has waited, after this run (0: none left).
    lag_seconds: float = 0.0


class ExpiredFilesPurge:
    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        blob_store: BlobStore,
        relay: EventRelay,
        clock: Callable[[], datetime],
        seek_grace: timedelta,
        batch_size: int = DEFAULT_BATCH_SIZE,
    ) -> None:
        self._uow_factory = uow_factory
        self._blob_store = blob_store
        self._relay = relay
        self._clock = clock
        self._seek_grace = seek_grace
        self._batch_size = batch_size

    async def run(self) -> PurgeReport:
        """Batches until one is not full (or MAX_BATCHES_PER_RUN); then measures what is left."""
        report = PurgeReport()
        for _ in range(MAX_BATCHES_PER_RUN):
            if await self._purge_batch(report) < self._batch_size:
                break
        now = self._clock()
        async with self._uow_factory() as uow:
            since = await uow.files.oldest_purgeable_since(now, self._seek_grace)
        report.lag_seconds = max(0.0, (now - since).total_seconds()) if since is not None else 0.0
        return report

    async def _purge_batch(self, report: PurgeReport) -> int:
        now = self._clock()
        async with self._uow_factory() as uow:
            batch = await uow.files.lock_purgeable(now, self._seek_grace, self._batch_size)
            due = [
                (stored, reason)
                for stored in batch
                if (reason := stored.limits.purge_reason(now, self._seek_grace)) is not None
            ]
            purged = await delete_locked(uow, self._blob_store, due, now)
            await uow.commit()
        _note_committed(purged, report, self._relay)
        return len(batch)


class AccountFilesDeletion:
    """Every file of an account, deleted by the purge's batches (reason ACCOUNT_DELETED), answered once
    their events are published (or after `event_wait_seconds`). Idempotent: a call after a crash deletes
    what is left. Its owner is disabled first, so no new file is owned by it; the loop still ends
    (MAX_BATCHES_PER_RUN) should files keep coming."""

    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        blob_store: BlobStore,
        relay: EventRelay,
        clock: Callable[[], datetime],
        event_wait_seconds: float,
        batch_size: int = DEFAULT_BATCH_SIZE,
    ) -> None:
        self._uow_factory = uow_factory
        self._blob_store = blob_store
        self._relay = relay
        self._clock = clock
        self._event_wait_seconds = event_wait_seconds
        self._batch_size = batch_size

    async def delete_all_of(self, owner_account_id: str) -> PurgeReport:
        report = PurgeReport()
        events_published: list[Awaitable[bool]] = []
        for _ in range(MAX_BATCHES_PER_RUN):
            if await self._delete_batch_of(owner_account_id, report, events_published) < self._batch_size:
                break
        if not all(await asyncio.gather(*events_published)):
            logger.warning(
                "deleted the files of account %s; some of their events wait in the outbox", owner_account_id
            )
        return report

    async def _delete_batch_of(
        self, owner_account_id: str, report: PurgeReport, events_published: list[Awaitable[bool]]
    ) -> int:
        now = self._clock()
        async with self._uow_factory() as uow:
            batch = await uow.files.lock_owned(owner_account_id, self._batch_size)
            due = [(stored, PurgeReason.ACCOUNT_DELETED) for stored in batch]
            deleted = await delete_locked(uow, self._blob_store, due, now)
            await uow.commit()
        _note_committed(deleted, report, self._relay)
        wait = self._event_wait_seconds
        events_published.extend(self._relay.published(each.event_id, wait) for each in deleted)
        return len(batch)


@dataclass(frozen=True)
class Purged:
    stored: StoredFile
    reason: PurgeReason
    event_id: str


async def delete_locked(
    uow: UnitOfWork, blob_store: BlobStore, due: list[tuple[StoredFile, PurgeReason]], now: datetime
) -> list[Purged]:
    """Within the transaction that locked them: the files' blobs, then their rows, idempotency records
    and files.deleted events (the caller commits). Answers those whose row this deleted."""
    for stored, _ in due:
        if not stored.inline:  # an inline file's bytes go with its row
            await blob_store.delete(stored.storage_key)
    purged: list[Purged] = []
    for stored, reason in due:
        owner = await uow.files.remove_returning_owner(stored.file_url)
        if owner is None:
            continue  # deleted with its key meanwhile (SQLite, which locks no row)
        await uow.idempotency.remove_for_file(stored.file_url)
        owned = replace(stored, owner_account_id=owner)
        event_id = new_event_id()
        await uow.outbox.add(FileDeleted.of(owned, event_id, now, purged=reason))
        purged.append(Purged(owned, reason, event_id))
    return purged


def _note_committed(purged: list[Purged], report: PurgeReport, relay: EventRelay) -> None:
    if not purged:
        return
    relay.wake()
    for each in purged:
        report.purged[each.reason] += 1
        report.bytes_freed += each.stored.size
    logger.info(
        "purged %d file(s): %s",
        len(purged),
        ", ".join(f"{each.stored.file_url} ({each.reason.value})" for each in purged),
    )
