"""Accounts (contract 1.3): register, login, refresh, logout, and the account's files."""

import json
from collections.abc import Mapping
from datetime import UTC, datetime

from fastapi import APIRouter, Response
from pydantic import ValidationError

from gateway.api.deps import (
    AccessToken,
    AuthClientDep,
    AuthRateLimit,
    FilesClientDep,
    PublicBaseUrl,
    SmallBody,
)
from gateway.api.schemas import (
    AccountBody,
    AccountErrorBody,
    AuthErrorBody,
    Credentials,
    ErrorBody,
    ErrorWithIdBody,
    FilesBody,
    MessageBody,
    RefreshRequest,
    TokenBody,
    error_responses,
    iso_8601,
    json_request_body,
)
from gateway.clients.files import FilesClient
from gateway.errors import CredentialsMissing, TokenMissing
from gateway.models import AccountFile, IssuedToken, TokenKind

router = APIRouter(prefix="/api", tags=["accounts"])

_REGISTER_ERRORS = error_responses(
    {400: AccountErrorBody, 408: ErrorBody, 413: ErrorBody, 429: ErrorBody, 503: ErrorBody}
)
_LOGIN_ERRORS = {**_REGISTER_ERRORS, **error_responses({403: ErrorWithIdBody, 404: ErrorWithIdBody})}
_REFRESH_ERRORS = {**_REGISTER_ERRORS, **error_responses({401: AuthErrorBody})}
_LOGOUT_ERRORS = error_responses({401: AuthErrorBody, 429: ErrorBody, 503: ErrorBody})
_TOKEN_ERRORS = error_responses({401: AuthErrorBody, 503: ErrorBody})


@router.post(
    "/register",
    dependencies=[AuthRateLimit],
    response_model=TokenBody,
    responses=_REGISTER_ERRORS,
    openapi_extra=json_request_body(Credentials),
    summary="Create an account and sign in",
)
async def register(body: SmallBody, auth: AuthClientDep, bot: bool = False) -> TokenBody:
    credentials = _credentials(body)
    issued = await auth.register(credentials.username, credentials.password, _token_kind(bot))
    return _token_body(issued, "logged in with password")


@router.post(
    "/login",
    dependencies=[AuthRateLimit],
    response_model=TokenBody,
    responses=_LOGIN_ERRORS,
    openapi_extra=json_request_body(Credentials),
    summary="Sign in with a username and password",
)
async def login(body: SmallBody, auth: AuthClientDep, bot: bool = False) -> TokenBody:
    credentials = _credentials(body)
    issued = await auth.login(credentials.username, credentials.password, _token_kind(bot))
    return _token_body(issued, "logged in with password")


@router.post(
    "/refresh_token",
    dependencies=[AuthRateLimit],
    response_model=TokenBody,
    responses=_REFRESH_ERRORS,
    openapi_extra=json_request_body(RefreshRequest),
    summary="Exchange a token for a new one of the same kind (the old one is revoked)",
)
async def refresh_token(body: SmallBody, auth: AuthClientDep) -> TokenBody:
    issued = await auth.refresh_token(_presented_token(body))
    return _token_body(issued, "token refreshed successfully")


@router.post(
    "/logout",
    dependencies=[AuthRateLimit],
    response_model=MessageBody,
    responses=_LOGOUT_ERRORS,
    summary="Revoke the presented token",
)
async def logout(token: AccessToken, auth: AuthClientDep) -> MessageBody:
    await auth.logout(token)
    return MessageBody(message="logged out successfully")


@router.get("/get_files", response_model=FilesBody, responses=_TOKEN_ERRORS, summary="The account's files")
@router.get(
    "/getFiles",
    response_model=FilesBody,
    responses=_TOKEN_ERRORS,
    deprecated=True,
    summary="The account's files (use /api/get_files)",
)
async def get_files(
    token: AccessToken, auth: AuthClientDep, files: FilesClientDep, base_url: PublicBaseUrl
) -> Response:
    """The account's list (auth's, with each file's expiry and download limit), less the files expired or
    used up whose purge auth has not heard of yet. Only the files with a download limit cost a files call,
    for the downloads left. The FilesBody is rendered straight to JSON: validating 20 items into models
    and serialising them again cost more than the rest of the route."""
    listing = await auth.list_account_files(token)
    now = datetime.now(UTC)
    listed = [file for file in listing.files if file.expires_at is None or file.expires_at > now]
    limited = [file.file_url for file in listed if file.max_downloads is not None]
    downloads_left, gone = await _downloads_left(files, limited) if limited else ({}, set())
    body = {
        "status": "success",
        "message": "files got successfully",
        "username": listing.account.username,
        "data": [
            _file_item(file, downloads_left.get(file.file_url), base_url)
            for file in listed
            if file.file_url not in gone
        ],
    }
    return Response(_compact_json(body), media_type="application/json")


async def _downloads_left(files: FilesClient, file_urls: list[str]) -> tuple[dict[str, int | None], set[str]]:
    """Each limited file's downloads left as files counts them now, and the files it no longer serves."""
    limits, gone = await files.file_limits(file_urls)
    return {file_url: limited.downloads_left for file_url, limited in limits.items()}, gone


@router.get(
    "/account",
    response_model=AccountBody,
    responses=_TOKEN_ERRORS,
    summary="The account's name, how many files and bytes it stores, and its quotas",
)
async def account(token: AccessToken, auth: AuthClientDep, files: FilesClientDep) -> AccountBody:
    owner = await auth.validate_token(token)
    usage = await files.get_account_usage(owner.account_id)
    return AccountBody(
        message="account got successfully",
        username=owner.username,
        files=usage.files,
        bytes_used=usage.bytes,
        quota_bytes=usage.quota_bytes,
        quota_files=usage.quota_files,
    )


def _credentials(body: bytes) -> Credentials:
    try:
        return Credentials.model_validate_json(body)
    except ValidationError as error:
        raise CredentialsMissing() from error


def _presented_token(body: bytes) -> str:
    """The refresh body's token, with or without a "Bearer " prefix."""
    try:
        token = RefreshRequest.model_validate_json(body).accessToken.strip()
    except ValidationError as error:
        raise TokenMissing() from error
    scheme, _, rest = token.partition(" ")
    if scheme.lower() == "bearer":
        token = rest.strip()
    if not token:
        raise TokenMissing()
    return token


def _token_kind(bot: bool) -> TokenKind:
    return TokenKind.BOT if bot else TokenKind.NORMAL


def _token_body(issued: IssuedToken, message: str) -> TokenBody:
    return TokenBody(accessToken=issued.access_token, username=issued.account.username, message=message)


def _file_item(file: AccountFile, downloads_left: int | None, base_url: str) -> dict[str, object]:
    """A FileItem's fields, in its order."""
    created = file.created_at
    return {
        "file_url": file.file_url,
        "file_url_full": f"{base_url}/file/{file.file_url}",
        "key": file.delete_key,
        "ext": file.ext,
        "user_filename": file.user_filename,
        "creation_date": f"{created.day}.{created.month}.{created.year}",
        "created_at": created.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "size": file.size,
        "synced": True,
        "expires_at": iso_8601(file.expires_at),
        "max_downloads": file.max_downloads,
        "downloads_left": downloads_left,
    }


def _compact_json(body: Mapping[str, object]) -> bytes:
    """As FastAPI renders a response model: no spaces, non-ASCII characters as they are."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
