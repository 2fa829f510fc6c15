"""The page's files, read once from the package into memory (they are small), each with its media type
and a validator; the set as a whole is named by a hash of its contents, which goes into every asset's
URL, so a browser may keep an asset for a year and still never runs a stale one after an upgrade."""

import hashlib
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

INDEX = "index.html"
_MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}


@dataclass(frozen=True)
class Asset:
    body: bytes
    media_type: str
    etag: str


@dataclass(frozen=True)
class AssetSet:
    version: str
    assets: dict[str, Asset]
    index_template: str


def asset(body: bytes, media_type: str) -> Asset:
    return Asset(body, media_type, f'"{hashlib.sha256(body).hexdigest()[:32]}"')


@cache
def load_assets() -> AssetSet:
    directory = files("gateway.web") / "static"
    bodies = {
        entry.name: entry.read_bytes()
        for entry in directory.iterdir()
        if entry.is_file() and entry.name.endswith(tuple(_MEDIA_TYPES))
    }
    index_template = bodies.pop(INDEX).decode()
    digest = hashlib.sha256()
    for name in sorted(bodies):
        digest.update(name.encode() + b"\0" + hashlib.sha256(bodies[name]).digest())
    assets = {name: asset(body, _media_type(name)) for name, body in bodies.items()}
    return AssetSet(digest.hexdigest()[:16], assets, index_template)


def _media_type(name: str) -> str:
    return _MEDIA_TYPES["." + name.rsplit(".", 1)[-1]]
