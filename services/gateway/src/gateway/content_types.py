"""Which media type a download is served as, and how it is isolated, from the file's extension alone.

Markup and scripts (HTML, XHTML, XML, JavaScript) are served as plain text so that nothing a
user uploads runs in our origin. How the browser's document for the file is confined:
- raster images, audio and video: a policy that lets nothing run or load but the file itself. Not a
  sandbox: a sandboxed document has an opaque origin, and the browser's own player could then not
  fetch the bytes of the very file it shows (the media request is refused by CORS).
- PDF: no policy, since the browser's PDF viewer is a plugin that any policy strict enough to help
  would block;
- everything else (text, SVG, markup served as text, unknown types): a sandbox as well.
"""

import enum
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

_PASSIVE_MEDIA_PREFIXES = ("image/", "audio/", "video/")
_UNCONFINED = frozenset({"application/pdf"})


class Confinement(enum.Enum):
    SANDBOX = "sandbox"  # no script, and an opaque origin
    NO_SCRIPT = "no-script"  # no script, no other resource; the document keeps our origin
    NONE = "none"


@dataclass(frozen=True)
class MediaType:
    content_type: str
    inline: bool
    confinement: Confinement


def media_type_for(ext: str) -> MediaType:
    """`ext` is the file's extension with its dot, as files reports it (".png")."""
    ext = ext.lower()
    if ext in ACTIVE_CONTENT_EXTENSIONS:
        return MediaType(TEXT_PLAIN, inline=True, confinement=Confinement.SANDBOX)
    known = _MEDIA_TYPES.get(ext)
    if known is None:
        return MediaType(OCTET_STREAM, inline=False, confinement=Confinement.SANDBOX)
    return MediaType(known, inline=True, confinement=_confinement_of(known))


def _confinement_of(content_type: str) -> Confinement:
    if content_type in _UNCONFINED:
        return Confinement.NONE
    if content_type.startswith(_PASSIVE_MEDIA_PREFIXES) and content_type != "image/svg+xml":
        return Confinement.NO_SCRIPT
    return Confinement.SANDBOX


def may_redirect(ext: str) -> bool:
    """Whether a download of this extension may be answered with a redirect to the object store."""
    return ext.lower() not in NEVER_REDIRECTED_EXTENSIONS
