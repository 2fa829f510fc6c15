"""Expected failures of the files service. The entrypoints map each class to one status."""


class FilesError(Exception):
    """Base of every failure a caller can act on."""


class FileNotFound(FilesError):
    pass


class InvalidDeleteKey(FilesError):
    pass


class BadFilename(FilesError):
    pass


class BadExtension(FilesError):
    pass


class FileTooLarge(FilesError):
    pass


class MetadataMissing(FilesError):
    pass


class UploadIncomplete(FilesError):
    """The upload stream did not end with its completion message for exactly the bytes sent,
    or carried a message out of order: what arrived may be a cut-off file, so none of it is kept."""


class StorageFull(FilesError):
    pass


class RangeNotSatisfiable(FilesError):
    pass


class TooManyFiles(FilesError):
    pass


class OwnerMissing(FilesError):
    """A claim that names no account to move the files into."""


class DownloadUrlUnsupported(FilesError):
    """The storage cannot make download URLs (local disk): the caller streams the bytes instead."""


class IdempotencyKeyReused(FilesError):
    """The idempotency key was used for an upload with other bytes, filename, include_ext or owner."""


class InvalidIdempotencyKey(FilesError):
    """A key that is empty or longer than 255 characters, or a scope longer than 160."""


class IdempotencyKeyTaken(Exception):
    """Another upload recorded the same scope and key first (an adapter's signal to the use case)."""


class InvalidDownloadHeaders(FilesError):
    """A header value asked of a download URL is not printable ASCII, or too long."""


class StorageUnavailable(FilesError):
    """The object store cannot be reached, or fails (after retries): try again later."""


class DatabaseUnavailable(FilesError):
    pass


class CommitOutcomeUnknown(DatabaseUnavailable):
    """The database went away while committing: the change may or may not have been saved."""


class FileUrlTaken(Exception):
    """The generated file_url already exists: the caller draws another one."""


class ContentBlocked(FilesError):
    """An operator blocked these bytes (their SHA-256): the upload is refused and nothing of it kept."""


class QuotaExceeded(FilesError):
    """An owned upload would take its account past one of its quotas; `limit` is that quota."""

    def __init__(self, message: str, limit: int) -> None:
        super().__init__(message)
        self.limit = limit


class QuotaBytesExceeded(QuotaExceeded):
    pass


class QuotaFilesExceeded(QuotaExceeded):
    pass


class BadLimits(FilesError):
    """An expiry that is not positive, or a download limit below 1."""
