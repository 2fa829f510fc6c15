"""Every domain error as one gRPC status code and google.rpc.ErrorInfo reason."""

import grpc

from files_service.domain import errors
from fileuploader.files.v1 import files_pb2
from fileuploader_runtime.error_info import ErrorStatuses

ERROR_DOMAIN = "files.fileuploader"
UNSPECIFIED = files_pb2.FILES_ERROR_REASON_UNSPECIFIED

STATUS_OF_ERROR: dict[type[Exception], tuple[grpc.StatusCode, int]] = {
    errors.FileNotFound: (grpc.StatusCode.NOT_FOUND, files_pb2.FILE_NOT_FOUND),
    errors.InvalidDeleteKey: (grpc.StatusCode.PERMISSION_DENIED, files_pb2.INVALID_DELETE_KEY),
    errors.BadExtension: (grpc.StatusCode.INVALID_ARGUMENT, files_pb2.BAD_EXTENSION),
    errors.BadFilename: (grpc.StatusCode.INVALID_ARGUMENT, files_pb2.BAD_FILENAME),
    errors.FileTooLarge: (grpc.StatusCode.RESOURCE_EXHAUSTED, files_pb2.FILE_TOO_LARGE),
    errors.MetadataMissing: (grpc.StatusCode.INVALID_ARGUMENT, files_pb2.METADATA_MISSING),
    errors.UploadIncomplete: (grpc.StatusCode.INVALID_ARGUMENT, files_pb2.UPLOAD_INCOMPLETE),
    errors.StorageFull: (grpc.StatusCode.RESOURCE_EXHAUSTED, files_pb2.STORAGE_FULL),
    errors.RangeNotSatisfiable: (grpc.StatusCode.OUT_OF_RANGE, files_pb2.RANGE_NOT_SATISFIABLE),
    errors.TooManyFiles: (grpc.StatusCode.INVALID_ARGUMENT, files_pb2.TOO_MANY_FILES),
    errors.DownloadUrlUnsupported: (grpc.StatusCode.FAILED_PRECONDITION, files_pb2.DOWNLOAD_URL_UNSUPPORTED),
    errors.InvalidDownloadHeaders: (grpc.StatusCode.INVALID_ARGUMENT, files_pb2.INVALID_DOWNLOAD_HEADERS),
    errors.IdempotencyKeyReused: (grpc.StatusCode.FAILED_PRECONDITION, files_pb2.IDEMPOTENCY_KEY_REUSED),
    errors.ContentBlocked: (grpc.StatusCode.PERMISSION_DENIED, files_pb2.CONTENT_BLOCKED),
    errors.QuotaExceeded: (grpc.StatusCode.RESOURCE_EXHAUSTED, UNSPECIFIED),
    errors.QuotaBytesExceeded: (grpc.StatusCode.RESOURCE_EXHAUSTED, files_pb2.QUOTA_BYTES_EXCEEDED),
    errors.QuotaFilesExceeded: (grpc.StatusCode.RESOURCE_EXHAUSTED, files_pb2.QUOTA_FILES_EXCEEDED),
    errors.InvalidIdempotencyKey: (grpc.StatusCode.INVALID_ARGUMENT, UNSPECIFIED),
    errors.OwnerMissing: (grpc.StatusCode.INVALID_ARGUMENT, UNSPECIFIED),
    errors.BadLimits: (grpc.StatusCode.INVALID_ARGUMENT, UNSPECIFIED),
    errors.StorageUnavailable: (grpc.StatusCode.UNAVAILABLE, UNSPECIFIED),
    errors.DatabaseUnavailable: (grpc.StatusCode.UNAVAILABLE, UNSPECIFIED),
    errors.CommitOutcomeUnknown: (grpc.StatusCode.UNAVAILABLE, UNSPECIFIED),
}


def _facts_of(error: Exception) -> dict[str, str] | None:
    return {"limit": str(error.limit)} if isinstance(error, errors.QuotaExceeded) else None


FILES_ERRORS = ErrorStatuses(
    "files",
    ERROR_DOMAIN,
    files_pb2.FilesErrorReason,
    UNSPECIFIED,
    errors.FilesError,
    STATUS_OF_ERROR,
    _facts_of,
)
