"""Reconciliation of each account's file list with the files service's records.

Repairs go through the event path where an event can carry them: for a file missing from its list,
files publishes a fresh FileUploaded, so every consumer of the stream (not only this list) gets the
event it missed, and the list is fixed by the same idempotent code that builds it. Where the list's
own rules make events powerless, auth repairs its rows itself: a tombstone wins over any upload event
(so a tombstone hiding a file that exists is revived here), an upload event never changes an existing
row (so differing values are corrected here), and files cannot describe a file it has no record of
(so a listed file that files confirms it does not have is tombstoned here). Then it waits for the
consumer and compares again: `remaining` is what that second comparison finds.
"""

import contextlib
import logging
from collections.abc import AsyncGenerator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from auth_service.domain.account_files import AccountFile
from auth_service.domain.list_comparison import (
    Difference,
    ListDifference,
    OwnedFile,
    describe,
    difference_between,
)
from auth_service.domain.ports import Clock, EventsApplied, FilesRecords, UnitOfWork, UnitOfWorkFactory
from fileuploader_runtime.reconcile.report import Finding, ReconcileReport
from fileuploader_runtime.reconcile.sorted_pairs import pair_by_key

logger = logging.getLogger(__name__)

REPAIR_BATCH_SIZE = 200
NO_OWNED_FILES = (
    "files reports no owned files at all while the lists show some: no entry was removed "
    "(is FU_AUTH_FILES_ADDRESS the files service of this deployment?)"
)
EVENTS_NOT_APPLIED = (
    "not every file event was applied when the lists were compared (is the auth service running, "
    "and NATS reachable?): some differences may be events on their way"
)


@dataclass(frozen=True)
class ReconcileOptions:
    repair: bool
    grace: timedelta
    sample_size: int
    events_timeout_seconds: float


@dataclass(frozen=True)
class Outcome:
    action: str
    repaired: bool


@dataclass
class ComparisonCounts:
    owned_files: int = 0
    list_entries: int = 0
    files_has_owned_files: bool = False


class AccountListsReconciler:
    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        files: FilesRecords,
        events: EventsApplied,
        clock: Clock,
        batch_size: int = REPAIR_BATCH_SIZE,
    ) -> None:
        self._unit_of_work = unit_of_work
        self._files = files
        self._events = events
        self._clock = clock
        self._batch_size = batch_size

    async def reconcile(self, options: ReconcileOptions) -> ReconcileReport:
        report = ReconcileReport(Difference, repair=options.repair, sample_size=options.sample_size)
        await self._wait_for_events(report, options)
        settled_before = self._clock.now() - options.grace
        counts = ComparisonCounts()
        batch: list[ListDifference] = []
        async with contextlib.aclosing(self._differences(settled_before, counts)) as differences:
            async for difference in differences:
                batch.append(difference)
                if len(batch) == self._batch_size:
                    await self._settle(report, batch, counts.files_has_owned_files)
                    batch = []
        await self._settle(report, batch, counts.files_has_owned_files)
        report.checked.update(owned_files=counts.owned_files, list_entries=counts.list_entries)
        if options.repair and report.differences:
            await self._wait_for_events(report, options)
            await self._count_remaining(report, settled_before)
        return report

    async def _wait_for_events(self, report: ReconcileReport, options: ReconcileOptions) -> None:
        if not await self._events.wait_until_applied(options.events_timeout_seconds):
            report.note(EVENTS_NOT_APPLIED)

    async def _differences(
        self, settled_before: datetime, counts: ComparisonCounts
    ) -> AsyncGenerator[ListDifference, None]:
        """Counts into `counts` as it goes; whether files has any owned file is known before the first yield."""
        owned_files = self._files.owned_files()
        async with contextlib.aclosing(owned_files):
            first = await anext(owned_files, None)
            counts.files_has_owned_files = first is not None
            async with self._unit_of_work() as uow:
                pairs = pair_by_key(
                    _starting_with(first, owned_files), uow.files.stream_all(), _file_url, _file_url
                )
                async with contextlib.aclosing(pairs):
                    async for owned, listed in pairs:
                        counts.owned_files += owned is not None
                        counts.list_entries += listed is not None
                        difference = difference_between(owned, listed, settled_before)
                        if difference is not None:
                            yield difference

    async def _settle(self, report: ReconcileReport, batch: list[ListDifference], may_remove: bool) -> None:
        """Records the batch, repairing it first when asked to."""
        if not report.repair:
            for difference in batch:
                report.record(_finding(difference, ""))
            return
        if not may_remove and any(d.kind is Difference.STALE_IN_LIST for d in batch):
            report.error(NO_OWNED_FILES)
        for difference, outcome in zip(batch, await self._repair(batch, may_remove), strict=True):
            report.record(_finding(difference, outcome.action), repaired=outcome.repaired)

    async def _repair(self, batch: list[ListDifference], may_remove: bool) -> list[Outcome]:
        if not batch:
            return []
        to_confirm = [d.file_url for d in batch if d.kind is not Difference.DIFFERING_IN_LIST]
        unknown = await self._files.republish_uploads(to_confirm) if to_confirm else set()
        async with self._unit_of_work() as uow:
            outcomes = [await _repair_one(uow, d, d.file_url in unknown, may_remove) for d in batch]
            await uow.commit()
        logger.info("repaired %d of %d list difference(s)", sum(o.repaired for o in outcomes), len(batch))
        return outcomes

    async def _count_remaining(self, report: ReconcileReport, settled_before: datetime) -> None:
        report.recount_remaining()
        differences = self._differences(settled_before, ComparisonCounts())
        async with contextlib.aclosing(differences):
            async for difference in differences:
                report.count_remaining(difference.kind)


async def _repair_one(
    uow: UnitOfWork, difference: ListDifference, unknown: bool, may_remove: bool
) -> Outcome:
    """`unknown`: files, asked just now, has no owned file of this file_url."""
    match difference.kind:
        case Difference.MISSING_FROM_LIST:
            return await _add_missing(uow, difference, unknown)
        case Difference.STALE_IN_LIST:
            return await _remove_stale(uow, difference, unknown, may_remove)
        case Difference.DIFFERING_IN_LIST:
            assert difference.owned is not None
            await uow.files.correct(difference.owned.as_listed())
            return Outcome("corrected", repaired=True)


async def _add_missing(uow: UnitOfWork, difference: ListDifference, unknown: bool) -> Outcome:
    """files published FileUploaded again; only a tombstone, which wins over it, needs reviving here."""
    if unknown:
        return Outcome("deleted from files meanwhile", repaired=False)
    if difference.listed is None:
        return Outcome("FileUploaded published again", repaired=True)
    assert difference.owned is not None
    await uow.files.revive(difference.owned.as_listed())
    return Outcome("revived", repaired=True)


async def _remove_stale(
    uow: UnitOfWork, difference: ListDifference, unknown: bool, may_remove: bool
) -> Outcome:
    if not unknown:
        return Outcome("owned file in files after all", repaired=False)
    if not may_remove:
        return Outcome("kept", repaired=False)
    assert difference.listed is not None
    await uow.files.tombstone(replace(difference.listed, deleted=True))
    return Outcome("removed", repaired=True)


async def _starting_with(
    first: OwnedFile | None, rest: AsyncGenerator[OwnedFile, None]
) -> AsyncGenerator[OwnedFile, None]:
    if first is None:
        return
    yield first
    async for owned in rest:
        yield owned


def _file_url(item: OwnedFile | AccountFile) -> str:
    return item.file_url


def _finding(difference: ListDifference, action: str) -> Finding:
    return Finding(difference.kind, difference.file_url, describe(difference), action)
