from datetime import UTC, datetime, timedelta

import pytest

from files_service.domain.errors import BadLimits
from files_service.domain.events import FileDeleted, FileUploaded
from files_service.domain.limits import FileLimits, Limits, PurgeReason
from files_service.domain.model import StoredFile

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
GRACE = timedelta(minutes=30)


@pytest.mark.parametrize(
    "limits",
    [
        {"expires_in": timedelta(0)},
        {"expires_in": timedelta(seconds=-1)},
        {"max_downloads": 0},
        {"max_downloads": 2**32},
    ],
)
def test_an_expiry_that_is_not_positive_or_a_limit_below_one_is_refused(limits):
    with pytest.raises(BadLimits):
        Limits(**limits)


def test_a_file_starts_with_its_expiry_from_its_creation_and_every_download_left():
    limits = FileLimits.starting(Limits(expires_in=timedelta(hours=1), max_downloads=3), NOW)
    assert limits == FileLimits(expires_at=NOW + timedelta(hours=1), max_downloads=3, downloads_left=3)


def test_a_file_without_limits_is_served_for_ever():
    limits = FileLimits.starting(Limits(), NOW)
    assert limits.served(NOW + timedelta(days=10_000), GRACE)
    assert limits.purge_reason(NOW + timedelta(days=10_000), GRACE) is None


def test_an_expired_file_is_not_served_from_the_moment_of_its_expiry_and_is_purged_as_expired():
    limits = FileLimits(expires_at=NOW)
    assert limits.served(NOW - timedelta(microseconds=1), GRACE)
    assert not limits.served(NOW, GRACE)
    assert limits.purge_reason(NOW, GRACE) is PurgeReason.EXPIRED


def test_a_used_up_file_serves_seeks_for_the_grace_then_is_purged_for_its_download_limit():
    limits = FileLimits(max_downloads=2, downloads_left=0, used_up_at=NOW)
    assert limits.used_up and limits.served(NOW + GRACE - timedelta(seconds=1), GRACE)
    assert limits.purge_reason(NOW + GRACE - timedelta(seconds=1), GRACE) is None
    assert not limits.served(NOW + GRACE, GRACE)
    assert limits.purge_reason(NOW + GRACE, GRACE) is PurgeReason.DOWNLOAD_LIMIT


def test_expiry_wins_over_the_download_limit_as_the_reason():
    limits = FileLimits(expires_at=NOW, max_downloads=1, downloads_left=0, used_up_at=NOW - GRACE)
    assert limits.purge_reason(NOW, GRACE) is PurgeReason.EXPIRED


def test_the_limits_differ_in_the_fingerprint_only_when_asked():
    assert Limits().fingerprint == ""
    assert Limits(max_downloads=1).fingerprint != Limits(max_downloads=2).fingerprint
    assert Limits(expires_in=timedelta(hours=1)).fingerprint != Limits(max_downloads=1).fingerprint


def test_events_carry_the_expiry_the_limit_and_the_purge_reason():
    stored = StoredFile(
        "abc",
        "k" * 32,
        "a.txt",
        ".txt",
        3,
        "s" * 64,
        "d" * 36,
        "acc",
        NOW,
        FileLimits(expires_at=NOW + GRACE, max_downloads=5, downloads_left=5),
    )
    uploaded = FileUploaded.of(stored, "e1", NOW)
    assert (uploaded.expires_at, uploaded.max_downloads) == (NOW + GRACE, 5)
    assert FileDeleted.of(stored, "e2", NOW, purged=PurgeReason.DOWNLOAD_LIMIT).reason == "download_limit"
    assert FileDeleted.of(stored, "e3", NOW).reason == "deleted_with_key"
