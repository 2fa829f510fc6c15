import grpc
import pytest
from google.protobuf import any_pb2
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

from fileuploader.auth.v1 import auth_pb2
from gateway.clients import auth, files
from gateway.clients.rpc import error_reason, translate, translated_errors
from gateway.errors import (
    AccountDisabled,
    AuthFailure,
    AuthorizationError,
    BadFileExtension,
    ContentBlocked,
    FileNotFound,
    ServiceUnavailable,
    StorageFull,
    UpstreamFailure,
    UsernameTaken,
)


def rpc_error(
    code: grpc.StatusCode,
    reason: str | None = None,
    domain: str = "auth.fileuploader",
    metadata: dict[str, str] | None = None,
) -> grpc.aio.AioRpcError:
    if reason is None:
        return grpc.aio.AioRpcError(code, grpc.aio.Metadata(), grpc.aio.Metadata(), "failed")
    detail = any_pb2.Any()
    detail.Pack(error_details_pb2.ErrorInfo(reason=reason, domain=domain, metadata=metadata))
    status = rpc_status.to_status(status_pb2.Status(code=code.value[0], message="failed", details=[detail]))
    trailing = grpc.aio.Metadata(*status.trailing_metadata)
    return grpc.aio.AioRpcError(code, grpc.aio.Metadata(), trailing, "failed")


def test_error_reason_reads_the_error_info_of_the_domain():
    error = rpc_error(grpc.StatusCode.NOT_FOUND, "USER_NOT_FOUND")
    assert error_reason(error, "auth.fileuploader") == "USER_NOT_FOUND"


def test_error_reason_is_none_without_details_or_for_another_domain():
    assert error_reason(rpc_error(grpc.StatusCode.INTERNAL), "auth.fileuploader") is None
    assert error_reason(rpc_error(grpc.StatusCode.NOT_FOUND, "USER_NOT_FOUND"), "files.fileuploader") is None


@pytest.mark.parametrize(
    "code,reason,expected",
    [
        (grpc.StatusCode.ALREADY_EXISTS, "USERNAME_TAKEN", UsernameTaken),
        (grpc.StatusCode.UNAUTHENTICATED, "TOKEN_EXPIRED", AuthorizationError),
        (grpc.StatusCode.PERMISSION_DENIED, "ACCOUNT_DISABLED", AccountDisabled),
    ],
)
def test_translate_maps_auth_reasons_to_gateway_errors(code, reason, expected):
    error = translate(rpc_error(code, reason), auth.SERVICE, auth.DOMAIN, auth.REASONS)
    assert isinstance(error, expected)


@pytest.mark.parametrize(
    "reason,failure",
    [
        ("TOKEN_EXPIRED", AuthFailure.TOKEN_EXPIRED),
        ("TOKEN_INVALID", AuthFailure.TOKEN_INVALID),
        ("TOKEN_NOT_FOUND", AuthFailure.TOKEN_NOT_FOUND),
    ],
)
def test_translate_maps_token_reasons_to_1_1_errors(reason, failure):
    rpc = rpc_error(grpc.StatusCode.UNAUTHENTICATED, reason)
    error = translate(rpc, auth.SERVICE, auth.DOMAIN, auth.REASONS)
    assert isinstance(error, AuthorizationError) and error.failure is failure


@pytest.mark.parametrize(
    "reason,expected",
    [
        ("FILE_NOT_FOUND", FileNotFound),
        ("BAD_EXTENSION", BadFileExtension),
        ("STORAGE_FULL", StorageFull),
        ("CONTENT_BLOCKED", ContentBlocked),
    ],
)
def test_translate_maps_files_reasons_to_gateway_errors(reason, expected):
    error = translate(
        rpc_error(grpc.StatusCode.NOT_FOUND, reason, "files.fileuploader"),
        files.SERVICE,
        files.DOMAIN,
        files.REASONS,
    )
    assert isinstance(error, expected)


@pytest.mark.parametrize(
    "metadata,message",
    [
        ({"min_length": "12"}, "Password is too short (at least 12 characters)"),
        ({}, "Password is too short"),
        ({"min_length": "twelve"}, "Password is too short"),
    ],
)
def test_a_password_too_short_names_the_minimum_auth_sent_along(metadata, message):
    rpc = rpc_error(grpc.StatusCode.INVALID_ARGUMENT, "PASSWORD_TOO_SHORT", metadata=metadata)
    error = translate(rpc, auth.SERVICE, auth.DOMAIN, auth.REASONS)
    assert (error.status_code, error.body()) == (400, {"status": "error", "message": message})


def test_an_untrimmed_username_is_a_400_saying_so():
    rpc = rpc_error(grpc.StatusCode.INVALID_ARGUMENT, "USERNAME_UNTRIMMED")
    error = translate(rpc, auth.SERVICE, auth.DOMAIN, auth.REASONS)
    assert error.status_code == 400
    assert error.body()["message"] == "Username must not begin or end with whitespace"


@pytest.mark.parametrize("code", [grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED])
def test_translate_gives_503_when_the_service_cannot_be_reached(code):
    error = translate(rpc_error(code, "USER_NOT_FOUND"), auth.SERVICE, auth.DOMAIN, auth.REASONS)
    assert isinstance(error, ServiceUnavailable)
    assert error.message == "Auth service is unavailable, try again later"


@pytest.mark.parametrize("reason", [None, "SOMETHING_NEW", "METADATA_MISSING"])
def test_translate_gives_502_when_the_reason_is_unknown(reason):
    error = translate(
        rpc_error(grpc.StatusCode.INTERNAL, reason, "files.fileuploader"),
        files.SERVICE,
        files.DOMAIN,
        files.REASONS,
    )
    assert isinstance(error, UpstreamFailure) and error.status_code == 502


def test_a_status_lost_by_grpc_when_a_send_failed_is_a_503_not_a_502():
    """grpc.aio answers INTERNAL "Internal error from Core" when a message could not be sent because the
    stream had ended, in place of the status that ended it (a frozen files service, found by keepalive)."""
    lost = grpc.aio.AioRpcError(
        grpc.StatusCode.INTERNAL, grpc.aio.Metadata(), grpc.aio.Metadata(), "Internal error from Core"
    )

    error = translate(lost, files.SERVICE, files.DOMAIN, files.REASONS)

    assert isinstance(error, ServiceUnavailable)
    assert error.body() == {"status": "error", "message": "Files service is unavailable, try again later"}


def test_translated_errors_raises_the_gateway_error_from_the_rpc_error():
    with pytest.raises(ServiceUnavailable) as raised:
        with translated_errors(files.SERVICE, files.DOMAIN, files.REASONS):
            raise rpc_error(grpc.StatusCode.UNAVAILABLE)
    assert isinstance(raised.value.__cause__, grpc.aio.AioRpcError)


def test_every_reason_of_the_protos_that_a_client_can_meet_is_mapped():
    from fileuploader.auth.v1 import auth_pb2
    from fileuploader.files.v1 import files_pb2

    auth_reasons = set(auth_pb2.AuthErrorReason.keys()) - {"AUTH_ERROR_REASON_UNSPECIFIED"}
    # The gateway always sends metadata first and `complete` last (it stops listening once it cancels),
    # asks only for ranges it has checked against the file's size, and never republishes events; when
    # files makes no download URL, get_download_url answers None and the file is streamed.
    files_reasons = set(files_pb2.FilesErrorReason.keys()) - {
        "FILES_ERROR_REASON_UNSPECIFIED",
        "METADATA_MISSING",
        "UPLOAD_INCOMPLETE",
        "RANGE_NOT_SATISFIABLE",
        "TOO_MANY_FILES",
        "DOWNLOAD_URL_UNSUPPORTED",
        "INVALID_DOWNLOAD_HEADERS",
    }
    assert set(auth.REASONS) == auth_reasons
    assert set(files.REASONS) == files_reasons


def test_every_auth_reason_has_a_gateway_error():
    sent = {name for name in auth_pb2.AuthErrorReason.keys() if name != "AUTH_ERROR_REASON_UNSPECIFIED"}  # noqa: SIM118 (an enum wrapper, not a dict)
    assert sent <= set(auth.REASONS)
