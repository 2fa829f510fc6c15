"""The rules that compare an account list entry with the files service's record of the file."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from auth_service.domain.list_comparison import Difference, OwnedFile, describe, difference_between

CREATED = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
SETTLED_BEFORE = CREATED + timedelta(hours=1)
OWNED = OwnedFile(
    file_url="f1",
    account_id="acc-1",
    delete_key="secret-delete-key",
    ext=".txt",
    user_filename="notes.txt",
    size=5,
    created_at=CREATED,
)
LISTED = OWNED.as_listed()


def test_an_entry_equal_to_the_record_is_no_difference():
    assert difference_between(OWNED, LISTED, SETTLED_BEFORE) is None


def test_a_tombstone_of_a_file_files_no_longer_has_is_no_difference():
    assert difference_between(None, replace(LISTED, deleted=True), SETTLED_BEFORE) is None


def test_a_file_without_an_entry_or_behind_a_tombstone_is_missing():
    for listed in (None, replace(LISTED, deleted=True)):
        difference = difference_between(OWNED, listed, SETTLED_BEFORE)
        assert difference is not None and difference.kind is Difference.MISSING_FROM_LIST
        assert (difference.file_url, difference.account_id, difference.listed) == ("f1", "acc-1", listed)


def test_a_live_entry_files_has_no_record_of_is_stale():
    difference = difference_between(None, LISTED, SETTLED_BEFORE)

    assert difference is not None and difference.kind is Difference.STALE_IN_LIST
    assert describe(difference) == "account acc-1: notes.txt, no such owned file in files"


def test_an_entry_with_other_values_differs_in_those_fields():
    listed = replace(LISTED, user_filename="old.txt", size=4)

    difference = difference_between(OWNED, listed, SETTLED_BEFORE)

    assert difference is not None and difference.kind is Difference.DIFFERING_IN_LIST
    assert difference.changed_fields == ("user_filename", "size")
    assert describe(difference) == (
        "account acc-1: notes.txt, 5 bytes; user_filename: listed 'old.txt', files has 'notes.txt'; "
        "size: listed 4, files has 5"
    )


def test_a_differing_delete_key_is_described_without_either_value():
    difference = difference_between(OWNED, replace(LISTED, delete_key="other-key"), SETTLED_BEFORE)

    assert difference is not None and difference.changed_fields == ("delete_key",)
    assert "delete_key differs" in describe(difference)
    assert "secret-delete-key" not in describe(difference) and "other-key" not in describe(difference)


def test_anything_newer_than_the_settled_moment_is_left_alone():
    assert difference_between(OWNED, None, CREATED) is None
    assert difference_between(None, LISTED, CREATED) is None
    assert difference_between(OWNED, replace(LISTED, size=1), CREATED) is None


def test_a_limited_file_listed_with_its_limits_is_no_difference():
    owned = replace(OWNED, expires_at=CREATED + timedelta(days=7), max_downloads=3)

    assert difference_between(owned, owned.as_listed(), SETTLED_BEFORE) is None


def test_an_entry_without_the_limits_files_has_differs_in_them():
    owned = replace(OWNED, expires_at=CREATED + timedelta(days=7), max_downloads=3)

    difference = difference_between(owned, LISTED, SETTLED_BEFORE)

    assert difference is not None and difference.kind is Difference.DIFFERING_IN_LIST
    assert difference.changed_fields == ("expires_at", "max_downloads")
