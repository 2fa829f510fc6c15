import pytest

from gateway.file_limits import (
    BadDownloadLimit,
    BadExpiry,
    ExpiryBeyondMaximum,
    ExpiryPolicy,
    parse_duration,
    parse_max_downloads,
)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("3600", 3600),
        ("90s", 90),
        ("30m", 1800),
        ("1h", 3600),
        ("7d", 604800),
        ("2w", 1209600),
        (" 1H ", 3600),
    ],
)
def test_durations_are_seconds_or_a_number_with_a_unit(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "0", "0h", "-5", "1.5h", "h", "1y", "1h30m", "١٢", "9" * 13, "1e3"])
def test_malformed_or_zero_durations_are_refused(text):
    with pytest.raises(BadExpiry):
        parse_duration(text)


def test_an_upload_asking_no_expiry_gets_the_default_else_the_maximum_else_never():
    assert ExpiryPolicy().expires_in(None) is None
    assert ExpiryPolicy(default_seconds=60).expires_in(None) == 60
    assert ExpiryPolicy(max_seconds=3600).expires_in(None) == 3600
    assert ExpiryPolicy(default_seconds=60, max_seconds=3600).expires_in(None) == 60


def test_an_expiry_beyond_the_maximum_is_refused_and_up_to_it_is_taken():
    policy = ExpiryPolicy(max_seconds=86400)
    assert policy.expires_in("1d") == 86400
    with pytest.raises(ExpiryBeyondMaximum):
        policy.expires_in("86401")


@pytest.mark.parametrize(("text", "limit"), [(None, None), ("1", 1), ("10", 10), (str(2**32 - 1), 2**32 - 1)])
def test_download_limits_are_whole_numbers_from_one(text, limit):
    assert parse_max_downloads(text) == limit


@pytest.mark.parametrize("text", ["", "0", "-1", "1.0", "abc", str(2**32), "²"])
def test_other_download_limits_are_refused(text):
    with pytest.raises(BadDownloadLimit):
        parse_max_downloads(text)
