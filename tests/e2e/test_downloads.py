"""Downloads (contract 1.2): types, dispositions, ranges, validators, and active content kept inert."""

import os

import pytest

from support.api import assert_error, client, uploaded

SANDBOX = "sandbox"


@pytest.fixture(scope="module")
def sample(stack):
    data = os.urandom(10_000)
    with client(stack.gateway_url) as c:
        return uploaded(c, "sample.bin", data)["file_url"], data


@pytest.mark.parametrize(
    "name,content_type",
    [
        ("a.png", "image/png"),
        ("a.jpg", "image/jpeg"),
        ("a.gif", "image/gif"),
        ("a.mp4", "video/mp4"),
        ("a.mp3", "audio/mpeg"),
        ("a.txt", "text/plain"),
        ("a.webp", "image/webp"),
        ("a.webm", "video/webm"),
        ("a.csv", "text/csv"),
        ("a.pdf", "application/pdf"),
    ],
)
def test_known_types_are_served_inline_with_their_content_type(base_url, name, content_type):
    with client(base_url) as c:
        url = uploaded(c, name, b"some bytes")["file_url"]
        for prefix in ("/file/", "/f/"):
            r = c.get(prefix + url)
            assert r.status_code == 200 and r.content == b"some bytes"
            assert r.headers["content-type"].split(";")[0] == content_type
            assert r.headers["content-disposition"].startswith("inline")
            assert r.headers["x-content-type-options"] == "nosniff"


def test_unknown_type_is_an_attachment_with_the_original_name(base_url):
    with client(base_url) as c:
        url = uploaded(c, "data.qqzz", b"opaque")["file_url"]
        r = c.get("/file/" + url)
    assert r.headers["content-type"] == "application/octet-stream"
    assert (
        r.headers["content-disposition"].startswith("attachment")
        and 'filename="data.qqzz"' in r.headers["content-disposition"]
    )


def test_non_ascii_name_uses_rfc6266_encoding(base_url):
    with client(base_url) as c:
        url = uploaded(c, "résumé 2026.qqzz", b"cv")["file_url"]
        disposition = c.get("/file/" + url).headers["content-disposition"]
    assert "filename*=UTF-8''r%C3%A9sum%C3%A9%202026.qqzz" in disposition
    assert disposition.isascii()


@pytest.mark.parametrize("name", ["page.html", "page.htm", "page.xhtml", "feed.xml", "app.js"])
def test_markup_and_scripts_are_served_as_plain_text_in_a_sandbox(base_url, name):
    with client(base_url) as c:
        url = uploaded(c, name, b"<script>alert(document.cookie)</script>")["file_url"]
        r = c.get("/file/" + url)
    assert r.headers["content-type"].startswith("text/plain")
    assert SANDBOX in r.headers["content-security-policy"]
    assert "default-src 'none'" in r.headers["content-security-policy"]


def test_svg_keeps_its_type_under_a_sandbox(base_url):
    with client(base_url) as c:
        url = uploaded(
            c, "logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
        )["file_url"]
        r = c.get("/file/" + url)
    assert r.headers["content-type"].startswith("image/svg+xml")
    assert SANDBOX in r.headers["content-security-policy"]


def test_unknown_file_is_404(base_url):
    with client(base_url) as c:
        for path in ("/file/doesnotexist1", "/f/doesnotexist1", "/file/" + "x" * 300):
            assert_error(c.get(path), 404, "File not found")


def test_head_gives_the_headers_without_a_body(base_url, sample):
    url, data = sample
    with client(base_url) as c:
        r = c.head("/file/" + url)
    assert r.status_code == 200 and r.content == b""
    assert int(r.headers["content-length"]) == len(data) and r.headers["accept-ranges"] == "bytes"


@pytest.mark.parametrize(
    "header,start,end",
    [
        ("bytes=0-99", 0, 99),
        ("bytes=9000-", 9000, 9999),
        ("bytes=-500", 9500, 9999),
        ("bytes=9990-20000", 9990, 9999),
    ],
)
def test_range_gives_206_with_exactly_those_bytes(base_url, sample, header, start, end):
    url, data = sample
    with client(base_url) as c:
        r = c.get("/file/" + url, headers={"Range": header})
    assert r.status_code == 206
    assert r.headers["content-range"] == f"bytes {start}-{end}/{len(data)}"
    assert r.content == data[start : end + 1]


def test_unsatisfiable_range_is_416(base_url, sample):
    url, data = sample
    with client(base_url) as c:
        r = c.get("/file/" + url, headers={"Range": "bytes=20000-"})
    assert r.status_code == 416 and r.headers["content-range"] == f"bytes */{len(data)}"
    assert r.json()["status"] == "error"


def test_etag_revalidation_gives_304(base_url, sample):
    url, _ = sample
    with client(base_url) as c:
        etag = c.get("/file/" + url).headers["etag"]
        r = c.get("/file/" + url, headers={"If-None-Match": etag})
        changed = c.get("/file/" + url, headers={"If-None-Match": '"something-else"'})
    assert r.status_code == 304 and r.content == b"" and r.headers["etag"] == etag
    assert changed.status_code == 200


def test_if_range_with_a_stale_etag_sends_the_whole_file(base_url, sample):
    url, data = sample
    with client(base_url) as c:
        r = c.get("/file/" + url, headers={"Range": "bytes=0-9", "If-Range": '"stale"'})
    assert r.status_code == 200 and r.content == data
