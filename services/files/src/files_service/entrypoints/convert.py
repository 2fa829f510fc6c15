"""Between protobuf messages and the service's own types."""

from fileuploader.files.v1 import files_pb2

from files_service.domain.idempotency import IdempotencyKey
from files_service.domain.model import DownloadHeaders, DownloadUrl, StoredFile, UploadRequest
from files_service.entrypoints.event_codec import timestamp_of


def upload_request_of(metadata: files_pb2.UploadMetadata) -> UploadRequest:
    return UploadRequest(
        user_filename=metadata.user_filename,
        include_ext=metadata.include_ext,
        owner_account_id=metadata.owner_account_id,
        idempotency=(IdempotencyKey(metadata.idempotency_scope, metadata.idempotency_key)
                     if metadata.idempotency_key else None),
    )


def file_info_of(stored: StoredFile) -> files_pb2.FileInfo:
    return files_pb2.FileInfo(
        file_url=stored.file_url,
        ext=stored.ext,
        user_filename=stored.user_filename,
        size=stored.size,
        sha256=stored.sha256,
        created_at=timestamp_of(stored.created_at),
    )


def upload_response_of(stored: StoredFile) -> files_pb2.UploadFileResponse:
    return files_pb2.UploadFileResponse(
        file=file_info_of(stored),
        delete_key=stored.delete_key,
        owner_account_id=stored.owner_account_id,
    )


def owned_file_of(stored: StoredFile) -> files_pb2.OwnedFile:
    return files_pb2.OwnedFile(
        file=file_info_of(stored),
        owner_account_id=stored.owner_account_id,
        delete_key=stored.delete_key,
    )


def download_headers_of(request: files_pb2.GetDownloadUrlRequest) -> DownloadHeaders:
    return DownloadHeaders(
        content_type=request.content_type,
        content_disposition=request.content_disposition,
        cache_control=request.cache_control,
    )


def download_url_response_of(download_url: DownloadUrl) -> files_pb2.GetDownloadUrlResponse:
    return files_pb2.GetDownloadUrlResponse(
        url=download_url.url, expires_at=timestamp_of(download_url.expires_at)
    )
