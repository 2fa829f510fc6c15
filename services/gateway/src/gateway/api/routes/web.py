"""The web page at `/` and its assets under `/static/<version>/`: the page itself is revalidated on
every visit (it names the assets' current version), the assets are kept for a year.

The page runs under a strict Content-Security-Policy: only this origin's own scripts, styles and
connections; images and media also from blob: and data: URLs, which only the page itself can make."""

from functools import lru_cache

from fastapi import APIRouter, Request, Response
from starlette.exceptions import HTTPException

from gateway.web.assets import Asset, asset, load_assets

PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
    "media-src 'self' blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'self'"
)
STATIC_PREFIX = "/static"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"

router = APIRouter(include_in_schema=False)


@router.api_route("/", methods=["GET", "HEAD"])
async def page(request: Request) -> Response:
    index = _rendered_index(request.app.state.settings.max_upload_bytes)
    headers = {
        "Content-Security-Policy": PAGE_POLICY,
        "Referrer-Policy": "no-referrer",
        "X-Frame-Options": "DENY",
    }
    return _answer(request, index, REVALIDATE, headers)


@router.api_route(STATIC_PREFIX + "/{version}/{name}", methods=["GET", "HEAD"])
async def static_asset(request: Request, version: str, name: str) -> Response:
    assets = load_assets()
    found = assets.assets.get(name)
    if found is None:
        raise HTTPException(status_code=404)
    # An older or newer page (a rolling upgrade) still gets a working asset, but only this version's
    # URL may be kept for good.
    caching = IMMUTABLE if version == assets.version else REVALIDATE
    return _answer(request, found, caching, {})


@lru_cache(maxsize=4)
def _rendered_index(max_upload_bytes: int) -> Asset:
    assets = load_assets()
    html = assets.index_template.replace("{{static}}", f"{STATIC_PREFIX}/{assets.version}").replace(
        "{{max_upload_bytes}}", str(max_upload_bytes)
    )
    return asset(html.encode(), "text/html; charset=utf-8")


def _answer(request: Request, found: Asset, caching: str, headers: dict[str, str]) -> Response:
    headers = {**headers, "Cache-Control": caching, "ETag": found.etag}
    if found.etag in _etags(request.headers.get("if-none-match", "")):
        return Response(status_code=304, headers=headers)
    body = b"" if request.method == "HEAD" else found.body
    response = Response(body, media_type=found.media_type, headers=headers)
    if request.method == "HEAD":
        response.headers["Content-Length"] = str(len(found.body))
    return response


def _etags(header: str) -> set[str]:
    return {tag.strip().removeprefix("W/") for tag in header.split(",")}
