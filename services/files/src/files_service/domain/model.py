"""A stored file's metadata and the byte ranges that may be read from it."""

from dataclasses import dataclass
from datetime import datetime

from files_service.domain.errors import RangeNotSatisfiable


@dataclass(frozen=True)
class UploadRequest:
    user_filename: str
    include_ext: bool
    owner_account_id: str


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

    @property
    def has_owner(self) -> bool:
        return bool(self.owner_account_id)


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
