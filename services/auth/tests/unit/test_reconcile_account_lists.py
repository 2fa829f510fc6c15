"""The reconciliation of the account lists with fakes for the files service and the event consumer."""

from collections.abc import AsyncGenerator, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from auth_service.domain.account_files import FileUploaded
from auth_service.domain.list_comparison import Difference, OwnedFile
from auth_service.reconcile import AccountListsReconciler, ReconcileOptions
from auth_service.service import AccountFilesProjection

CREATED = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
GRACE = timedelta(hours=1)


def owned_file(file_url: str, account_id: str = "acc-1", created_at: datetime = CREATED) -> OwnedFile:
    return OwnedFile(file_url, account_id, f"key-{file_url}", ".txt", f"{file_url}.txt", 5, created_at)


class FakeFilesRecords:
    """files' owned files; a republished upload reaches the list when `consumer` is set (auth is running)."""

    def __init__(self) -> None:
        self.owned: dict[str, OwnedFile] = {}
        self.republish_calls: list[list[str]] = []
        self.consumer: AccountFilesProjection | None = None

    async def owned_files(self) -> AsyncGenerator[OwnedFile, None]:
        for file_url in sorted(self.owned):
            yield self.owned[file_url]

    async def republish_uploads(self, file_urls: Sequence[str]) -> set[str]:
        self.republish_calls.append(list(file_urls))
        for file_url in file_urls:
            if file_url in self.owned and self.consumer is not None:
                await self.consumer.apply(_uploaded_event(self.owned[file_url]))
        return {file_url for file_url in file_urls if file_url not in self.owned}


def _uploaded_event(owned: OwnedFile) -> FileUploaded:
    return FileUploaded(
        owned.file_url,
        owned.account_id,
        owned.delete_key,
        owned.ext,
        owned.user_filename,
        owned.size,
        owned.created_at,
        owned.expires_at,
        owned.max_downloads,
    )


class FakeEventsApplied:
    def __init__(self) -> None:
        self.applied = True
        self.waits: list[float] = []

    async def wait_until_applied(self, timeout: float) -> bool:
        self.waits.append(timeout)
        return self.applied


@pytest.fixture
def files() -> FakeFilesRecords:
    return FakeFilesRecords()


@pytest.fixture
def events() -> FakeEventsApplied:
    return FakeEventsApplied()


@pytest.fixture
def reconciler(database, files, events, clock) -> AccountListsReconciler:
    clock.current = CREATED + timedelta(days=1)
    return AccountListsReconciler(database.unit_of_work, files, events, clock, batch_size=2)


@pytest.fixture
def lists(database):
    """The account_files rows, by file_url."""
    return lambda: database.tables.files


def options(repair: bool = False, sample_size: int = 10) -> ReconcileOptions:
    return ReconcileOptions(repair=repair, grace=GRACE, sample_size=sample_size, events_timeout_seconds=3.0)


def agree(database, files, *owned: OwnedFile) -> None:
    for file in owned:
        files.owned[file.file_url] = file
        database.tables.files[file.file_url] = file.as_listed()


def found(report) -> dict[str, int]:
    return {kind.value: tally.found for kind, tally in report.tallies.items() if tally.found}


async def test_reconcile_finds_no_difference_when_the_lists_match_files(reconciler, database, files):
    agree(database, files, owned_file("f1"), owned_file("f2", "acc-2"))

    report = await reconciler.reconcile(options(repair=True))

    assert (report.differences, report.exit_status, report.errors, report.notes) == (0, 0, [], [])
    assert report.checked == {"owned_files": 2, "list_entries": 2}
    assert files.republish_calls == []


async def test_reconcile_reports_a_file_missing_from_its_owners_list_and_changes_nothing(
    reconciler, database, files, lists
):
    agree(database, files, owned_file("f1"))
    files.owned["f2"] = owned_file("f2")

    report = await reconciler.reconcile(options())

    tally = report.tallies[Difference.MISSING_FROM_LIST]
    assert (tally.found, tally.repaired, tally.remaining) == (1, 0, 1)
    assert (tally.samples[0].subject, tally.samples[0].action) == ("f2", "")
    assert report.exit_status == 1
    assert files.republish_calls == [] and "f2" not in lists()


async def test_repair_has_files_publish_the_missing_upload_event_again(reconciler, database, files, lists):
    files.owned["f1"] = owned_file("f1")
    files.consumer = AccountFilesProjection(database.unit_of_work)

    report = await reconciler.reconcile(options(repair=True))

    tally = report.tallies[Difference.MISSING_FROM_LIST]
    assert (tally.found, tally.repaired, tally.remaining) == (1, 1, 0)
    assert tally.samples[0].action == "FileUploaded published again"
    assert files.republish_calls == [["f1"]]
    assert lists()["f1"] == owned_file("f1").as_listed()
    assert report.exit_status == 1


async def test_remaining_counts_what_is_still_missing_when_auth_does_not_apply_the_event(
    reconciler, files, events
):
    files.owned["f1"] = owned_file("f1")
    events.applied = False

    report = await reconciler.reconcile(options(repair=True))

    tally = report.tallies[Difference.MISSING_FROM_LIST]
    assert (tally.found, tally.repaired, tally.remaining) == (1, 1, 1)
    assert "is the auth service running" in report.notes[0]
    assert events.waits == [3.0, 3.0]


async def test_repair_revives_a_tombstone_hiding_a_file_that_exists(reconciler, database, files, lists):
    agree(database, files, owned_file("f1"))
    database.tables.files["f1"] = replace(owned_file("f1").as_listed(), deleted=True, size=0)

    report = await reconciler.reconcile(options(repair=True))

    tally = report.tallies[Difference.MISSING_FROM_LIST]
    assert (tally.found, tally.repaired, tally.remaining) == (1, 1, 0)
    assert tally.samples[0].action == "revived"
    assert lists()["f1"] == owned_file("f1").as_listed()


async def test_repair_removes_a_listed_file_that_files_does_not_have(reconciler, database, files, lists):
    agree(database, files, owned_file("f1"), owned_file("f2"))
    del files.owned["f2"]

    report = await reconciler.reconcile(options(repair=True))

    tally = report.tallies[Difference.STALE_IN_LIST]
    assert (tally.found, tally.repaired, tally.remaining) == (1, 1, 0)
    assert tally.samples[0].action == "removed"
    assert lists()["f2"].deleted and not lists()["f1"].deleted
    assert files.republish_calls == [["f2"]]


async def test_repair_keeps_a_listed_file_that_files_has_after_all(reconciler, database, files, lists):
    listed = owned_file("f1").as_listed()
    database.tables.files["f1"] = listed
    files.owned["f0"] = owned_file("f0")
    database.tables.files["f0"] = owned_file("f0").as_listed()

    async def uploaded_meanwhile(file_urls: Sequence[str]) -> set[str]:
        files.owned["f1"] = owned_file("f1")
        return set()

    files.republish_uploads = uploaded_meanwhile

    report = await reconciler.reconcile(options(repair=True))

    tally = report.tallies[Difference.STALE_IN_LIST]
    assert (tally.found, tally.repaired, tally.remaining) == (1, 0, 0)
    assert tally.samples[0].action == "owned file in files after all"
    assert lists()["f1"] == listed


async def test_repair_corrects_values_that_differ_from_files(reconciler, database, files, lists):
    agree(database, files, owned_file("f1"))
    database.tables.files["f1"] = replace(
        owned_file("f1").as_listed(), user_filename="old.txt", account_id="x"
    )

    report = await reconciler.reconcile(options(repair=True))

    tally = report.tallies[Difference.DIFFERING_IN_LIST]
    assert (tally.found, tally.repaired, tally.remaining) == (1, 1, 0)
    assert tally.samples[0].action == "corrected"
    assert lists()["f1"] == owned_file("f1").as_listed()
    assert files.republish_calls == []


async def test_limited_files_listed_with_their_limits_agree_and_those_listed_without_are_corrected(
    reconciler, database, files, lists
):
    limited = [
        replace(owned_file(name), expires_at=CREATED + timedelta(days=30), max_downloads=2)
        for name in ("f1", "f2")
    ]
    agree(database, files, *limited)
    database.tables.files["f2"] = owned_file("f2").as_listed()  # listed before auth kept the limits

    report = await reconciler.reconcile(options(repair=True))

    assert found(report) == {Difference.DIFFERING_IN_LIST: 1}
    tally = report.tallies[Difference.DIFFERING_IN_LIST]
    assert tally.repaired == 1 and "max_downloads: listed None, files has 2" in tally.samples[0].detail
    assert lists()["f2"] == limited[1].as_listed() and lists()["f1"] == limited[0].as_listed()


async def test_reconcile_leaves_files_newer_than_the_grace_period(reconciler, files, clock):
    files.owned["f1"] = owned_file("f1", created_at=clock.now() - GRACE / 2)

    report = await reconciler.reconcile(options(repair=True))

    assert report.differences == 0 and files.republish_calls == []


async def test_repair_removes_nothing_when_files_has_no_owned_file_at_all(reconciler, database, lists):
    database.tables.files["f1"] = owned_file("f1").as_listed()

    report = await reconciler.reconcile(options(repair=True))

    tally = report.tallies[Difference.STALE_IN_LIST]
    assert (tally.found, tally.repaired, tally.remaining) == (1, 0, 1)
    assert tally.samples[0].action == "kept"
    assert not lists()["f1"].deleted
    assert report.exit_status == 2 and "FU_AUTH_FILES_ADDRESS" in report.errors[0]


async def test_repair_asks_files_in_batches(reconciler, files):
    for number in range(5):
        files.owned[f"f{number}"] = owned_file(f"f{number}")

    report = await reconciler.reconcile(options(repair=True, sample_size=3))

    assert files.republish_calls == [["f0", "f1"], ["f2", "f3"], ["f4"]]
    tally = report.tallies[Difference.MISSING_FROM_LIST]
    assert tally.found == 5 and [sample.subject for sample in tally.samples] == ["f0", "f1", "f2"]
