"""The web page at / and its assets: media types, caching, the page's Content-Security-Policy, and
that the page never takes anything from the API's behaviour."""

import re
from html.parser import HTMLParser

import pytest

from gateway.api.routes.web import PAGE_POLICY

ASSET_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}
YEAR = "public, max-age=31536000, immutable"


class References(HTMLParser):
    """The URLs a page loads, and anything inline (scripts, style attributes, event handlers)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline: list[str] = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "script" and not values.get("src"):
            self.inline.append("<script> without src")
        if tag == "style":
            self.inline.append("<style>")
        self.inline += [f"{tag} {name}" for name in values if name == "style" or name.startswith("on")]
        url = values.get("src") or (values.get("href") if tag == "link" else None)
        if url:
            self.urls.append(url)


def references(html: str) -> References:
    parser = References()
    parser.feed(html)
    return parser


async def test_the_page_is_html_under_a_strict_policy_and_always_revalidated(client):
    r = await client.get("/")

    assert r.status_code == 200
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    assert r.headers["content-security-policy"] == PAGE_POLICY
    assert "script-src 'self';" in PAGE_POLICY and "frame-ancestors 'none'" in PAGE_POLICY
    assert r.headers["cache-control"] == "no-cache" and r.headers["etag"]
    assert r.headers["x-content-type-options"] == "nosniff"
    assert references(r.text).inline == []


async def test_an_unchanged_page_or_asset_is_answered_304(client):
    page = await client.get("/")
    asset = references(page.text).urls[0]
    first = await client.get(asset)

    again = await client.get("/", headers={"If-None-Match": page.headers["etag"]})
    asset_again = await client.get(asset, headers={"If-None-Match": f"W/{first.headers['etag']}"})

    assert (again.status_code, again.content) == (304, b"")
    assert (asset_again.status_code, asset_again.content) == (304, b"")


async def test_every_asset_is_served_with_its_media_type_and_kept_for_a_year(client):
    # The page's own references, then every module the scripts import, followed transitively.
    pending = references((await client.get("/")).text).urls
    served = {}
    while pending:
        url = pending.pop()
        if url in served:
            continue
        served[url] = await client.get(url)
        folder = url.rsplit("/", 1)[0]
        pending += [f"{folder}/{name}" for name in re.findall(r"from '\./([\w.-]+\.js)'", served[url].text)]

    assert {url.rsplit(".", 1)[-1] for url in served} == {"js", "css", "svg"}
    assert len([url for url in served if url.endswith(".js")]) >= 5
    for url, r in served.items():
        assert r.status_code == 200, url
        assert r.headers["content-type"] == ASSET_TYPES["." + url.rsplit(".", 1)[-1]], url
        assert r.headers["cache-control"] == YEAR, url
        assert r.headers["etag"] and r.headers["x-content-type-options"] == "nosniff", url


async def test_assets_come_from_the_page_origin_and_weigh_under_150_kb(client):
    from gateway.web.assets import load_assets

    page = await client.get("/")
    total = len(page.content) + sum(len(a.body) for a in load_assets().assets.values())

    assert all(url.startswith("/static/") for url in references(page.text).urls)
    assert total < 150 * 1024


async def test_an_asset_of_another_version_is_served_but_not_kept(client):
    current = next(u for u in references((await client.get("/")).text).urls if u.endswith("app.js"))
    other = re.sub(r"/static/[^/]+/", "/static/0000000000000000/", current)

    r = await client.get(other)

    assert r.status_code == 200 and r.headers["cache-control"] == "no-cache"
    assert r.content == (await client.get(current)).content


@pytest.mark.parametrize("path", ["/static/v/nothing.js", "/static/v/index.html", "/static/v/../main.py"])
async def test_an_unknown_asset_is_the_json_404(client, path):
    r = await client.get(path)
    assert r.status_code == 404 and r.json() == {"status": "error", "message": "Not Found"}


async def test_head_of_the_page_has_its_headers_and_no_body(client):
    get, head = await client.get("/"), await client.head("/")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(get.content))
    assert head.headers["etag"] == get.headers["etag"]


async def test_another_method_on_the_page_is_the_json_405(client):
    r = await client.post("/")
    assert r.status_code == 405 and r.json() == {"status": "error", "message": "Method Not Allowed"}
    assert r.headers["allow"] == "GET, HEAD"


async def test_the_page_tells_the_browser_the_upload_limit(make_client):
    client = await make_client(max_upload_bytes=4096)
    assert '<meta name="fu-max-upload-bytes" content="4096">' in (await client.get("/")).text


async def test_the_page_is_not_part_of_the_api_description(client):
    paths = (await client.get("/openapi.json")).json()["paths"]
    assert "/" not in paths and not any(path.startswith("/static") for path in paths)
