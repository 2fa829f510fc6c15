import grpc
import pytest
from google.rpc import error_details_pb2, status_pb2

from auth_service.domain import errors
from auth_service.entrypoints.errors import AUTH_ERRORS, ERROR_STATUSES
from fileuploader.auth.v1 import auth_pb2

DOMAIN_ERRORS = [
    cls for cls in vars(errors).values() if isinstance(cls, type) and issubclass(cls, errors.AuthError)
]


def error_info_of(status: grpc.Status) -> tuple[status_pb2.Status, error_details_pb2.ErrorInfo]:
    [(key, value)] = status.trailing_metadata
    assert key == "grpc-status-details-bin"
    rich = status_pb2.Status.FromString(value)
    info = error_details_pb2.ErrorInfo()
    assert rich.details[0].Unpack(info)
    return rich, info


@pytest.mark.parametrize("error_class", [cls for cls in DOMAIN_ERRORS if cls is not errors.AuthError])
def test_every_domain_error_has_one_status(error_class: type[errors.AuthError]) -> None:
    assert error_class in ERROR_STATUSES


@pytest.mark.parametrize(
    ("error", "code", "reason"),
    [
        (errors.UsernameTaken(), grpc.StatusCode.ALREADY_EXISTS, "USERNAME_TAKEN"),
        (errors.CredentialsMissing(), grpc.StatusCode.INVALID_ARGUMENT, "CREDENTIALS_MISSING"),
        (errors.TokenExpired(), grpc.StatusCode.UNAUTHENTICATED, "TOKEN_EXPIRED"),
        (errors.UserNotFound(), grpc.StatusCode.NOT_FOUND, "USER_NOT_FOUND"),
    ],
)
def test_status_for_carries_the_code_and_error_info(
    error: errors.AuthError, code: grpc.StatusCode, reason: str
) -> None:
    status = AUTH_ERRORS.status_of(error)

    rich, info = error_info_of(status)
    assert status.code is code
    assert (rich.code, rich.message, status.details) == (code.value[0], str(error), str(error))
    assert (info.reason, info.domain) == (reason, "auth.fileuploader")


def test_a_password_too_short_tells_the_minimum_in_the_error_info() -> None:
    rich, info = error_info_of(AUTH_ERRORS.status_of(errors.PasswordTooShort(12)))

    assert (info.reason, dict(info.metadata)) == ("PASSWORD_TOO_SHORT", {"min_length": "12"})
    assert rich.code == grpc.StatusCode.INVALID_ARGUMENT.value[0]


def test_status_reasons_are_names_of_the_proto_enum() -> None:
    names = set(auth_pb2.AuthErrorReason.keys())

    assert {auth_pb2.AuthErrorReason.Name(reason) for _, reason in ERROR_STATUSES.values()} <= names


def test_internal_status_reveals_nothing_of_the_failure() -> None:
    status = AUTH_ERRORS.internal_status()

    rich, info = error_info_of(status)
    assert status.code is grpc.StatusCode.INTERNAL
    assert rich.message == "internal error in the auth service"
    assert info.reason == "AUTH_ERROR_REASON_UNSPECIFIED"
