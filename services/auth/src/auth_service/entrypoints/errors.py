"""Every domain error as one gRPC status code and google.rpc.ErrorInfo reason."""

import grpc

from auth_service.domain import errors
from fileuploader.auth.v1 import auth_pb2
from fileuploader_runtime.error_info import ErrorStatuses

ERROR_DOMAIN = "auth.fileuploader"

ERROR_STATUSES: dict[type[Exception], tuple[grpc.StatusCode, int]] = {
    errors.CredentialsMissing: (grpc.StatusCode.INVALID_ARGUMENT, auth_pb2.CREDENTIALS_MISSING),
    errors.UsernameTooLong: (grpc.StatusCode.INVALID_ARGUMENT, auth_pb2.USERNAME_TOO_LONG),
    errors.PasswordTooLong: (grpc.StatusCode.INVALID_ARGUMENT, auth_pb2.PASSWORD_TOO_LONG),
    errors.UsernameInvalid: (grpc.StatusCode.INVALID_ARGUMENT, auth_pb2.USERNAME_INVALID),
    errors.UsernameUntrimmed: (grpc.StatusCode.INVALID_ARGUMENT, auth_pb2.USERNAME_UNTRIMMED),
    errors.PasswordTooShort: (grpc.StatusCode.INVALID_ARGUMENT, auth_pb2.PASSWORD_TOO_SHORT),
    errors.UsernameTaken: (grpc.StatusCode.ALREADY_EXISTS, auth_pb2.USERNAME_TAKEN),
    errors.UserNotFound: (grpc.StatusCode.NOT_FOUND, auth_pb2.USER_NOT_FOUND),
    errors.WrongPassword: (grpc.StatusCode.UNAUTHENTICATED, auth_pb2.WRONG_PASSWORD),
    errors.AccountDisabled: (grpc.StatusCode.PERMISSION_DENIED, auth_pb2.ACCOUNT_DISABLED),
    errors.AccountNotDisabled: (grpc.StatusCode.FAILED_PRECONDITION, auth_pb2.ACCOUNT_NOT_DISABLED),
    errors.TokenMissing: (grpc.StatusCode.INVALID_ARGUMENT, auth_pb2.TOKEN_MISSING),
    errors.TokenExpired: (grpc.StatusCode.UNAUTHENTICATED, auth_pb2.TOKEN_EXPIRED),
    errors.TokenInvalid: (grpc.StatusCode.UNAUTHENTICATED, auth_pb2.TOKEN_INVALID),
    errors.TokenNotFound: (grpc.StatusCode.UNAUTHENTICATED, auth_pb2.TOKEN_NOT_FOUND),
    errors.ApiTokenNotFound: (grpc.StatusCode.NOT_FOUND, auth_pb2.API_TOKEN_NOT_FOUND),
    errors.ApiTokenNameInvalid: (grpc.StatusCode.INVALID_ARGUMENT, auth_pb2.API_TOKEN_NAME_INVALID),
    errors.ApiTokenLifetimeInvalid: (grpc.StatusCode.INVALID_ARGUMENT, auth_pb2.API_TOKEN_LIFETIME_INVALID),
    errors.StorageUnavailable: (grpc.StatusCode.UNAVAILABLE, auth_pb2.AUTH_ERROR_REASON_UNSPECIFIED),
}


def _facts_of(error: Exception) -> dict[str, str] | None:
    return error.details if isinstance(error, errors.AuthError) else None


AUTH_ERRORS = ErrorStatuses(
    "auth",
    ERROR_DOMAIN,
    auth_pb2.AuthErrorReason,
    auth_pb2.AUTH_ERROR_REASON_UNSPECIFIED,
    errors.AuthError,
    ERROR_STATUSES,
    _facts_of,
)
