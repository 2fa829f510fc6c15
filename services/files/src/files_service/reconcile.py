"""Reconciliation of what the files service keeps: metadata rows, stored bytes, temp data, the outbox.

Whatever is younger than the grace period may belong to work in progress (an upload between storing
its bytes and recording its row, a temp file being written, an event about to be published) and is
left alone. A file whose bytes are gone is reported and never "repaired": deleting its record would
hide the loss from its owner, and from an operator who can still restore the bytes from a backup.
"""

import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from files_service.domain.model import StoredFile
from files_service.domain.ports import BlobStore, PendingEvent, StorageEntry
from files_service.domain.reconciliation import Difference
from files_service.relay import OutboxRelay
from files_service.service import Clock, UnitOfWorkFactory, utc_now
from fileuploader_runtime.reconcile.report import Finding, ReconcileReport
from fileuploader_runtime.reconcile.sorted_pairs import pair_by_key

logger = logging.getLogger(__name__)

LEFT_FOR_AN_OPERATOR = "left for an operator"
NO_FILES_AT_ALL = (
    "the metadata database holds no files at all, so every stored blob looks orphaned: "
    "none was deleted (is FU_FILES_DATABASE_URL the service's database?)"
)


@dataclass(frozen=True)
class ReconcileOptions:
    repair: bool
    grace: timedelta
    sample_size: int


class FilesReconciler:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        blob_store: BlobStore,
        relay: OutboxRelay,
        connect_publisher: Callable[[], Awaitable[None]],
        clock: Clock = utc_now,
    ) -> None:
        """connect_publisher readies the relay's publisher; it is called only when there is a backlog."""
        self._uow_factory = uow_factory
        self._blob_store = blob_store
        self._relay = relay
        self._connect_publisher = connect_publisher
        self._clock = clock

    async def reconcile(self, options: ReconcileOptions) -> ReconcileReport:
        report = ReconcileReport(Difference, repair=options.repair, sample_size=options.sample_size)
        cutoff = self._clock() - options.grace
        await self._compare_files_with_blobs(report, cutoff)
        await self._check_temp_data(report, cutoff)
        await self._check_outbox(report, cutoff)
        return report

    async def _compare_files_with_blobs(self, report: ReconcileReport, cutoff: datetime) -> None:
        files = blobs = 0
        async with self._uow_factory() as uow:
            may_delete_blobs = await uow.files.count() > 0
            pairs = pair_by_key(
                uow.files.stream_by_storage_key(), self._blob_store.iter_blobs(), _storage_key, _name
            )
            async with contextlib.aclosing(pairs):
                async for stored, blob in pairs:
                    if stored is not None and stored.inline and blob is None:
                        files += 1  # its bytes are in its row
                        continue
                    files += stored is not None
                    blobs += blob is not None
                    if stored is None and blob is not None:
                        await self._check_unreferenced(report, blob, cutoff, may_delete_blobs)
                    elif stored is not None and blob is None:
                        await self._check_missing_bytes(report, stored)
                    elif stored is not None and blob is not None and stored.size != blob.size:
                        report.record(_size_mismatch(stored, blob, report.repair))
        report.checked.update(files=files, blobs=blobs)

    async def _check_unreferenced(
        self, report: ReconcileReport, blob: StorageEntry, cutoff: datetime, may_delete: bool
    ) -> None:
        if blob.modified_at >= cutoff or await self._is_referenced(blob.name):
            return
        detail = f"{blob.size} bytes, last written {_moment(blob.modified_at)}"
        if not report.repair:
            report.record(Finding(Difference.ORPHANED_BLOB, blob.name, detail))
        elif not may_delete:
            report.error(NO_FILES_AT_ALL)
            report.record(Finding(Difference.ORPHANED_BLOB, blob.name, detail, "kept"))
        else:
            await self._blob_store.delete(blob.name)
            logger.info("deleted orphaned blob %s (%s)", blob.name, detail)
            report.record(Finding(Difference.ORPHANED_BLOB, blob.name, detail, "deleted"), repaired=True)

    async def _is_referenced(self, storage_key: str) -> bool:
        async with self._uow_factory() as uow:
            return await uow.files.uses_storage_key(storage_key)

    async def _check_missing_bytes(self, report: ReconcileReport, stored: StoredFile) -> None:
        """Reported only if, looking again, the bytes are still missing and the file was not deleted meanwhile."""
        if await self._blob_store.stat(stored.storage_key) is not None:
            return
        async with self._uow_factory() as uow:
            if await uow.files.get(stored.file_url) is None:
                return
        detail = (
            f"storage key {stored.storage_key}, {stored.size} bytes, created {_moment(stored.created_at)}"
        )
        action = LEFT_FOR_AN_OPERATOR if report.repair else ""
        report.record(Finding(Difference.MISSING_BLOB, stored.file_url, detail, action))

    async def _check_temp_data(self, report: ReconcileReport, cutoff: datetime) -> None:
        seen = 0
        async with contextlib.aclosing(self._blob_store.iter_temp()) as entries:
            async for entry in entries:
                seen += 1
                if entry.modified_at >= cutoff:
                    continue
                detail = f"{entry.size} bytes, last written {_moment(entry.modified_at)}"
                if report.repair:
                    await self._blob_store.delete_temp(entry.name)
                report.record(
                    Finding(Difference.TEMP_LEFTOVER, entry.name, detail, "deleted" if report.repair else ""),
                    repaired=report.repair,
                )
        report.checked["temp_files"] = seen

    async def _check_outbox(self, report: ReconcileReport, cutoff: datetime) -> None:
        async with self._uow_factory() as uow:
            found = await uow.outbox.count_older_than(cutoff)
            oldest = await uow.outbox.oldest_before(cutoff, report.sample_size)
        if not found:
            return
        remaining = await self._publish_backlog(cutoff) if report.repair else found
        if report.repair and remaining:
            report.error(
                f"{remaining} event(s) could not be published: is NATS (FU_FILES_NATS_URL) reachable?"
            )
        repaired = found - remaining
        samples = [
            _unpublished(event, report.repair, published=index < repaired)
            for index, event in enumerate(oldest)
        ]
        report.record_counted(Difference.UNPUBLISHED_EVENT, found=found, repaired=repaired, samples=samples)

    async def _publish_backlog(self, cutoff: datetime) -> int:
        """Relays until no event older than the cutoff is left, or a round publishes nothing; returns what is left."""
        await self._connect_publisher()
        while (remaining := await self._count_unpublished(cutoff)) and await self._relay.relay_once():
            pass
        return remaining

    async def _count_unpublished(self, cutoff: datetime) -> int:
        async with self._uow_factory() as uow:
            return await uow.outbox.count_older_than(cutoff)


def _storage_key(stored: StoredFile) -> str:
    return stored.storage_key


def _name(entry: StorageEntry) -> str:
    return entry.name


def _moment(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _size_mismatch(stored: StoredFile, blob: StorageEntry, repair: bool) -> Finding:
    detail = f"storage key {stored.storage_key}: {stored.size} bytes recorded, {blob.size} stored"
    return Finding(Difference.SIZE_MISMATCH, stored.file_url, detail, LEFT_FOR_AN_OPERATOR if repair else "")


def _unpublished(event: PendingEvent, repair: bool, published: bool) -> Finding:
    detail = f"{event.subject}, waiting since {_moment(event.created_at)}"
    action = ("published" if published else "still unpublished") if repair else ""
    return Finding(Difference.UNPUBLISHED_EVENT, event.event_id, detail, action)
