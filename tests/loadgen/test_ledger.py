"""The ledger's read-your-writes rules for get_files, during the run and at the end."""

from loadgen.content import Content
from loadgen.ledger import FileRecord, Ledger

ACCOUNT = "own2"


def item(record: FileRecord, **changes) -> dict:
    fields = {
        "file_url": record.file_url,
        "key": record.key,
        "size": record.size,
        "user_filename": record.user_filename,
        "created_at": "2030-01-01T00:00:00Z",
    }
    return {**fields, **changes}


def uploaded(ledger: Ledger, file_url: str, account: str | None = ACCOUNT) -> FileRecord:
    ledger.upload_started(account)
    record = FileRecord(file_url, f"key-{file_url}", f"{file_url}.bin", Content(1, 10), "sha", account)
    ledger.upload_finished(account, record)
    return record


def deleted(ledger: Ledger, record: FileRecord) -> None:
    ledger.delete_started(record)
    ledger.delete_answered(record)


def test_listing_must_show_every_upload_answered_before_it_was_asked_for():
    ledger = Ledger([ACCOUNT])
    one, two = uploaded(ledger, "one"), uploaded(ledger, "two")
    window = ledger.listing_sent(ACCOUNT)
    assert ledger.listing_problems(window, [item(one), item(two)]) == []
    assert ledger.listing_problems(window, [item(two)]) == [
        "one missing: its upload answered before the listing was asked for"
    ]


def test_listing_may_lack_an_upload_answered_after_it_was_asked_for():
    ledger = Ledger([ACCOUNT])
    window = ledger.listing_sent(ACCOUNT)
    uploaded(ledger, "late")
    assert ledger.listing_problems(window, []) == []


def test_listing_must_not_show_a_file_whose_delete_answered_before_it_was_asked_for():
    ledger = Ledger([ACCOUNT])
    record = uploaded(ledger, "gone")
    deleted(ledger, record)
    window = ledger.listing_sent(ACCOUNT)
    assert ledger.listing_problems(window, []) == []
    assert ledger.listing_problems(window, [item(record)]) == [
        "gone listed: its delete answered before the listing was asked for"
    ]


def test_listing_may_or_may_not_show_a_file_whose_delete_is_in_flight():
    ledger = Ledger([ACCOUNT])
    record = uploaded(ledger, "going")
    ledger.delete_started(record)
    window = ledger.listing_sent(ACCOUNT)
    assert ledger.listing_problems(window, [item(record)]) == []
    assert ledger.listing_problems(window, []) == []


def test_listing_may_show_unknown_files_while_uploads_are_in_flight():
    ledger = Ledger([ACCOUNT])
    ledger.upload_started(ACCOUNT)
    window = ledger.listing_sent(ACCOUNT)
    assert ledger.listing_problems(window, [{"file_url": "pending"}]) == []


def test_listing_flags_more_unknown_files_than_uploads_in_flight():
    ledger = Ledger([ACCOUNT])
    ledger.upload_started(ACCOUNT)
    window = ledger.listing_sent(ACCOUNT)
    problems = ledger.listing_problems(window, [{"file_url": "a"}, {"file_url": "b"}])
    assert problems == ["2 unknown file(s) listed, 1 upload(s) in flight: ['a', 'b']"]


def test_listing_flags_another_accounts_and_anonymous_files():
    ledger = Ledger([ACCOUNT, "own3"])
    theirs, anonymous = uploaded(ledger, "theirs", "own3"), uploaded(ledger, "anon", None)
    window = ledger.listing_sent(ACCOUNT)
    assert len(ledger.listing_problems(window, [item(theirs), item(anonymous)])) == 1


def test_listing_flags_fields_that_differ_from_the_upload():
    ledger = Ledger([ACCOUNT])
    record = uploaded(ledger, "one")
    window = ledger.listing_sent(ACCOUNT)
    assert ledger.listing_problems(window, [item(record, size=11, key="other")]) == [
        "one: key is 'other', expected 'key-one'",
        "one: size is 11, expected 10",
    ]


def test_final_listing_must_equal_the_live_files_exactly():
    ledger = Ledger([ACCOUNT])
    kept, gone = uploaded(ledger, "kept"), uploaded(ledger, "gone")
    deleted(ledger, gone)
    assert ledger.final_problems(ACCOUNT, [item(kept)]) == []
    assert ledger.final_problems(ACCOUNT, []) == ["kept missing"]
    assert ledger.final_problems(ACCOUNT, [item(kept), item(gone)]) == ["gone listed but not expected"]
    assert ledger.final_problems(ACCOUNT, [item(kept), item(kept)]) == ["1 file(s) listed twice"]


def test_final_listing_must_be_newest_first():
    ledger = Ledger([ACCOUNT])
    old, new = uploaded(ledger, "old"), uploaded(ledger, "new")
    newest_first = [
        item(new, created_at="2030-01-02T00:00:00Z"),
        item(old, created_at="2030-01-01T00:00:00Z"),
    ]
    assert ledger.final_problems(ACCOUNT, newest_first) == []
    assert ledger.final_problems(ACCOUNT, newest_first[::-1]) == ["the list is not newest first"]


def test_final_check_flags_unknown_files_listed_during_the_run_that_no_upload_explains():
    ledger = Ledger([ACCOUNT])
    ledger.upload_started(ACCOUNT)
    ledger.listing_problems(ledger.listing_sent(ACCOUNT), [{"file_url": "stranger"}])
    ledger.upload_finished(ACCOUNT, None)
    assert ledger.final_problems(ACCOUNT, []) == [
        "stranger was listed during the run but is no upload of this account"
    ]


def test_live_and_deleted_files_cover_anonymous_uploads():
    ledger = Ledger([ACCOUNT])
    anonymous, gone = uploaded(ledger, "anon", None), uploaded(ledger, "gone")
    deleted(ledger, gone)
    assert (ledger.live_files(), ledger.deleted_files()) == ([anonymous], [gone])
