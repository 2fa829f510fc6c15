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


class MalformedUploadStream(FilesError):
    """The upload stream broke its shape after the metadata (a second metadata message)."""


class StorageFull(FilesError):
    pass


class RangeNotSatisfiable(FilesError):
    pass


class DatabaseUnavailable(FilesError):
    pass


class FileUrlTaken(Exception):
    """The generated file_url already exists: the caller draws another one."""
