"""Every domain error as one gRPC status code and google.rpc.ErrorInfo reason."""

import grpc
from google.protobuf import any_pb2
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

from auth_service.domain import errors
from fileuploader.auth.v1 import auth_pb2

ERROR_DOMAIN = "auth.fileuploader"
_Reason = auth_pb2.AuthErrorReason

ERROR_STATUSES: dict[type[errors.AuthError], tuple[grpc.StatusCode, int]] = {
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
INTERNAL_ERROR_MESSAGE = "internal error in the auth service"


def rpc_status_of(
    code: grpc.StatusCode, reason: int, message: str, metadata: dict[str, str] | None = None
) -> grpc.Status:
    detail = any_pb2.Any()
    info = error_details_pb2.ErrorInfo(reason=_Reason.Name(reason), domain=ERROR_DOMAIN, metadata=metadata)
    detail.Pack(info)
    numeric_code: int = code.value[0]
    return rpc_status.to_status(status_pb2.Status(code=numeric_code, message=message, details=[detail]))


def status_for(error: errors.AuthError) -> grpc.Status:
    code, reason = ERROR_STATUSES[type(error)]
    return rpc_status_of(code, reason, str(error), error.details)


def internal_status() -> grpc.Status:
    return rpc_status_of(
        grpc.StatusCode.INTERNAL, auth_pb2.AUTH_ERROR_REASON_UNSPECIFIED, INTERNAL_ERROR_MESSAGE
    )
