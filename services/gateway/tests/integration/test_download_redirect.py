"""FU_GATEWAY_DOWNLOAD_REDIRECT=presigned: GET answered with a redirect to the object store, where it is
safe and files can make the URL; everything else as without it."""

import logging

import pytest

STORE = "https://s3.example.test/bucket"
DATA = b"\x89PNG not really"


@pytest.fixture
async def redirecting(make_client, fake_files):
    fake_files.servicer.download_url_base = STORE
    return await make_client(download_redirect="presigned")


@pytest.fixture
def png(fake_files) -> str:
    return fake_files.servicer.put("photo 1.png", DATA).file_url


@pytest.mark.parametrize("prefix", ["/file/", "/f/"])
async def test_get_redirects_to_a_url_answering_with_the_downloads_headers(
    redirecting, fake_files, png, prefix
):
    r = await redirecting.get(prefix + png)

    assert r.status_code == 302 and r.content == b""
    assert r.headers["location"] == f"{STORE}/{png}?X-Amz-Signature=s"
    assert r.headers["cache-control"] == "no-store"
    [asked] = fake_files.servicer.download_url_requests
    assert (asked.file_url, asked.content_type, asked.cache_control) == (png, "image/png", "no-cache")
    assert asked.content_disposition == "inline; filename=\"photo 1.png\"; filename*=UTF-8''photo%201.png"
    [read] = fake_files.servicer.read_requests
    assert read.with_info and read.HasField("length") and read.length == 0, (
        "no bytes are streamed for a redirect"
    )


async def test_get_with_a_range_redirects_too(redirecting, png):
    r = await redirecting.get("/file/" + png, headers={"Range": "bytes=0-3"})

    assert r.status_code == 302


async def test_head_304_and_416_are_answered_by_the_gateway(redirecting, fake_files, png):
    head = await redirecting.head("/file/" + png)
    not_modified = await redirecting.get("/file/" + png, headers={"If-None-Match": head.headers["etag"]})
    unsatisfiable = await redirecting.get("/file/" + png, headers={"Range": "bytes=999-"})

    assert (head.status_code, not_modified.status_code, unsatisfiable.status_code) == (200, 304, 416)
    assert unsatisfiable.json()["status"] == "error"
    assert fake_files.servicer.download_url_requests == []


@pytest.mark.parametrize(
    "name", ["page.html", "page.htm", "page.xhtml", "feed.xml", "app.js", "mod.mjs", "logo.svg", "LOGO.SVG"]
)
async def test_active_content_is_streamed_under_the_sandbox_never_redirected(redirecting, fake_files, name):
    url = fake_files.servicer.put(name, b"<script>alert(1)</script>").file_url

    r = await redirecting.get("/file/" + url)

    assert r.status_code == 200 and r.content == b"<script>alert(1)</script>"
    assert "sandbox" in r.headers["content-security-policy"]
    assert fake_files.servicer.download_url_requests == []


async def test_download_is_streamed_when_files_cannot_make_urls(make_client, fake_files, png, caplog):
    client = await make_client(download_redirect="presigned")

    with caplog.at_level(logging.WARNING, logger="gateway.clients.files"):
        first = await client.get("/file/" + png)
        second = await client.get("/file/" + png)

    assert (first.status_code, first.content, second.status_code, second.content) == (200, DATA, 200, DATA)
    assert len(fake_files.servicer.download_url_requests) == 2
    assert caplog.text.count("files made no download URL") == 1


async def test_download_is_streamed_when_files_predates_download_urls(redirecting, fake_files, png):
    fake_files.servicer.download_urls_unimplemented = True

    r = await redirecting.get("/file/" + png)

    assert r.status_code == 200 and r.content == DATA
    assert len(fake_files.servicer.download_url_requests) == 1


async def test_download_of_an_unknown_file_is_404_without_a_url(redirecting, fake_files):
    r = await redirecting.get("/file/doesnotexist1")

    assert r.status_code == 404 and r.json() == {"status": "error", "message": "File not found"}
    assert fake_files.servicer.download_url_requests == []


async def test_redirect_is_off_by_default(client, fake_files, png):
    fake_files.servicer.download_url_base = STORE

    r = await client.get("/file/" + png)

    assert r.status_code == 200 and r.content == DATA
    assert fake_files.servicer.download_url_requests == []
