"""The files reconciliation with fakes: metadata rows against stored blobs, temp data and the outbox."""

from datetime import timedelta

import pytest

from files_service.domain.model import StoredFile
from files_service.domain.ports import OutboxMessage
from files_service.domain.reconciliation import Difference
from files_service.reconcile import FilesReconciler, ReconcileOptions

from .conftest import LONG_AGO, FakeUnitOfWork

GRACE = timedelta(hours=1)


def stored_file(file_url: str, storage_key: str, size: int = 3) -> StoredFile:
    return StoredFile(
        file_url=file_url,
        storage_key=storage_key,
        user_filename=f"{file_url}.txt",
        ext=".txt",
        size=size,
        sha256="0" * 64,
        delete_key=f"key-{file_url}",
        owner_account_id="account",
        created_at=LONG_AGO,
    )


@pytest.fixture
def publisher_connections() -> list[str]:
    return []


@pytest.fixture
def reconciler(database, blob_store, relay, fixed_now, publisher_connections) -> FilesReconciler:
    async def connect_publisher() -> None:
        publisher_connections.append("connected")

    return FilesReconciler(
        lambda: FakeUnitOfWork(database), blob_store, relay, connect_publisher, clock=lambda: fixed_now
    )


@pytest.fixture
def keep_file(database, blob_store):
    def keep(file_url: str, storage_key: str, data: bytes = b"abc") -> StoredFile:
        stored = stored_file(file_url, storage_key, size=len(data))
        database.files[file_url] = stored
        blob_store.blobs[storage_key] = data
        return stored

    return keep


def pend_event(database, event_id: str, created_at=LONG_AGO) -> None:
    database.outbox.append(OutboxMessage(event_id, "files.uploaded", b"payload"))
    database.outbox_created_at[event_id] = created_at


def options(repair: bool = False, sample_size: int = 10) -> ReconcileOptions:
    return ReconcileOptions(repair=repair, grace=GRACE, sample_size=sample_size)


async def test_reconcile_finds_no_difference_when_every_file_has_its_bytes(reconciler, keep_file):
    keep_file("one", "aaaa0001")
    keep_file("two", "bbbb0002")

    report = await reconciler.reconcile(options(repair=True))

    assert report.differences == 0 and report.exit_status == 0
    assert report.checked == {"files": 2, "blobs": 2, "temp_files": 0}


async def test_reconcile_reports_an_old_unreferenced_blob_and_keeps_it_without_repair(
    reconciler, keep_file, blob_store
):
    keep_file("one", "aaaa0001")
    blob_store.blobs["cccc0003"] = b"orphan"

    report = await reconciler.reconcile(options())

    tally = report.tallies[Difference.ORPHANED_BLOB]
    assert (tally.found, tally.repaired) == (1, 0)
    assert tally.samples[0].subject == "cccc0003" and tally.samples[0].action == ""
    assert "cccc0003" in blob_store.blobs
    assert report.exit_status == 1


async def test_reconcile_deletes_an_old_unreferenced_blob_with_repair(reconciler, keep_file, blob_store):
    keep_file("one", "aaaa0001")
    blob_store.blobs["cccc0003"] = b"orphan"

    report = await reconciler.reconcile(options(repair=True))

    tally = report.tallies[Difference.ORPHANED_BLOB]
    assert (tally.found, tally.repaired, tally.remaining) == (1, 1, 0)
    assert tally.samples[0].action == "deleted"
    assert set(blob_store.blobs) == {"aaaa0001"}
    assert report.exit_status == 1


async def test_reconcile_leaves_an_unreferenced_blob_younger_than_the_grace_period(
    reconciler, keep_file, blob_store, fixed_now
):
    keep_file("one", "aaaa0001")
    blob_store.blobs["cccc0003"] = b"an upload about to record its row"
    blob_store.modified_at["cccc0003"] = fixed_now - GRACE + timedelta(seconds=1)

    report = await reconciler.reconcile(options(repair=True))

    assert report.differences == 0
    assert "cccc0003" in blob_store.blobs


async def test_reconcile_keeps_every_blob_and_reports_an_error_when_the_database_has_no_files(
    reconciler, blob_store
):
    blob_store.blobs["cccc0003"] = b"orphan, or a database URL pointing elsewhere"

    report = await reconciler.reconcile(options(repair=True))

    assert report.tallies[Difference.ORPHANED_BLOB].found == 1
    assert report.tallies[Difference.ORPHANED_BLOB].repaired == 0
    assert "cccc0003" in blob_store.blobs
    assert report.exit_status == 2
    assert "FU_FILES_DATABASE_URL" in report.errors[0]


async def test_reconcile_reports_a_file_whose_bytes_are_missing_and_keeps_its_record(
    reconciler, keep_file, blob_store, database
):
    keep_file("one", "aaaa0001")
    lost = keep_file("two", "bbbb0002")
    del blob_store.blobs[lost.storage_key]

    report = await reconciler.reconcile(options(repair=True))

    tally = report.tallies[Difference.MISSING_BLOB]
    assert (tally.found, tally.repaired, tally.remaining) == (1, 0, 1)
    assert tally.samples[0].subject == "two" and "bbbb0002" in tally.samples[0].detail
    assert tally.samples[0].action == "left for an operator"
    assert "two" in database.files
    assert report.exit_status == 1


async def test_reconcile_reports_bytes_whose_size_differs_from_the_record(reconciler, keep_file, blob_store):
    keep_file("one", "aaaa0001", b"abc")
    blob_store.blobs["aaaa0001"] = b"ab"

    report = await reconciler.reconcile(options())

    tally = report.tallies[Difference.SIZE_MISMATCH]
    assert tally.found == 1
    assert tally.samples[0].detail == "storage key aaaa0001: 3 bytes recorded, 2 stored"


async def test_reconcile_deletes_old_temp_data_with_repair_and_keeps_young_temp_data(
    reconciler, blob_store, fixed_now
):
    blob_store.temp = {"dead.part": b"cut off", "live.part": b"being written"}
    blob_store.modified_at["live.part"] = fixed_now - timedelta(minutes=5)

    report = await reconciler.reconcile(options(repair=True))

    tally = report.tallies[Difference.TEMP_LEFTOVER]
    assert (tally.found, tally.repaired) == (1, 1)
    assert tally.samples[0].subject == "dead.part" and tally.samples[0].action == "deleted"
    assert set(blob_store.temp) == {"live.part"}
    assert report.checked["temp_files"] == 2


async def test_reconcile_reports_old_temp_data_and_keeps_it_without_repair(reconciler, blob_store):
    blob_store.temp = {"dead.part": b"cut off"}

    report = await reconciler.reconcile(options())

    assert report.tallies[Difference.TEMP_LEFTOVER].found == 1
    assert set(blob_store.temp) == {"dead.part"}


async def test_reconcile_publishes_the_outbox_backlog_with_repair(
    reconciler, database, publisher, publisher_connections
):
    for event_id in ("e1", "e2", "e3"):
        pend_event(database, event_id)

    report = await reconciler.reconcile(options(repair=True))

    assert [message.event_id for message in publisher.published] == ["e1", "e2", "e3"]
    assert database.outbox == []
    tally = report.tallies[Difference.UNPUBLISHED_EVENT]
    assert (tally.found, tally.repaired, tally.remaining) == (3, 3, 0)
    assert [sample.action for sample in tally.samples] == ["published"] * 3
    assert publisher_connections == ["connected"]
    assert report.exit_status == 1


async def test_reconcile_reports_an_error_when_the_backlog_cannot_be_published(
    reconciler, database, publisher
):
    pend_event(database, "e1")
    publisher.failing = True

    report = await reconciler.reconcile(options(repair=True))

    tally = report.tallies[Difference.UNPUBLISHED_EVENT]
    assert (tally.found, tally.repaired, tally.remaining) == (1, 0, 1)
    assert tally.samples[0].action == "still unpublished"
    assert [message.event_id for message in database.outbox] == ["e1"]
    assert report.exit_status == 2 and "NATS" in report.errors[0]


async def test_reconcile_without_repair_neither_connects_nor_publishes(
    reconciler, database, publisher, publisher_connections
):
    pend_event(database, "e1")

    report = await reconciler.reconcile(options())

    assert report.tallies[Difference.UNPUBLISHED_EVENT].found == 1
    assert publisher.published == [] and publisher_connections == []
    assert report.tallies[Difference.UNPUBLISHED_EVENT].samples[0].action == ""


async def test_reconcile_leaves_outbox_events_younger_than_the_grace_period(
    reconciler, database, publisher, publisher_connections, fixed_now
):
    pend_event(database, "fresh", created_at=fixed_now - timedelta(seconds=1))

    report = await reconciler.reconcile(options(repair=True))

    assert report.differences == 0
    assert publisher_connections == []


async def test_reconcile_counts_every_difference_but_lists_only_the_first_ones(
    reconciler, keep_file, blob_store
):
    keep_file("one", "aaaa0001")
    for number in range(5):
        blob_store.blobs[f"ffff000{number}"] = b"orphan"

    report = await reconciler.reconcile(options(sample_size=2))

    tally = report.tallies[Difference.ORPHANED_BLOB]
    assert tally.found == 5
    assert [sample.subject for sample in tally.samples] == ["ffff0000", "ffff0001"]
