"""The kinds of difference a reconciliation of the files service finds (the report is
fileuploader_runtime.reconcile.report's)."""

from enum import StrEnum


class Difference(StrEnum):
    ORPHANED_BLOB = "orphaned_blob"
    MISSING_BLOB = "missing_blob"
    SIZE_MISMATCH = "size_mismatch"
    TEMP_LEFTOVER = "temp_leftover"
    UNPUBLISHED_EVENT = "unpublished_event"
