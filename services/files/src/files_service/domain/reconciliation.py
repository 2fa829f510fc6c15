"""The kinds of difference a reconciliation of the files service finds (the report is
fileuploader_runtime.reconcile.report's)."""

from enum import StrEnum

from fileuploader_runtime.reconcile.report import EXIT_ERROR

__all__ = ["EXIT_ERROR", "Difference"]  # files_service.__main__ exits with EXIT_ERROR


class Difference(StrEnum):
    ORPHANED_BLOB = "orphaned_blob"
    MISSING_BLOB = "missing_blob"
    SIZE_MISMATCH = "size_mismatch"
    TEMP_LEFTOVER = "temp_leftover"
    UNPUBLISHED_EVENT = "unpublished_event"
