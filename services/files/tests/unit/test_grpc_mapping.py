"""The pure translations of the gRPC entrypoint: events, file info and error statuses."""

from datetime import UTC, datetime

import grpc
import pytest
from google.rpc import error_details_pb2, status_pb2

from files_service.adapters.event_codec import encode_event
from files_service.domain import errors
from files_service.domain.events import FileDeleted, FileUploaded
from files_service.domain.model import DownloadUrl, StoredFile
from files_service.entrypoints.convert import (
    download_headers_of,
    download_url_response_of,
    file_info_of,
    owned_file_of,
    upload_request_of,
    upload_response_of,
)
from files_service.entrypoints.errors import FILES_ERRORS, STATUS_OF_ERROR
from fileuploader.events.v1 import file_events_pb2
from fileuploader.files.v1 import files_pb2

CREATED = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
STORED = StoredFile(
    file_url="abcDEF-_12",
    storage_key="0" * 32,
    user_filename="clip.MP4",
    ext=".mp4",
    size=6,
    sha256="f" * 64,
    delete_key="6b9a1c1b-5594-4cb9-8d49-99a4c28782a1",
    owner_account_id="acc-1",
    created_at=CREATED,
)


def test_encode_event_file_uploaded_round_trips_through_protobuf():
    event = FileUploaded.of(STORED, event_id="e-1", occurred_at=CREATED)

    decoded = file_events_pb2.FileUploaded.FromString(encode_event(event))

    assert (decoded.event_id, decoded.file_url, decoded.owner_account_id) == ("e-1", "abcDEF-_12", "acc-1")
    assert (decoded.delete_key, decoded.ext, decoded.user_filename) == (STORED.delete_key, ".mp4", "clip.MP4")
    assert (decoded.size, decoded.sha256) == (6, "f" * 64)
    assert decoded.created_at.ToDatetime(tzinfo=UTC) == CREATED
    assert decoded.occurred_at.ToDatetime(tzinfo=UTC) == CREATED


def test_encode_event_file_deleted_round_trips_through_protobuf():
    event = FileDeleted.of(STORED, event_id="e-2", occurred_at=CREATED)

    decoded = file_events_pb2.FileDeleted.FromString(encode_event(event))

    assert (decoded.event_id, decoded.file_url, decoded.owner_account_id) == ("e-2", "abcDEF-_12", "acc-1")


def test_file_info_and_upload_response_carry_the_stored_file():
    response = upload_response_of(STORED)

    assert response.file == file_info_of(STORED)
    assert (response.delete_key, response.owner_account_id) == (STORED.delete_key, "acc-1")
    assert (response.file.file_url, response.file.size, response.file.ext) == ("abcDEF-_12", 6, ".mp4")
    assert response.file.created_at.ToDatetime(tzinfo=UTC) == CREATED


def test_owned_file_carries_the_file_its_owner_and_its_delete_key():
    owned = owned_file_of(STORED)

    assert owned.file == file_info_of(STORED)
    assert (owned.owner_account_id, owned.delete_key) == ("acc-1", STORED.delete_key)


def test_upload_request_of_reads_the_metadata():
    metadata = files_pb2.UploadMetadata(user_filename="a.txt", include_ext=True, owner_account_id="acc-9")

    request = upload_request_of(metadata)

    assert (request.user_filename, request.include_ext, request.owner_account_id) == ("a.txt", True, "acc-9")


def test_download_url_request_and_response_carry_headers_url_and_expiry():
    request = files_pb2.GetDownloadUrlRequest(
        file_url="abcDEF-_12",
        content_type="image/png",
        content_disposition="inline",
        cache_control="no-cache",
    )

    headers = download_headers_of(request)
    signed = DownloadUrl(url="https://s3.test/b/k?X-Amz-Signature=1", expires_at=CREATED)
    response = download_url_response_of(signed)

    assert (headers.content_type, headers.content_disposition, headers.cache_control) == (
        "image/png",
        "inline",
        "no-cache",
    )
    assert response.url == "https://s3.test/b/k?X-Amz-Signature=1"
    assert response.expires_at.ToDatetime(tzinfo=UTC) == CREATED


def test_every_domain_error_has_a_status_and_every_reason_is_an_enum_name():
    domain_errors = {
        cls for cls in vars(errors).values() if isinstance(cls, type) and issubclass(cls, errors.FilesError)
    }

    assert domain_errors - {errors.FilesError} == set(STATUS_OF_ERROR)
    assert {files_pb2.FilesErrorReason.Name(reason) for _, reason in STATUS_OF_ERROR.values()} <= set(
        files_pb2.FilesErrorReason.keys()
    )


@pytest.mark.parametrize(
    ("error", "code", "reason"),
    [
        (errors.FileNotFound("file not found"), grpc.StatusCode.NOT_FOUND, "FILE_NOT_FOUND"),
        (errors.InvalidDeleteKey("no"), grpc.StatusCode.PERMISSION_DENIED, "INVALID_DELETE_KEY"),
        (errors.FileTooLarge("big"), grpc.StatusCode.RESOURCE_EXHAUSTED, "FILE_TOO_LARGE"),
        (errors.RangeNotSatisfiable("far"), grpc.StatusCode.OUT_OF_RANGE, "RANGE_NOT_SATISFIABLE"),
        (errors.TooManyFiles("many"), grpc.StatusCode.INVALID_ARGUMENT, "TOO_MANY_FILES"),
        (
            errors.DownloadUrlUnsupported("no"),
            grpc.StatusCode.FAILED_PRECONDITION,
            "DOWNLOAD_URL_UNSUPPORTED",
        ),
        (errors.InvalidDownloadHeaders("lf"), grpc.StatusCode.INVALID_ARGUMENT, "INVALID_DOWNLOAD_HEADERS"),
        (errors.StorageUnavailable("down"), grpc.StatusCode.UNAVAILABLE, "FILES_ERROR_REASON_UNSPECIFIED"),
        (errors.DatabaseUnavailable("down"), grpc.StatusCode.UNAVAILABLE, "FILES_ERROR_REASON_UNSPECIFIED"),
        (errors.CommitOutcomeUnknown("lost"), grpc.StatusCode.UNAVAILABLE, "FILES_ERROR_REASON_UNSPECIFIED"),
    ],
)
def test_status_of_carries_code_and_error_info_detail(error, code, reason):
    status = FILES_ERRORS.status_of(error)

    ((key, value),) = status.trailing_metadata
    rich = status_pb2.Status.FromString(value)
    info = error_details_pb2.ErrorInfo()
    assert rich.details[0].Unpack(info)
    assert key == "grpc-status-details-bin" and status.code == code and rich.code == code.value[0]
    assert (info.reason, info.domain) == (reason, "files.fileuploader")
    assert rich.message == status.details == str(error)
