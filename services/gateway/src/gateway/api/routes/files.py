"""Files (contract 1.2): upload, download (GET and HEAD, /file/ and /f/), delete."""

import logging
from contextlib import aclosing
from typing import Annotated

from fastapi import APIRouter, Header, Request, Response
from fastapi.responses import RedirectResponse, StreamingResponse
from starlette.requests import ClientDisconnect

from gateway import file_limits
from gateway.api.deps import (
    UPLOAD_BUCKET,
    FileCacheDep,
    FilesClientDep,
    bearer_token,
    client_address,
    count_request,
    public_base_url,
)
from gateway.api.schemas import (
    BINARY_RESPONSES,
    DELETE_BY_HEADER_OPERATION,
    DELETE_OPERATION,
    DOWNLOAD_OPERATION,
    HEAD_OPERATION,
    UPLOAD_LINKS,
    UPLOAD_REQUEST_BODY,
    AuthErrorObject,
    ErrorBody,
    MessageBody,
    NoAuthError,
    UploadBody,
    UploadTooLargeBody,
    error_responses,
    iso_8601,
)
from gateway.api.upload_parameters import UPLOAD_PARAMETERS_OPENAPI, UploadParameters
from gateway.clients.auth import AuthClient
from gateway.clients.files import FilesClient, FileStream, FilesUpload
from gateway.content_types import may_redirect
from gateway.downloads import DownloadPlan, UnsatisfiableRange, plan_download, planned_bytes
from gateway.errors import (
    AuthorizationError,
    BadDownloadLimit,
    BadExpiry,
    BadIdempotencyKey,
    ClientClosedRequest,
    ExpiryTooLong,
    FileNotFound,
    FileTooLarge,
    NoFileUploaded,
    RangeNotSatisfiable,
)
from gateway.file_cache import FileCache, utc_now
from gateway.file_limits import ExpiryPolicy, parse_max_downloads
from gateway.metrics import GatewayMetrics
from gateway.models import DownloadHeaders, StoredFile, UploadedFile, UploadRequest
from gateway.settings import Settings
from gateway.uploads import MULTIPART_OVERHEAD_BYTES, MultipartUploadReader, multipart_boundary

logger = logging.getLogger(__name__)

router = APIRouter(tags=["files"])

MAX_FILE_URL_LENGTH = 128
MAX_IDEMPOTENCY_KEY_LENGTH = 255
_UPLOAD_RESPONSES = {
    200: {"links": UPLOAD_LINKS},
    **error_responses(
        {
            400: ErrorBody,
            403: ErrorBody,
            408: ErrorBody,
            409: ErrorBody,
            413: UploadTooLargeBody,
            429: ErrorBody,
            503: ErrorBody,
            507: ErrorBody,
        }
    ),
}
_DOWNLOAD_RESPONSES = {
    **BINARY_RESPONSES,
    **error_responses({404: ErrorBody, 416: ErrorBody, 503: ErrorBody}),
}


@router.post(
    "/api/upload",
    response_model=UploadBody,
    responses=_UPLOAD_RESPONSES,
    openapi_extra={**UPLOAD_REQUEST_BODY, **UPLOAD_PARAMETERS_OPENAPI},
    summary='Upload one file (multipart/form-data, field "file"); a token files it under its account',
)
async def upload(request: Request) -> UploadBody:
    # The app's parts straight from its state, as download takes them, and the parameters read here
    # (upload_parameters): each dependency FastAPI resolves costs a small upload a few percent of its time.
    parameters = UploadParameters.of(request)  # an invalid one is refused before the rate limit counts
    await count_request(request, UPLOAD_BUCKET)
    authorization, idempotency_key = parameters.authorization, parameters.idempotency_key
    include_ext, expires_in, max_downloads = (
        parameters.include_ext,
        parameters.expires_in,
        parameters.max_downloads,
    )
    state = request.app.state
    auth: AuthClient = state.auth_client
    files: FilesClient = state.files_client
    settings: Settings = state.settings
    metrics: GatewayMetrics = state.metrics
    with metrics.uploads_in_flight.track_inprogress():
        _check_idempotency_key(idempotency_key)
        policy = ExpiryPolicy(settings.default_expiry_seconds, settings.max_expiry_seconds)
        expires_in_seconds, download_limit = _limits(policy, expires_in, max_downloads)
        owner_account_id, auth_error = await _identify_uploader(authorization, auth)
        boundary = _upload_boundary(request, settings.max_upload_bytes)
        scope = f"account:{owner_account_id}" if owner_account_id else f"address:{client_address(request)}"

        async def start_upload(filename: str) -> FilesUpload:
            return await files.start_upload(
                UploadRequest(
                    filename,
                    include_ext,
                    owner_account_id,
                    idempotency_key or "",
                    scope if idempotency_key else "",
                    reader.file_size_bound,
                    expires_in_seconds,
                    download_limit,
                )
            )

        reader = MultipartUploadReader(
            boundary, settings.max_upload_bytes, start_upload, declared_length=_declared_length(request)
        )
        session = await _read_body(reader, request)
        uploaded = await session.finish()
        synced = await _list_under_account(uploaded, authorization, auth)
    return _upload_body(uploaded, public_base_url(request), auth_error, synced)


@router.get(
    "/file/{file_url}",
    response_class=Response,
    responses=_DOWNLOAD_RESPONSES,
    operation_id=DOWNLOAD_OPERATION,
    summary="The file's bytes (Range, If-None-Match and If-Range supported)",
)
@router.head(
    "/file/{file_url}",
    response_class=Response,
    responses=_DOWNLOAD_RESPONSES,
    operation_id=HEAD_OPERATION,
    summary="The file's headers",
)
@router.get(
    "/f/{file_url}",
    response_class=Response,
    responses=_DOWNLOAD_RESPONSES,
    operation_id="download_file_short",
    summary="The file's bytes (short alias of /file/)",
)
@router.head(
    "/f/{file_url}",
    response_class=Response,
    responses=_DOWNLOAD_RESPONSES,
    operation_id="file_headers_short",
    summary="The file's headers (short alias of /file/)",
)
async def download(file_url: str, request: Request) -> Response:
    # The app's parts straight from its state: FastAPI runs each plain-function dependency in a worker
    # thread, which cost a cached download about a third of its time.
    state = request.app.state
    files: FilesClient = state.files_client
    cache: FileCache = state.file_cache
    settings: Settings = state.settings
    metrics: GatewayMetrics = state.metrics
    if len(file_url) > MAX_FILE_URL_LENGTH:
        raise FileNotFound()
    held = cache.get(file_url)
    if held is not None:
        info, content, stream = held.info, held.content, None
    else:
        ticket = cache.ticket()
        # No bytes are streamed for what will not send them: a HEAD, a redirect to the object store.
        streamed = request.method != "HEAD" and settings.download_redirect != "presigned"
        opened = await files.open_file(file_url, cache.max_file_bytes, stream=streamed)
        cache.put(ticket, opened.info, opened.content)
        info, content, stream = opened.info, opened.content, opened.stream
    try:
        if info.expires_at is not None and info.expires_at <= utc_now():
            raise FileNotFound()
        plan = plan_download(info, request.headers)
        if info.used_up and not _seeks(request, plan):
            raise FileNotFound()
        if request.method == "HEAD" or plan.status_code == 304:
            _cancel(stream)
            return Response(status_code=plan.status_code, headers=plan.headers)
        if info.limited and not _seeks(request, plan):
            await files.count_download(file_url)
        if settings.download_redirect == "presigned" and may_redirect(info.ext) and _may_outlive(info):
            _cancel(stream)
            stream = None
            redirect = await _redirect_to_the_store(files, info, plan)
            if redirect is not None:
                return redirect
        if content is not None:
            return Response(planned_bytes(content, plan), status_code=plan.status_code, headers=plan.headers)
        if stream is None or plan.byte_range is not None:
            # A range of a big file not yet cached costs a second ReadFile (the first, asked before the
            # size was known, streams the whole file); once cached, the range is asked at once.
            _cancel(stream)
            offset, length = (plan.byte_range.start, plan.byte_range.length) if plan.byte_range else (0, None)
            stream = await files.read_file(file_url, offset, length)
        else:
            await stream.prefetch()
    except UnsatisfiableRange as error:
        _cancel(stream)
        if info.used_up:
            raise FileNotFound() from error
        raise RangeNotSatisfiable(info.size) from error
    except BaseException:
        _cancel(stream)
        raise
    chunks = metrics.counted_download(stream.chunks())
    return StreamingResponse(chunks, status_code=plan.status_code, headers=plan.headers)


def _seeks(request: Request, plan: DownloadPlan) -> bool:
    """A GET of a range that starts after byte 0: a seek of a download under way, which is not counted
    (and is served even once the last download has been counted, until the file is purged)."""
    return request.method == "GET" and plan.byte_range is not None and plan.byte_range.start > 0


def _may_outlive(info: StoredFile) -> bool:
    """A presigned URL works for minutes whatever happens to the file: a file with a download limit or an
    expiry is streamed, never redirected to one."""
    return not info.limited and info.expires_at is None


def _limits(
    policy: ExpiryPolicy, expires_in: str | None, max_downloads: str | None
) -> tuple[int | None, int | None]:
    """The expiry (seconds) and download limit the upload asks for, or the 400 that refuses them."""
    try:
        expires_in_seconds = policy.expires_in(expires_in)
    except file_limits.ExpiryBeyondMaximum as error:
        raise ExpiryTooLong(policy.max_seconds) from error
    except file_limits.BadExpiry as error:
        raise BadExpiry() from error
    try:
        return expires_in_seconds, parse_max_downloads(max_downloads)
    except file_limits.BadDownloadLimit as error:
        raise BadDownloadLimit() from error


def _cancel(stream: FileStream | None) -> None:
    if stream is not None:
        stream.cancel()


async def _redirect_to_the_store(files: FilesClient, info: StoredFile, plan: DownloadPlan) -> Response | None:
    """A redirect to a presigned URL of the object store, which answers with the headers this download
    would have had (Range and its own ETag are then the store's); None when files cannot make one."""
    headers = DownloadHeaders(
        content_type=plan.headers["Content-Type"],
        content_disposition=plan.headers["Content-Disposition"],
        cache_control=plan.headers["Cache-Control"],
    )
    url = await files.get_download_url(info.file_url, headers)
    if url is None:
        return None
    # The URL expires: neither the browser nor a cache in between may keep the redirect.
    return RedirectResponse(url, status_code=302, headers={"Cache-Control": "no-store"})


_DELETE_RESPONSES = error_responses({400: ErrorBody, 404: ErrorBody, 503: ErrorBody})
DeleteKeyHeader = Annotated[
    str | None, Header(alias="X-Delete-Key", description="the file's delete key (the upload's `key`)")
]


@router.get(
    "/api/delete/{file_url}",
    response_model=MessageBody,
    responses=_DELETE_RESPONSES,
    operation_id=DELETE_OPERATION,
    summary="Delete a file with its delete key in the URL (prefer DELETE /api/files/{file_url})",
)
async def delete(
    file_url: str, files: FilesClientDep, cache: FileCacheDep, key: str | None = None
) -> MessageBody:
    return await _delete(file_url, key, files, cache)


@router.delete(
    "/api/files/{file_url}",
    response_model=MessageBody,
    responses=_DELETE_RESPONSES,
    operation_id=DELETE_BY_HEADER_OPERATION,
    summary="Delete a file with its delete key in the X-Delete-Key header (kept out of URLs)",
)
async def delete_with_header(
    file_url: str, files: FilesClientDep, cache: FileCacheDep, key: DeleteKeyHeader = None
) -> MessageBody:
    return await _delete(file_url, key, files, cache)


async def _delete(file_url: str, key: str | None, files: FilesClient, cache: FileCache) -> MessageBody:
    """The same answers whether the key came in the query or in the header; none is an empty key."""
    try:
        await files.delete_file(file_url, key or "")
    except FileNotFound:
        cache.forget(file_url)  # gone already: whatever this gateway remembers of it is wrong
        raise
    cache.forget(file_url)
    return MessageBody(message="File deleted successfully")


def _check_idempotency_key(key: str | None) -> None:
    if key is None:
        return
    if not 1 <= len(key) <= MAX_IDEMPOTENCY_KEY_LENGTH or not all(" " <= char <= "~" for char in key):
        raise BadIdempotencyKey()


async def _identify_uploader(header: str | None, auth: AuthClient) -> tuple[str, dict[str, object]]:
    """(owner account id, auth_error): anonymous with the 1.1 object when the header fails; auth
    being unreachable is not a token failure and propagates (503), so nothing gets stored."""
    if header is None:
        return "", {}
    try:
        account = await auth.validate_token(bearer_token(header))
    except AuthorizationError as error:
        return "", error.failure.as_object()
    return account.account_id, {}


async def _list_under_account(uploaded: UploadedFile, header: str | None, auth: AuthClient) -> bool:
    """Whether the account's list has the file now, so that the next get_files shows it. Auth failing to
    list it leaves the upload stored, unsynced: its upload event lists it once it arrives."""
    if not uploaded.owner_account_id or header is None:
        return False
    try:
        await auth.record_account_file(bearer_token(header), uploaded)
    except Exception as error:
        logger.warning("stored %s, not yet in its account's list: %s", uploaded.file.file_url, error)
        return False
    return True


def _declared_length(request: Request) -> int | None:
    declared = request.headers.get("content-length", "")
    return int(declared) if declared.isdigit() else None


def _upload_boundary(request: Request, max_upload_bytes: int) -> bytes:
    boundary = multipart_boundary(request.headers.get("content-type"))
    declared_length = request.headers.get("content-length", "")
    if boundary is None or declared_length == "0":
        raise NoFileUploaded()
    if declared_length.isdigit() and int(declared_length) > max_upload_bytes + MULTIPART_OVERHEAD_BYTES:
        raise FileTooLarge(max_upload_bytes)
    return boundary


async def _read_body(reader: MultipartUploadReader[FilesUpload], request: Request) -> FilesUpload:
    try:
        async with aclosing(request.stream()) as body:
            return await reader.read(body)
    except ClientDisconnect as error:
        raise ClientClosedRequest() from error


def _upload_body(
    uploaded: UploadedFile, base_url: str, auth_error: dict[str, object], synced: bool
) -> UploadBody:
    file = uploaded.file
    return UploadBody(
        message="File uploaded successfully",
        file_url=file.file_url,
        file_url_full=f"{base_url}/file/{file.file_url}",
        key=uploaded.delete_key,
        ext=file.ext,
        user_filename=file.user_filename,
        synced=synced,
        auth_error=AuthErrorObject.model_validate(auth_error) if auth_error else NoAuthError(),
        expires_at=iso_8601(file.expires_at),
        max_downloads=file.max_downloads,
        downloads_left=file.downloads_left,
    )
