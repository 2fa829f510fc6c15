"""Every failure as a gRPC status carrying a google.rpc.ErrorInfo: one table, one place."""

import contextlib
import logging
from collections.abc import AsyncIterator

import grpc
from fileuploader.files.v1 import files_pb2
from google.protobuf import any_pb2
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

from files_service.domain import errors

logger = logging.getLogger(__name__)

ERROR_DOMAIN = "files.fileuploader"
UNSPECIFIED = files_pb2.FilesErrorReason.Name(files_pb2.FILES_ERROR_REASON_UNSPECIFIED)

STATUS_OF_ERROR: dict[type[errors.FilesError], tuple[grpc.StatusCode, str]] = {
    errors.FileNotFound: (grpc.StatusCode.NOT_FOUND, "FILE_NOT_FOUND"),
    errors.InvalidDeleteKey: (grpc.StatusCode.PERMISSION_DENIED, "INVALID_DELETE_KEY"),
    errors.BadExtension: (grpc.StatusCode.INVALID_ARGUMENT, "BAD_EXTENSION"),
    errors.BadFilename: (grpc.StatusCode.INVALID_ARGUMENT, "BAD_FILENAME"),
    errors.FileTooLarge: (grpc.StatusCode.RESOURCE_EXHAUSTED, "FILE_TOO_LARGE"),
    errors.MetadataMissing: (grpc.StatusCode.INVALID_ARGUMENT, "METADATA_MISSING"),
    errors.UploadIncomplete: (grpc.StatusCode.INVALID_ARGUMENT, "UPLOAD_INCOMPLETE"),
    errors.StorageFull: (grpc.StatusCode.RESOURCE_EXHAUSTED, "STORAGE_FULL"),
    errors.RangeNotSatisfiable: (grpc.StatusCode.OUT_OF_RANGE, "RANGE_NOT_SATISFIABLE"),
    errors.TooManyFiles: (grpc.StatusCode.INVALID_ARGUMENT, "TOO_MANY_FILES"),
    errors.DownloadUrlUnsupported: (grpc.StatusCode.FAILED_PRECONDITION, "DOWNLOAD_URL_UNSUPPORTED"),
    errors.InvalidDownloadHeaders: (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_DOWNLOAD_HEADERS"),
    errors.IdempotencyKeyReused: (grpc.StatusCode.FAILED_PRECONDITION, "IDEMPOTENCY_KEY_REUSED"),
    errors.ContentBlocked: (grpc.StatusCode.PERMISSION_DENIED, "CONTENT_BLOCKED"),
    errors.QuotaExceeded: (grpc.StatusCode.RESOURCE_EXHAUSTED, UNSPECIFIED),
    errors.QuotaBytesExceeded: (grpc.StatusCode.RESOURCE_EXHAUSTED, "QUOTA_BYTES_EXCEEDED"),
    errors.QuotaFilesExceeded: (grpc.StatusCode.RESOURCE_EXHAUSTED, "QUOTA_FILES_EXCEEDED"),
    errors.InvalidIdempotencyKey: (grpc.StatusCode.INVALID_ARGUMENT, UNSPECIFIED),
    errors.OwnerMissing: (grpc.StatusCode.INVALID_ARGUMENT, UNSPECIFIED),
    errors.BadLimits: (grpc.StatusCode.INVALID_ARGUMENT, UNSPECIFIED),
    errors.StorageUnavailable: (grpc.StatusCode.UNAVAILABLE, UNSPECIFIED),
    errors.DatabaseUnavailable: (grpc.StatusCode.UNAVAILABLE, UNSPECIFIED),
    errors.CommitOutcomeUnknown: (grpc.StatusCode.UNAVAILABLE, UNSPECIFIED),
}
INTERNAL = (grpc.StatusCode.INTERNAL, UNSPECIFIED)


def rich_status(
    code: grpc.StatusCode, reason: str, message: str, facts: dict[str, str] | None = None
) -> grpc.Status:
    info = error_details_pb2.ErrorInfo(reason=reason, domain=ERROR_DOMAIN, metadata=facts or {})
    detail = any_pb2.Any()
    detail.Pack(info)
    return rpc_status.to_status(status_pb2.Status(code=code.value[0], message=message, details=[detail]))


def status_of(error: errors.FilesError) -> grpc.Status:
    code, reason = STATUS_OF_ERROR.get(type(error), INTERNAL)
    facts = {"limit": str(error.limit)} if isinstance(error, errors.QuotaExceeded) else None
    return rich_status(code, reason, str(error) or reason, facts)


@contextlib.asynccontextmanager
async def aborting_on_error(context: grpc.aio.ServicerContext, rpc: str) -> AsyncIterator[None]:
    """Ends the RPC with the status of what went wrong; unexpected errors are logged, never leaked.
    (RpcObserver, around every handler, binds the request id for the logs.)"""
    try:
        yield
    except grpc.aio.AbortError:
        raise
    except errors.FilesError as error:
        status = status_of(error)
        logger.info("%s failed: %s (%s)", rpc, status.code.name, type(error).__name__)
        await context.abort(status.code, status.details, trailing_metadata=status.trailing_metadata)
    except Exception:
        logger.exception("%s failed unexpectedly", rpc)
        status = rich_status(*INTERNAL, "internal error")
        await context.abort(status.code, status.details, trailing_metadata=status.trailing_metadata)
