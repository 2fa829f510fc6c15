from datetime import UTC, datetime

import pytest

from gateway.downloads import (
    NO_SCRIPT_POLICY,
    SANDBOX_POLICY,
    ByteRange,
    UnsatisfiableRange,
    ascii_fallback,
    content_disposition,
    if_range_allows_partial,
    none_match,
    parse_range,
    plan_download,
    planned_bytes,
)
from gateway.models import StoredFile

ETAG = '"abc123"'
LAST_MODIFIED = "Wed, 01 Jan 2025 10:00:00 GMT"


def stored(name: str = "clip.mp4", ext: str = ".mp4", size: int = 1000) -> StoredFile:
    return StoredFile(
        file_url="u1",
        ext=ext,
        user_filename=name,
        size=size,
        sha256="abc123",
        created_at=datetime(2025, 1, 1, 10, 0, tzinfo=UTC),
    )


@pytest.mark.parametrize(
    "header,expected",
    [
        ("bytes=0-99", ByteRange(0, 99)),
        ("bytes=900-", ByteRange(900, 999)),
        ("bytes=-100", ByteRange(900, 999)),
        ("bytes=-5000", ByteRange(0, 999)),
        ("bytes=990-20000", ByteRange(990, 999)),
        ("bytes=0-0", ByteRange(0, 0)),
        ("BYTES = 5 - 9", ByteRange(5, 9)),
    ],
)
def test_parse_range_selects_bytes_when_one_range_is_given(header, expected):
    assert parse_range(header, 1000) == expected


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "bytes=0-9,20-29",
        "bytes=9-0",
        "bytes=-",
        "items=0-9",
        "bytes=a-b",
        "bytes 0-9",
        "bytes=0-9;",
    ],
)
def test_parse_range_ignores_the_header_when_malformed_or_several_ranges(header):
    assert parse_range(header, 1000) is None


@pytest.mark.parametrize(
    "header,size",
    [("bytes=1000-", 1000), ("bytes=5000-6000", 1000), ("bytes=-0", 1000), ("bytes=0-", 0), ("bytes=-10", 0)],
)
def test_parse_range_raises_when_unsatisfiable(header, size):
    with pytest.raises(UnsatisfiableRange):
        parse_range(header, size)


def test_byte_range_content_range_names_first_last_and_size():
    assert ByteRange(10, 19).content_range(100) == "bytes 10-19/100"
    assert ByteRange(10, 19).length == 10


@pytest.mark.parametrize(
    "header,matches",
    [
        ('"abc123"', True),
        ('W/"abc123"', True),
        ('"x", "abc123"', True),
        ("*", True),
        (" * ", True),
        ('"other"', False),
        ("abc123", False),
        (None, False),
        ("", False),
    ],
)
def test_none_match_compares_weakly(header, matches):
    assert none_match(header, ETAG) is matches


@pytest.mark.parametrize(
    "header,allows",
    [
        (None, True),
        ('"abc123"', True),
        ('"stale"', False),
        ('W/"abc123"', False),
        (LAST_MODIFIED, True),
        ("Thu, 02 Jan 2025 10:00:00 GMT", False),
        ("not a date", False),
    ],
)
def test_if_range_allows_partial_only_when_validator_matches_strongly(header, allows):
    assert if_range_allows_partial(header, ETAG, LAST_MODIFIED) is allows


def test_content_disposition_encodes_non_ascii_names_per_rfc_5987():
    header = content_disposition("résumé 2026.qqzz", inline=False)
    assert header == (
        "attachment; filename=\"resume 2026.qqzz\"; filename*=UTF-8''r%C3%A9sum%C3%A9%202026.qqzz"
    )
    assert header.isascii()


def test_content_disposition_escapes_quotes_and_backslashes_in_fallback():
    header = content_disposition('say "hi"\\now.txt', inline=True)
    assert header.startswith('inline; filename="say \\"hi\\"\\\\now.txt"; ')
    assert "filename*=UTF-8''say%20%22hi%22%5Cnow.txt" in header


def test_ascii_fallback_replaces_characters_without_ascii_form():
    assert ascii_fallback("写真.png") == "__.png"
    assert ascii_fallback("line\r\nbreak.txt") == "line__break.txt"
    assert ascii_fallback("") == "file"


def test_plan_download_sends_whole_file_with_representation_headers():
    plan = plan_download(stored(), {})
    assert plan.status_code == 200 and plan.byte_range is None
    assert plan.headers["Content-Type"] == "video/mp4"
    assert plan.headers["Content-Length"] == "1000"
    assert plan.headers["ETag"] == ETAG
    assert plan.headers["Last-Modified"] == LAST_MODIFIED
    assert plan.headers["Cache-Control"] == "no-cache"
    assert plan.headers["Accept-Ranges"] == "bytes"
    assert plan.headers["X-Content-Type-Options"] == "nosniff"
    assert plan.headers["Content-Security-Policy"] == NO_SCRIPT_POLICY
    assert plan.headers["Content-Disposition"].startswith("inline; ")


def test_plan_download_answers_206_when_range_is_given():
    plan = plan_download(stored(), {"range": "bytes=10-19"})
    assert plan.status_code == 206 and plan.byte_range == ByteRange(10, 19)
    assert plan.headers["Content-Range"] == "bytes 10-19/1000" and plan.headers["Content-Length"] == "10"


def test_plan_download_answers_304_when_etag_matches():
    plan = plan_download(stored(), {"if-none-match": ETAG, "range": "bytes=0-1"})
    assert plan.status_code == 304
    assert plan.headers["ETag"] == ETAG and "Content-Length" not in plan.headers


def test_plan_download_sends_whole_file_when_if_range_is_stale():
    plan = plan_download(stored(), {"range": "bytes=0-9", "if-range": '"stale"'})
    assert plan.status_code == 200 and plan.headers["Content-Length"] == "1000"


def test_plan_download_raises_when_range_is_unsatisfiable():
    with pytest.raises(UnsatisfiableRange):
        plan_download(stored(size=10), {"range": "bytes=10-"})


def test_plan_download_serves_unknown_types_as_attachment():
    plan = plan_download(stored("data.qqzz", ".qqzz"), {})
    assert plan.headers["Content-Type"] == "application/octet-stream"
    assert plan.headers["Content-Disposition"].startswith('attachment; filename="data.qqzz"')


def test_plan_download_leaves_pdf_without_sandbox():
    plan = plan_download(stored("doc.pdf", ".pdf"), {})
    assert plan.headers["Content-Type"] == "application/pdf"
    assert "Content-Security-Policy" not in plan.headers


def test_plan_download_sandboxes_text_and_keeps_the_policy_on_304():
    plan = plan_download(stored("notes.txt", ".txt"), {})
    assert plan.headers["Content-Security-Policy"] == SANDBOX_POLICY
    revalidated = plan_download(stored("notes.txt", ".txt"), {"if-none-match": ETAG})
    assert revalidated.status_code == 304 and revalidated.headers["Content-Security-Policy"] == SANDBOX_POLICY


CONTENT = bytes(range(256)) * 4  # 1000 bytes below, as stored() says


@pytest.mark.parametrize(
    "headers,expected",
    [
        ({}, CONTENT[:1000]),
        ({"range": "bytes=0-99"}, CONTENT[:100]),
        ({"range": "bytes=-10"}, CONTENT[990:1000]),
        ({"range": "bytes=995-5000"}, CONTENT[995:1000]),
        ({"range": "bytes=0-9,20-29"}, CONTENT[:1000]),
        ({"range": "bytes=0-9", "if-range": '"other"'}, CONTENT[:1000]),
        ({"range": "bytes=0-9", "if-range": ETAG}, CONTENT[:10]),
    ],
)
def test_a_file_held_whole_sends_what_the_plan_says(headers, expected):
    content = CONTENT[:1000]
    plan = plan_download(stored(), headers)
    body = planned_bytes(content, plan)
    assert body == expected and int(plan.headers["Content-Length"]) == len(body)
