"""What every account must list, kept on a logical clock that ticks at each request sent and answered.

Read-your-writes, as the architecture promises it: a get_files sent at tick t0 and answered at t1
must list every upload of the account answered (synced) before t0 whose deletion has not begun,
and must not list any file whose delete was answered 200 before t0. It may list files whose upload
or delete was under way around it, and files whose upload has not answered yet (unknown to the
ledger, so they are only counted against the uploads in flight and settled at the end).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from loadgen.content import Content

LISTED_FIELDS = ("key", "size", "user_filename")


@dataclass
class FileRecord:
    file_url: str
    key: str
    user_filename: str
    content: Content
    sha256: str
    account: str | None
    uploaded_at: int = 0  # the ledger sets these three
    delete_started: int | None = None
    deleted_at: int | None = None  # when its delete answered 200

    @property
    def size(self) -> int:
        return self.content.size

    @property
    def live(self) -> bool:
        return self.deleted_at is None

    def must_be_listed(self, asked_at: int) -> bool:
        """Its upload answered before a listing was asked for at `asked_at`, and no delete has begun."""
        return self.uploaded_at < asked_at and self.delete_started is None

    def must_not_be_listed(self, asked_at: int) -> bool:
        return self.deleted_at is not None and self.deleted_at < asked_at


@dataclass
class AccountLedger:
    name: str
    files: dict[str, FileRecord] = field(default_factory=dict)
    uploads_in_flight: int = 0
    uploads_started: int = 0
    unexplained: set[str] = field(default_factory=set)  # listed before their upload answered


@dataclass(frozen=True)
class ListingWindow:
    account: str
    sent_at: int
    in_flight_at_send: int
    started_before_send: int


class Ledger:
    def __init__(self, accounts: list[str]) -> None:
        self._clock = itertools.count(1)
        self.accounts = {name: AccountLedger(name) for name in accounts}
        self.files: dict[str, FileRecord] = {}

    def tick(self) -> int:
        return next(self._clock)

    def upload_started(self, account: str | None) -> None:
        if account is not None:
            self.accounts[account].uploads_in_flight += 1
            self.accounts[account].uploads_started += 1
        self.tick()

    def upload_finished(self, account: str | None, record: FileRecord | None) -> None:
        if account is not None:
            self.accounts[account].uploads_in_flight -= 1
        if record is not None:
            record.uploaded_at = self.tick()
            self.files[record.file_url] = record
            if account is not None:
                self.accounts[account].files[record.file_url] = record

    def delete_started(self, record: FileRecord) -> None:
        record.delete_started = self.tick()

    def delete_answered(self, record: FileRecord) -> None:
        record.deleted_at = self.tick()

    def listing_sent(self, account: str) -> ListingWindow:
        ledger = self.accounts[account]
        return ListingWindow(account, self.tick(), ledger.uploads_in_flight, ledger.uploads_started)

    def listing_problems(self, window: ListingWindow, items: list[dict[str, Any]]) -> list[str]:
        """What is wrong with a listing answered now for a get_files sent at `window`."""
        self.tick()
        ledger = self.accounts[window.account]
        listed = {item.get("file_url"): item for item in items}
        problems = _field_problems(ledger, listed)
        for record in ledger.files.values():
            if record.must_be_listed(window.sent_at) and record.file_url not in listed:
                problems.append(
                    f"{record.file_url} missing: its upload answered before the listing was asked for"
                )
            if record.must_not_be_listed(window.sent_at) and record.file_url in listed:
                problems.append(
                    f"{record.file_url} listed: its delete answered before the listing was asked for"
                )
        unknown = set(listed) - set(ledger.files)
        explainable = window.in_flight_at_send + ledger.uploads_started - window.started_before_send
        if len(unknown) > explainable:
            problems.append(
                f"{len(unknown)} unknown file(s) listed, {explainable} upload(s) in flight: {sorted(unknown)}"
            )
        else:
            ledger.unexplained |= unknown
        return problems

    def final_problems(self, account: str, items: list[dict[str, Any]]) -> list[str]:
        """A listing taken when nothing is in flight must equal the account's live files exactly."""
        ledger = self.accounts[account]
        listed = {item.get("file_url"): item for item in items}
        expected = {url for url, record in ledger.files.items() if record.live}
        problems = _field_problems(ledger, listed)
        problems += [f"{url} missing" for url in sorted(expected - set(listed))]
        problems += [f"{url} listed but not expected" for url in sorted(set(listed) - expected)]
        if len(listed) != len(items):
            problems.append(f"{len(items) - len(listed)} file(s) listed twice")
        problems += [
            f"{url} was listed during the run but is no upload of this account"
            for url in sorted(ledger.unexplained - set(ledger.files))
        ]
        created = [item.get("created_at", "") for item in items]
        if created != sorted(created, reverse=True):
            problems.append("the list is not newest first")
        return problems

    def live_files(self) -> list[FileRecord]:
        return [record for record in self.files.values() if record.live]

    def deleted_files(self) -> list[FileRecord]:
        return [record for record in self.files.values() if not record.live]


def _field_problems(ledger: AccountLedger, listed: dict[str, dict[str, Any]]) -> list[str]:
    problems = []
    for url, item in listed.items():
        record = ledger.files.get(url)
        if record is None:
            continue
        for name in LISTED_FIELDS:
            if item.get(name) != getattr(record, name):
                problems.append(f"{url}: {name} is {item.get(name)!r}, expected {getattr(record, name)!r}")
    return problems
