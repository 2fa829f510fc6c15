"""How a download is answered, as pure functions of the file's metadata and the request headers:
Range (RFC 9110 §14), If-None-Match / If-Range validators, Content-Disposition (RFC 6266/5987).
"""

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import format_datetime, parsedate_to_datetime
from urllib.parse import quote

from gateway.content_types import Confinement, media_type_for
from gateway.models import StoredFile

# The browser's own image and media documents need their inline styles, and to load the file itself.
NO_SCRIPT_POLICY = "default-src 'none'; img-src 'self' data:; media-src 'self'; style-src 'unsafe-inline'"
SANDBOX_POLICY = f"{NO_SCRIPT_POLICY}; sandbox"
_POLICIES = {Confinement.SANDBOX: SANDBOX_POLICY, Confinement.NO_SCRIPT: NO_SCRIPT_POLICY}
_SINGLE_RANGE = re.compile(r"bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*", re.IGNORECASE)
_RFC5987_SAFE = "!#$&+-.^_`|~"


class UnsatisfiableRange(Exception):
    """The Range header is well formed but selects no byte of the file."""


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int  # inclusive

    @property
    def length(self) -> int:
        return self.end - self.start + 1

    def content_range(self, size: int) -> str:
        return f"bytes {self.start}-{self.end}/{size}"


@dataclass(frozen=True)
class DownloadPlan:
    status_code: int  # 200, 206 or 304
    headers: dict[str, str]
    byte_range: ByteRange | None  # what to send: None is the whole file (or nothing for a 304)


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """One range of bytes, or None to send the whole file (no header, malformed or several ranges).

    Raises UnsatisfiableRange when the one range starts past the end or asks for a zero suffix."""
    match = _SINGLE_RANGE.fullmatch(header) if header else None
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise UnsatisfiableRange
        return ByteRange(max(0, size - suffix), size - 1)
    start = int(first)
    if last and int(last) < start:
        return None
    if start >= size:
        raise UnsatisfiableRange
    end = min(int(last), size - 1) if last else size - 1
    return ByteRange(start, end)


def etag_for(sha256_hex: str) -> str:
    return f'"{sha256_hex}"'


def none_match(if_none_match: str | None, etag: str) -> bool:
    """If-None-Match uses the weak comparison: W/"x" matches "x"."""
    if if_none_match is None:
        return False
    if if_none_match.strip() == "*":
        return True
    return _opaque(etag) in {_opaque(tag) for tag in if_none_match.split(",")}


def if_range_allows_partial(if_range: str | None, etag: str, last_modified: str) -> bool:
    """If-Range uses the strong comparison; a date must equal Last-Modified."""
    if if_range is None:
        return True
    value = if_range.strip()
    if value.startswith(("W/", '"')):
        return value == etag
    return _same_http_date(value, last_modified)


def content_disposition(filename: str, *, inline: bool) -> str:
    kind = "inline" if inline else "attachment"
    encoded = quote(filename, safe=_RFC5987_SAFE)
    return f"{kind}; filename=\"{ascii_fallback(filename)}\"; filename*=UTF-8''{encoded}"


def ascii_fallback(filename: str) -> str:
    """The name in printable ASCII for old clients: accents dropped, other characters as "_"."""
    decomposed = unicodedata.normalize("NFKD", filename)
    kept = (char for char in decomposed if not unicodedata.combining(char))
    printable = "".join(char if " " <= char <= "~" else "_" for char in kept)
    return printable.replace("\\", "\\\\").replace('"', '\\"') or "file"


def plan_download(file: StoredFile, headers: Mapping[str, str]) -> DownloadPlan:
    """Raises UnsatisfiableRange for a 416."""
    representation = representation_headers(file)
    etag = representation["ETag"]
    if none_match(headers.get("if-none-match"), etag):
        return DownloadPlan(304, _not_modified_headers(representation), None)
    byte_range = _requested_range(file, headers, etag, representation["Last-Modified"])
    if byte_range is None:
        return DownloadPlan(200, {**representation, "Content-Length": str(file.size)}, None)
    partial = {"Content-Range": byte_range.content_range(file.size), "Content-Length": str(byte_range.length)}
    return DownloadPlan(206, {**representation, **partial}, byte_range)


def planned_bytes(content: bytes, plan: DownloadPlan) -> bytes:
    """What a plan sends of a file held whole: all of it, or its range."""
    byte_range = plan.byte_range
    return content if byte_range is None else content[byte_range.start : byte_range.end + 1]


def representation_headers(file: StoredFile) -> dict[str, str]:
    media = media_type_for(file.ext)
    headers = {
        "Content-Type": media.content_type,
        "Content-Disposition": content_disposition(file.user_filename, inline=media.inline),
        "ETag": etag_for(file.sha256),
        "Last-Modified": format_datetime(file.created_at, usegmt=True),
        # A limited file's downloads are counted: no cache may keep a copy to serve again.
        "Cache-Control": "no-store" if file.limited else "no-cache",
        "Accept-Ranges": "bytes",
        "X-Content-Type-Options": "nosniff",
    }
    policy = _POLICIES.get(media.confinement)
    if policy is not None:
        headers["Content-Security-Policy"] = policy
    return headers


def _requested_range(
    file: StoredFile, headers: Mapping[str, str], etag: str, last_modified: str
) -> ByteRange | None:
    range_header = headers.get("range")
    if range_header is None or not if_range_allows_partial(headers.get("if-range"), etag, last_modified):
        return None
    return parse_range(range_header, file.size)


def _not_modified_headers(representation: dict[str, str]) -> dict[str, str]:
    kept = ("ETag", "Last-Modified", "Cache-Control", "Content-Security-Policy", "X-Content-Type-Options")
    return {name: representation[name] for name in kept if name in representation}


def _opaque(tag: str) -> str:
    tag = tag.strip()
    return tag.removeprefix("W/")


def _same_http_date(value: str, last_modified: str) -> bool:
    try:
        return parsedate_to_datetime(value) == parsedate_to_datetime(last_modified)
    except (TypeError, ValueError):
        return False
