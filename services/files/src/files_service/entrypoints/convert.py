"""Between protobuf messages and the service's own types."""

from datetime import timedelta

from files_service.adapters.event_codec import timestamp_of
from files_service.domain.claims import ClaimOutcome, ClaimRequest, ClaimResult
from files_service.domain.idempotency import IdempotencyKey
from files_service.domain.limits import FileLimits, Limits
from files_service.domain.model import DownloadHeaders, DownloadUrl, StoredFile, UploadRequest
from files_service.domain.quotas import AccountQuota, AccountUsage
from fileuploader.files.v1 import files_pb2
from fileuploader_runtime.error_info import Refusal


def upload_request_of(metadata: files_pb2.UploadMetadata) -> UploadRequest:
    return UploadRequest(
        user_filename=metadata.user_filename,
        include_ext=metadata.include_ext,
        owner_account_id=metadata.owner_account_id,
        idempotency=(
            IdempotencyKey(metadata.idempotency_scope, metadata.idempotency_key)
            if metadata.idempotency_key
            else None
        ),
        size_bound=metadata.size_bound,
        limits=limits_of(metadata),
    )


def account_usage_response_of(usage: AccountUsage, quota: AccountQuota) -> files_pb2.GetAccountUsageResponse:
    return files_pb2.GetAccountUsageResponse(
        files=usage.files,
        bytes=usage.bytes,
        quota_bytes=quota.max_bytes or None,
        quota_files=quota.max_files or None,
    )


def limits_of(metadata: files_pb2.UploadMetadata) -> Limits:
    """Raises BadLimits for an expiry of 0 or a limit of 0 downloads."""
    expires_in = (
        timedelta(seconds=metadata.expires_in_seconds) if metadata.HasField("expires_in_seconds") else None
    )
    max_downloads = metadata.max_downloads if metadata.HasField("max_downloads") else None
    return Limits(expires_in=expires_in, max_downloads=max_downloads)


def file_info_of(stored: StoredFile) -> files_pb2.FileInfo:
    info = files_pb2.FileInfo(
        file_url=stored.file_url,
        ext=stored.ext,
        user_filename=stored.user_filename,
        size=stored.size,
        sha256=stored.sha256,
        created_at=timestamp_of(stored.created_at),
        max_downloads=stored.limits.max_downloads,
        downloads_left=stored.limits.downloads_left,
    )
    if stored.limits.expires_at is not None:
        info.expires_at.CopyFrom(timestamp_of(stored.limits.expires_at))
    return info


def file_limits_of(file_url: str, limits: FileLimits) -> files_pb2.FileLimits:
    message = files_pb2.FileLimits(
        file_url=file_url, max_downloads=limits.max_downloads, downloads_left=limits.downloads_left
    )
    if limits.expires_at is not None:
        message.expires_at.CopyFrom(timestamp_of(limits.expires_at))
    return message


def upload_response_of(stored: StoredFile) -> files_pb2.UploadFileResponse:
    return files_pb2.UploadFileResponse(
        file=file_info_of(stored),
        delete_key=stored.delete_key,
        owner_account_id=stored.owner_account_id,
    )


def refusal_message(refusal: Refusal) -> files_pb2.UploadRefusal:
    return files_pb2.UploadRefusal(
        code=refusal.code.value[0], message=refusal.message, reason=refusal.reason, facts=refusal.facts
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


_CLAIM_RESULTS = {
    ClaimResult.CLAIMED: files_pb2.CLAIMED,
    ClaimResult.UNKNOWN_FILE: files_pb2.UNKNOWN_FILE,
    ClaimResult.WRONG_KEY: files_pb2.WRONG_KEY,
    ClaimResult.OWNED_BY_ANOTHER_ACCOUNT: files_pb2.OWNED_BY_ANOTHER_ACCOUNT,
    ClaimResult.ALREADY_YOURS: files_pb2.ALREADY_YOURS,
    ClaimResult.OVER_QUOTA: files_pb2.OVER_QUOTA,
}


def claim_requests_of(request: files_pb2.ClaimFilesRequest) -> list[ClaimRequest]:
    return [ClaimRequest(file_url=item.file_url, delete_key=item.delete_key) for item in request.items]


def claim_outcome_of(outcome: ClaimOutcome) -> files_pb2.ClaimOutcome:
    message = files_pb2.ClaimOutcome(file_url=outcome.file_url, result=_CLAIM_RESULTS[outcome.result])
    if outcome.file is not None:
        message.file.CopyFrom(file_info_of(outcome.file))
        message.delete_key = outcome.file.delete_key
    return message
