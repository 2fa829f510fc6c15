"""A stored file's metadata, the byte ranges that may be read from it, and download URLs."""

from dataclasses import dataclass, field
from datetime import datetime

from files_service.domain.errors import InvalidDownloadHeaders, RangeNotSatisfiable
from files_service.domain.idempotency import IdempotencyKey
from files_service.domain.limits import NO_LIMITS, FileLimits, Limits

MAX_HEADER_VALUE_LENGTH = 4096


@dataclass(frozen=True)
class UploadRequest:
    user_filename: str
    include_ext: bool
    owner_account_id: str
    idempotency: IdempotencyKey | None = None
    # At most this many bytes follow (0: unknown).
    size_bound: int = 0
    limits: Limits = NO_LIMITS


@dataclass(frozen=True)
class StoredFile:
    file_url: str
    storage_key: str
    user_filename: str
    ext: str
    size: int
    sha256: str
    delete_key: str
    owner_account_id: str
    created_at: datetime
    limits: FileLimits = FileLimits()
    # A small file's bytes are kept in its metadata row instead of the blob store (inline); `content`
    # holds them when the read that made this object loaded them.
    inline: bool = False
    content: bytes | None = field(default=None, repr=False, compare=False)

    @property
    def has_owner(self) -> bool:
        return bool(self.owner_account_id)


@dataclass(frozen=True)
class DownloadHeaders:
    """The header values a download URL is answered with (an empty one is left as the store sends it)."""

    content_type: str
    content_disposition: str
    cache_control: str

    def __post_init__(self) -> None:
        for value in (self.content_type, self.content_disposition, self.cache_control):
            if len(value) > MAX_HEADER_VALUE_LENGTH or not all(" " <= char <= "~" for char in value):
                raise InvalidDownloadHeaders("header values must be printable ASCII")


@dataclass(frozen=True)
class DownloadUrl:
    url: str
    expires_at: datetime


@dataclass(frozen=True)
class ByteRange:
    offset: int
    length: int


def resolve_range(size: int, offset: int, length: int | None) -> ByteRange:
    """The range [offset, offset + length) of a file of `size` bytes; to the end when length is None."""
    if offset < 0 or offset > size:
        raise RangeNotSatisfiable(f"offset {offset} is outside a file of {size} bytes")
    if length is None:
        return ByteRange(offset=offset, length=size - offset)
    if length < 0 or offset + length > size:
        raise RangeNotSatisfiable(f"{length} bytes from {offset} exceed a file of {size} bytes")
    return ByteRange(offset=offset, length=length)
