"""GET and HEAD /file/{file_url} and /f/{file_url} through the real app, against the fake files service."""

import hashlib
import os

import pytest

NO_SCRIPT = "default-src 'none'; img-src 'self' data:; media-src 'self'; style-src 'unsafe-inline'"
SANDBOX = f"{NO_SCRIPT}; sandbox"
DATA = os.urandom(200_000)


@pytest.fixture
def sample(fake_files) -> str:
    return fake_files.servicer.put("sample.bin", DATA).file_url


@pytest.mark.parametrize("prefix", ["/file/", "/f/"])
async def test_download_streams_the_whole_file_with_its_headers(client, sample, prefix):
    r = await client.get(prefix + sample)
    assert r.status_code == 200 and r.content == DATA
    assert r.headers["content-length"] == str(len(DATA))
    assert r.headers["etag"] == f'"{hashlib.sha256(DATA).hexdigest()}"'
    assert r.headers["accept-ranges"] == "bytes" and r.headers["cache-control"] == "no-cache"
    assert r.headers["last-modified"].endswith(" GMT")
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["content-security-policy"] == SANDBOX
    assert r.headers["content-type"] == "application/octet-stream"
    assert r.headers["content-disposition"] == (
        "attachment; filename=\"sample.bin\"; filename*=UTF-8''sample.bin"
    )


@pytest.mark.parametrize(
    "name,content_type",
    [
        ("a.txt", "text/plain; charset=utf-8"),
        ("a.csv", "text/csv; charset=utf-8"),
        ("a.svg", "image/svg+xml"),
        ("a.html", "text/plain; charset=utf-8"),
        ("a.js", "text/plain; charset=utf-8"),
    ],
)
async def test_download_serves_text_markup_and_svg_inline_under_the_sandbox(
    client, fake_files, name, content_type
):
    url = fake_files.servicer.put(name, b"<script>alert(1)</script>").file_url
    r = await client.get("/file/" + url)
    assert r.headers["content-type"] == content_type
    assert r.headers["content-disposition"].startswith("inline; ")
    assert r.headers["content-security-policy"] == SANDBOX


@pytest.mark.parametrize(
    "name,content_type",
    [
        ("a.png", "image/png"),
        ("a.jpg", "image/jpeg"),
        ("a.mp4", "video/mp4"),
        ("a.webm", "video/webm"),
        ("a.mp3", "audio/mpeg"),
    ],
)
async def test_download_serves_images_audio_and_video_with_no_script_but_no_sandbox(
    client, fake_files, name, content_type
):
    url = fake_files.servicer.put(name, b"some bytes").file_url
    for r in (
        await client.get("/file/" + url),
        await client.get("/file/" + url, headers={"range": "bytes=0-1"}),
    ):
        assert r.headers["content-type"] == content_type
        assert r.headers["content-disposition"].startswith("inline; ")
        assert r.headers["content-security-policy"] == NO_SCRIPT
        assert r.headers["x-content-type-options"] == "nosniff"


async def test_download_serves_pdf_without_the_sandbox(client, fake_files):
    url = fake_files.servicer.put("paper.pdf", b"%PDF-1.7").file_url
    r = await client.get("/file/" + url)
    assert r.headers["content-type"] == "application/pdf" and "content-security-policy" not in r.headers
    assert r.headers["x-content-type-options"] == "nosniff"


async def test_download_encodes_non_ascii_names_per_rfc_6266(client, fake_files):
    url = fake_files.servicer.put("résumé 2026.qqzz", b"cv").file_url
    disposition = (await client.get("/file/" + url)).headers["content-disposition"]
    assert disposition == (
        "attachment; filename=\"resume 2026.qqzz\"; filename*=UTF-8''r%C3%A9sum%C3%A9%202026.qqzz"
    )


@pytest.mark.parametrize("path", ["/file/doesnotexist1", "/f/doesnotexist1", "/file/" + "x" * 300])
async def test_download_is_404_when_the_file_is_unknown(client, path):
    r = await client.get(path)
    assert r.status_code == 404 and r.json() == {"status": "error", "message": "File not found"}


async def test_download_is_404_when_the_file_vanishes_before_reading(client, fake_files, sample):
    fake_files.servicer.vanish_before_read = True
    r = await client.get("/file/" + sample)
    assert r.status_code == 404 and r.json()["message"] == "File not found"


@pytest.fixture
async def streaming_client(make_client):
    """A gateway that never takes a file whole in ReadFile's first message: its bytes are streamed."""
    return await make_client(cache_max_file_bytes=0)


def asked_no_bytes(read) -> bool:
    return read.with_info and read.HasField("length") and read.length == 0


async def test_head_gives_the_headers_without_body_or_read(streaming_client, fake_files, sample):
    r = await streaming_client.head("/file/" + sample)
    assert r.status_code == 200 and r.content == b""
    assert r.headers["content-length"] == str(len(DATA)) and r.headers["accept-ranges"] == "bytes"
    [read] = fake_files.servicer.read_requests
    assert asked_no_bytes(read)


async def test_a_small_file_comes_whole_in_one_read(client, fake_files, sample):
    r = await client.get("/file/" + sample)
    assert r.status_code == 200 and r.content == DATA
    [read] = fake_files.servicer.read_requests
    assert read.with_info and read.inline_up_to >= len(DATA)


async def test_a_big_file_is_streamed_from_the_read_that_brought_its_metadata(
    streaming_client, fake_files, sample
):
    r = await streaming_client.get("/file/" + sample)
    assert r.status_code == 200 and r.content == DATA
    [read] = fake_files.servicer.read_requests
    assert read.with_info and not read.HasField("length")


@pytest.mark.parametrize(
    "header,start,end",
    [
        ("bytes=0-99", 0, 99),
        ("bytes=150000-", 150000, 199999),
        ("bytes=-500", 199500, 199999),
        ("bytes=199990-300000", 199990, 199999),
        ("bytes=70000-140000", 70000, 140000),
    ],
)
async def test_download_sends_exactly_the_requested_range(
    streaming_client, fake_files, sample, header, start, end
):
    r = await streaming_client.get("/file/" + sample, headers={"Range": header})
    assert r.status_code == 206
    assert r.headers["content-range"] == f"bytes {start}-{end}/{len(DATA)}"
    assert r.headers["content-length"] == str(end - start + 1)
    assert r.content == DATA[start : end + 1]
    read = fake_files.servicer.read_requests[-1]
    assert (read.offset, read.length) == (start, end - start + 1)


@pytest.mark.parametrize(
    "header,start,end",
    [
        ("bytes=0-99", 0, 99),
        ("bytes=150000-", 150000, 199999),
        ("bytes=-500", 199500, 199999),
        ("bytes=199990-300000", 199990, 199999),
    ],
)
async def test_a_range_of_a_small_file_is_cut_from_the_whole_file_read_once(
    client, streaming_client, fake_files, sample, header, start, end
):
    headers = {"Range": header, "X-Request-ID": "same"}
    streamed = await streaming_client.get("/file/" + sample, headers=headers)
    reads_before = len(fake_files.servicer.read_requests)
    r = await client.get("/file/" + sample, headers=headers)
    assert r.status_code == 206 and r.content == DATA[start : end + 1]
    assert r.headers == streamed.headers
    [read] = fake_files.servicer.read_requests[reads_before:]
    assert read.with_info and read.inline_up_to >= len(DATA)


async def test_head_with_a_range_gives_partial_headers(streaming_client, fake_files, sample):
    r = await streaming_client.head("/file/" + sample, headers={"Range": "bytes=0-9"})
    assert r.status_code == 206 and r.headers["content-range"] == f"bytes 0-9/{len(DATA)}"
    assert r.headers["content-length"] == "10"
    [read] = fake_files.servicer.read_requests
    assert asked_no_bytes(read)


async def test_download_is_416_when_the_range_is_unsatisfiable(client, sample):
    r = await client.get("/file/" + sample, headers={"Range": "bytes=300000-"})
    assert r.status_code == 416 and r.headers["content-range"] == f"bytes */{len(DATA)}"
    assert r.json() == {"status": "error", "message": "Requested range not satisfiable"}


@pytest.mark.parametrize("header", ["bytes=0-9,20-29", "bytes=9-0", "lines=1-2", "bytes=x-"])
async def test_download_sends_whole_file_when_range_is_malformed_or_multiple(client, sample, header):
    r = await client.get("/file/" + sample, headers={"Range": header})
    assert r.status_code == 200 and r.content == DATA


async def test_download_answers_304_when_if_none_match_matches(client, sample):
    etag = (await client.head("/file/" + sample)).headers["etag"]
    for header in (etag, f"W/{etag}", '"other", ' + etag, "*"):
        r = await client.get("/file/" + sample, headers={"If-None-Match": header})
        assert r.status_code == 304 and r.content == b"" and r.headers["etag"] == etag
    changed = await client.get("/file/" + sample, headers={"If-None-Match": '"something-else"'})
    assert changed.status_code == 200 and changed.content == DATA


async def test_download_sends_whole_file_when_if_range_is_stale(client, sample):
    r = await client.get("/file/" + sample, headers={"Range": "bytes=0-9", "If-Range": '"stale"'})
    assert r.status_code == 200 and r.content == DATA


async def test_download_sends_the_range_when_if_range_matches(client, sample):
    etag = (await client.head("/file/" + sample)).headers["etag"]
    r = await client.get("/file/" + sample, headers={"Range": "bytes=0-9", "If-Range": etag})
    assert r.status_code == 206 and r.content == DATA[:10]


async def test_download_of_an_empty_file_sends_no_bytes(client, fake_files):
    url = fake_files.servicer.put("empty.txt", b"").file_url
    r = await client.get("/file/" + url)
    assert r.status_code == 200 and r.content == b"" and r.headers["content-length"] == "0"


@pytest.fixture
async def caching_client(make_app, client_of):
    """A gateway whose cache keeps files of up to 1000 bytes whole (as if it heard deletes over NATS)."""
    app = await make_app(cache_max_file_bytes=1000)
    app.state.file_cache.start_listening()
    return client_of(app)


async def test_a_cached_small_file_is_answered_with_no_rpc(caching_client, fake_files):
    url = fake_files.servicer.put("a.txt", b"0123456789").file_url
    await caching_client.get("/file/" + url)
    reads = len(fake_files.servicer.read_requests)

    whole = await caching_client.get("/file/" + url)
    part = await caching_client.get("/file/" + url, headers={"Range": "bytes=2-4"})
    head = await caching_client.head("/file/" + url)

    assert (whole.content, part.status_code, part.content, head.status_code) == (
        b"0123456789",
        206,
        b"234",
        200,
    )
    assert len(fake_files.servicer.read_requests) == reads


async def test_a_cached_big_file_costs_one_read_of_exactly_the_range(caching_client, fake_files, sample):
    await caching_client.head("/file/" + sample)
    reads = len(fake_files.servicer.read_requests)

    r = await caching_client.get("/file/" + sample, headers={"Range": "bytes=1000-1999"})
    head = await caching_client.head("/file/" + sample)

    assert r.status_code == 206 and r.content == DATA[1000:2000] and head.status_code == 200
    [read] = fake_files.servicer.read_requests[reads:]
    assert (read.offset, read.length, read.with_info) == (1000, 1000, False)


async def test_a_delete_through_this_gateway_is_forgotten_before_it_is_answered(caching_client, fake_files):
    url = fake_files.servicer.put("a.txt", b"0123456789").file_url
    key = fake_files.servicer.blobs[url].delete_key
    assert (await caching_client.get("/file/" + url)).status_code == 200

    assert (await caching_client.get(f"/api/delete/{url}", params={"key": key})).status_code == 200
    assert (await caching_client.get("/file/" + url)).status_code == 404


async def test_without_nats_nothing_is_cached(client, fake_files):
    url = fake_files.servicer.put("a.txt", b"0123456789").file_url
    await client.get("/file/" + url)
    await client.get("/file/" + url)
    assert len(fake_files.servicer.read_requests) == 2


@pytest.mark.parametrize(
    "headers,status,body",
    [
        ({}, 200, DATA),
        ({"Range": "bytes=10-19"}, 206, DATA[10:20]),
    ],
    ids=["whole", "range"],
)
async def test_a_files_service_older_than_read_with_info_is_still_downloaded_from(
    client, fake_files, sample, headers, status, body
):
    fake_files.servicer.read_without_info = True
    r = await client.get("/file/" + sample, headers=headers)
    head = await client.head("/file/" + sample)
    assert (r.status_code, r.content) == (status, body)
    assert head.status_code == 200 and head.headers["content-length"] == str(len(DATA))
