"""Which media type a download is served as, chosen from the file's extension alone.

Markup and scripts (HTML, XHTML, XML, JavaScript) are served as plain text so that nothing a
user uploads runs in our origin; every type but PDF also gets a sandboxing Content-Security-Policy.
"""
from dataclasses import dataclass

TEXT_PLAIN = "text/plain; charset=utf-8"
OCTET_STREAM = "application/octet-stream"

_MEDIA_TYPES: dict[str, str] = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".bmp": "image/bmp",
    ".ico": "image/x-icon",
    ".svg": "image/svg+xml",
    ".mp4": "video/mp4",
    ".webm": "video/webm",
    ".mov": "video/quicktime",
    ".mkv": "video/x-matroska",
    ".ogv": "video/ogg",
    ".mp3": "audio/mpeg",
    ".ogg": "audio/ogg",
    ".oga": "audio/ogg",
    ".opus": "audio/ogg",
    ".wav": "audio/wav",
    ".flac": "audio/flac",
    ".m4a": "audio/mp4",
    ".aac": "audio/aac",
    ".txt": TEXT_PLAIN,
    ".csv": "text/csv; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".pdf": "application/pdf",
    ".zip": "application/zip",
    ".gz": "application/gzip",
    ".tar": "application/x-tar",
    ".7z": "application/x-7z-compressed",
    ".rar": "application/vnd.rar",
}

ACTIVE_CONTENT_EXTENSIONS = frozenset({".html", ".htm", ".xhtml", ".xml", ".js", ".mjs"})
# Never sent to an object store's URL: scripts can run in these, and the sandboxing CSP (like nosniff)
# cannot be put on the store's response.
NEVER_REDIRECTED_EXTENSIONS = ACTIVE_CONTENT_EXTENSIONS | {".svg"}

_SANDBOX_EXEMPT = frozenset({"application/pdf"})


@dataclass(frozen=True)
class MediaType:
    content_type: str
    inline: bool
    sandboxed: bool


def media_type_for(ext: str) -> MediaType:
    """`ext` is the file's extension with its dot, as files reports it (".png")."""
    ext = ext.lower()
    if ext in ACTIVE_CONTENT_EXTENSIONS:
        return MediaType(TEXT_PLAIN, inline=True, sandboxed=True)
    known = _MEDIA_TYPES.get(ext)
    if known is None:
        return MediaType(OCTET_STREAM, inline=False, sandboxed=True)
    return MediaType(known, inline=True, sandboxed=known not in _SANDBOX_EXEMPT)


def may_redirect(ext: str) -> bool:
    """Whether a download of this extension may be answered with a redirect to the object store."""
    return ext.lower() not in NEVER_REDIRECTED_EXTENSIONS
